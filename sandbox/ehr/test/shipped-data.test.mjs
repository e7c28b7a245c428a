// Checks the shipped data subset the demo relies on: the clinic day must point at visits,
// patients and encounters that exist, and every seeded resource must pass FHIR validation so
// that agents can read a resource and write it back.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { validateResource } from '@medplum/core';
import { loadFhirSchema } from '../lib/fhir-schema.mjs';
import { bundleFiles, seedResources } from '../lib/load-bundles.mjs';
import { PATIENTS_DIR, REPO_ROOT } from '../test-support/sandbox-fixture.mjs';

const readJson = (path) => JSON.parse(readFileSync(path, 'utf8'));

describe('Shipped data', () => {
  let resources;
  let byReference;
  let visits;
  let clinicDay;

  before(() => {
    loadFhirSchema();
    resources = bundleFiles(PATIENTS_DIR).flatMap((file) => seedResources(readJson(file)));
    byReference = new Map(resources.map((r) => [`${r.resourceType}/${r.id}`, r]));
    const dialogues = readJson(join(REPO_ROOT, 'data', 'dialogues', 'aci-bench.json'));
    visits = new Map(dialogues.visits.map((v) => [v.encounter_id, v]));
    clinicDay = readJson(join(REPO_ROOT, 'data', 'clinic-day.json'));
  });

  test('Seed bundles, every resource passes validation', () => {
    const refused = [];
    for (const resource of resources) {
      try {
        validateResource(resource);
      } catch {
        refused.push(`${resource.resourceType}/${resource.id}`);
      }
    }

    assert.deepEqual(refused, []);
  });

  test('Seed bundles, hold no urn:uuid reference after loading', () => {
    const leftovers = resources.filter((r) => JSON.stringify(r).includes('"reference":"urn:uuid:'));

    assert.deepEqual(leftovers.map((r) => r.id), []);
  });

  test('Clinic day, pairs each visit with an ambulatory encounter of its patient', () => {
    assert.ok(clinicDay.length >= 24);
    for (const appointment of clinicDay) {
      const visit = visits.get(appointment.visit);
      const patient = byReference.get(appointment.patient);
      const encounter = byReference.get(appointment.encounter);

      assert.ok(visit, `${appointment.visit} is in aci-bench.json`);
      assert.ok(patient, `${appointment.patient} is shipped`);
      assert.ok(encounter, `${appointment.encounter} is shipped`);
      assert.equal(encounter.subject.reference, appointment.patient);
      assert.equal(encounter.class.code, 'AMB');
      assert.equal(patient.gender, visit.gender);
    }
  });

  test('Clinic day, gives each patient two visits on different encounters', () => {
    const encountersByPatient = new Map();
    for (const { patient, encounter } of clinicDay) {
      encountersByPatient.set(patient, [...(encountersByPatient.get(patient) ?? []), encounter]);
    }

    for (const encounters of encountersByPatient.values()) {
      assert.equal(encounters.length, 2);
      assert.equal(new Set(encounters).size, 2);
    }
    assert.equal(new Set(clinicDay.map((a) => a.visit)).size, clinicDay.length);
  });

  test('Dialogues, carry a transcript and a reference note for every visit', () => {
    for (const visit of visits.values()) {
      assert.match(visit.dialogue, /\[doctor\]/);
      assert.ok(visit.note.length > 200);
      assert.ok(['male', 'female'].includes(visit.gender));
    }
    const withFollowUp = [...visits.values()].filter((v) => v.follow_up).length;
    assert.ok(withFollowUp > visits.size / 2);
  });
});
