import assert from 'node:assert/strict';
import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  fhir,
  makeStateDir,
  SEED_BUNDLES,
  seedDataDir,
  startSandbox,
} from '../test-support/sandbox-fixture.mjs';

const SYSTEM = 'urn:medulla:test:journal';

function note(value, status = 'current') {
  return {
    resourceType: 'DocumentReference',
    status,
    identifier: [{ system: SYSTEM, value }],
    subject: { reference: `Patient/${SEED_BUNDLES.valentin.patientId}` },
    content: [{ attachment: { contentType: 'text/plain', data: 'Sm91cm5hbA==' } }],
  };
}

describe('Journal', () => {
  let state;
  let data;
  let journal;

  before(() => {
    state = makeStateDir();
    data = seedDataDir(state.dir);
    journal = join(state.dir, 'ehr-journal.ndjson');
  });

  after(() => state.remove());

  const restart = () => startSandbox(['--data', data, '--journal', journal]);

  test('Journal, replays creates, updates and deletes after a restart', async () => {
    const first = await restart();
    const { body: kept } = await fhir(first.base, 'POST', 'DocumentReference', {
      body: note('kept'),
      headers: { 'If-None-Exist': `identifier=${SYSTEM}|kept` },
    });
    await fhir(first.base, 'PUT', `DocumentReference/${kept.id}`, {
      body: { ...kept, status: 'superseded' },
      headers: { 'If-Match': `W/"${kept.meta.versionId}"` },
    });
    const { body: dropped } = await fhir(first.base, 'POST', 'DocumentReference', {
      body: note('dropped'),
    });
    await fhir(first.base, 'DELETE', `DocumentReference/${dropped.id}`);
    await first.stop();

    const second = await restart();
    try {
      assert.equal(second.started.journal_applied, 4);
      const { status, body } = await fhir(second.base, 'GET', `DocumentReference/${kept.id}`);
      assert.equal(status, 200);
      assert.equal(body.status, 'superseded');
      assert.equal(body.meta.versionId, '2');
      const gone = await fhir(second.base, 'GET', `DocumentReference/${dropped.id}`);
      assert.equal(gone.status, 404);

      const retry = await fhir(second.base, 'POST', 'DocumentReference', {
        body: note('kept'),
        headers: { 'If-None-Exist': `identifier=${SYSTEM}|kept` },
      });
      assert.equal(retry.status, 200);
      assert.equal(retry.body.id, kept.id);
    } finally {
      await second.stop();
    }
  });

  test('Journal, skips a torn last line and keeps appending after it', async () => {
    appendFileSync(journal, '{"op":"put","resource":{"resourceType":"Docu');

    const third = await restart();
    let created;
    try {
      assert.equal(third.started.journal_skipped, 1);
      const response = await fhir(third.base, 'POST', 'DocumentReference', {
        body: note('after-tear'),
      });
      created = response.body;
    } finally {
      await third.stop();
    }

    const fourth = await restart();
    try {
      const { status } = await fhir(fourth.base, 'GET', `DocumentReference/${created.id}`);
      assert.equal(status, 200);
      assert.equal(fourth.started.journal_skipped, 1);
    } finally {
      await fourth.stop();
    }
    const lines = readFileSync(journal, 'utf8').trim().split('\n');
    assert.equal(JSON.parse(lines.at(-1)).resource.id, created.id);
  });

  test('Journal, does not record refused writes', async () => {
    const recorded = readFileSync(journal, 'utf8');
    const sandbox = await restart();
    try {
      const { status } = await fhir(sandbox.base, 'POST', 'DocumentReference', {
        body: { resourceType: 'DocumentReference' },
      });
      assert.equal(status, 400);
    } finally {
      await sandbox.stop();
    }

    assert.equal(readFileSync(journal, 'utf8'), recorded);
  });
});
