// In-process checks that the indexed search paths answer exactly what Medplum's own linear
// search answers, and keep doing so as resources change.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { parseSearchRequest } from '@medplum/core';
import { MemoryRepository } from '@medplum/fhir-router';
import { loadFhirSchema } from '../lib/fhir-schema.mjs';
import { loadBundles } from '../lib/load-bundles.mjs';
import { SandboxRepository } from '../lib/repository.mjs';
import { makeStateDir, SEED_BUNDLES, seedDataDir } from '../test-support/sandbox-fixture.mjs';

const CLARENCE = `Patient/${SEED_BUNDLES.clarence.patientId}`;
const VALENTIN = `Patient/${SEED_BUNDLES.valentin.patientId}`;

let repo;

const idsOf = (bundle) => (bundle.entry ?? []).map((e) => e.resource.id);
// Without _sort the order of results is unspecified; after an update the two paths differ.
const idSetOf = (bundle) => idsOf(bundle).sort();
const indexedSearch = (query) => repo.search(parseSearchRequest(query));
const linearSearch = (query) =>
  MemoryRepository.prototype.search.call(repo, parseSearchRequest(query));

before(async () => {
  loadFhirSchema();
  const state = makeStateDir();
  repo = new SandboxRepository();
  await loadBundles(repo, seedDataDir(state.dir));
  state.remove();
});

describe('Reference search', () => {
  const queries = [
    `Encounter?patient=${CLARENCE}`,
    `Encounter?patient=${SEED_BUNDLES.valentin.patientId}`,
    `Observation?patient=${CLARENCE}&_sort=-date&_count=5`,
    `Observation?subject=${VALENTIN}&category=vital-signs&_offset=3&_count=4`,
    `Claim?patient=${CLARENCE}&_sort=created`,
    `Condition?patient=Patient/not-loaded`,
  ];
  for (const query of queries) {
    test(`Reference search, matches the linear search for ${query.split('?')[0]}`, async () => {
      const indexed = await indexedSearch(query);
      const linear = await linearSearch(query);

      assert.deepEqual(idsOf(indexed), idsOf(linear));
      assert.equal(indexed.total, linear.total);
    });
  }

  test('Reference search, follows an Observation moved to another patient', async () => {
    const { entry } = await indexedSearch(`Observation?patient=${CLARENCE}&_count=1`);
    const observation = entry[0].resource;

    await repo.updateResource({ ...observation, subject: { reference: VALENTIN } });

    const fromClarence = idSetOf(await indexedSearch(`Observation?patient=${CLARENCE}`));
    const fromValentin = idSetOf(await indexedSearch(`Observation?patient=${VALENTIN}`));
    assert.ok(!fromClarence.includes(observation.id));
    assert.ok(fromValentin.includes(observation.id));
    assert.deepEqual(fromValentin, idSetOf(await linearSearch(`Observation?patient=${VALENTIN}`)));
  });

  test('Reference search, drops a deleted Encounter', async () => {
    const { entry } = await indexedSearch(`Encounter?patient=${VALENTIN}&_count=1`);

    await repo.deleteResource('Encounter', entry[0].resource.id);

    const remaining = idSetOf(await indexedSearch(`Encounter?patient=${VALENTIN}`));
    assert.ok(!remaining.includes(entry[0].resource.id));
    assert.deepEqual(remaining, idSetOf(await linearSearch(`Encounter?patient=${VALENTIN}`)));
  });
});

describe('Identifier search', () => {
  test('Identifier search, matches the linear search for a seeded MRN', async () => {
    const patient = await repo.readResource('Patient', SEED_BUNDLES.clarence.patientId);
    const mrn = patient.identifier.find((i) => i.type?.coding?.[0]?.code === 'MR');
    const query = `Patient?identifier=${mrn.system}|${mrn.value}`;

    assert.deepEqual(idsOf(await indexedSearch(query)), [patient.id]);
    assert.deepEqual(idsOf(await indexedSearch(query)), idsOf(await linearSearch(query)));
  });

  test('Identifier search, forgets the identifier a new version drops', async () => {
    const patient = await repo.readResource('Patient', SEED_BUNDLES.valentin.patientId);
    const [kept, ...dropped] = patient.identifier;

    await repo.updateResource({ ...patient, identifier: [kept] });

    for (const { system, value } of dropped) {
      const bundle = await indexedSearch(`Patient?identifier=${system}|${value}`);
      assert.equal(bundle.total, 0);
    }
  });
});

describe('Seed loading', () => {
  test('Seed loading, keeps the first copy of a resource repeated across bundles', async () => {
    const state = makeStateDir();
    const fresh = new SandboxRepository();
    const data = seedDataDir(state.dir);

    await loadBundles(fresh, data);
    await loadBundles(fresh, data);
    state.remove();

    const patient = await fresh.readResource('Patient', SEED_BUNDLES.clarence.patientId);
    assert.equal(patient.meta.versionId, '1');
    assert.equal(fresh.countsByType().Patient, 2);
  });
});
