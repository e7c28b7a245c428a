import assert from 'node:assert/strict';
import { after, afterEach, before, describe, test } from 'node:test';
import {
  adminGet,
  fhir,
  makeStateDir,
  SEED_BUNDLES,
  seedDataDir,
  startSandbox,
} from '../test-support/sandbox-fixture.mjs';

const ORDER_SYSTEM = 'urn:medulla:test:fault-order';
const PATIENT = `Patient/${SEED_BUNDLES.clarence.patientId}`;

let sandbox;
let state;
let serial = 0;

async function setFaults(settings) {
  const response = await fetch(`${sandbox.admin}/faults`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(settings),
  });
  return { status: response.status, body: await response.json() };
}

async function stopFaults() {
  const response = await fetch(`${sandbox.admin}/faults`, { method: 'DELETE' });
  return { status: response.status, body: await response.json() };
}

function draftNote(value = `fault-note-${++serial}`) {
  return {
    resourceType: 'DocumentReference',
    status: 'current',
    identifier: [{ system: ORDER_SYSTEM, value }],
    subject: { reference: PATIENT },
    content: [{ attachment: { contentType: 'text/plain', data: 'RmF1bHQgbm90ZQ==' } }],
  };
}

const createNote = (note) => fhir(sandbox.base, 'POST', 'DocumentReference', { body: note });
const readPatient = () => fhir(sandbox.base, 'GET', PATIENT);

async function notesWith(value) {
  const { body } = await fhir(
    sandbox.base, 'GET', `DocumentReference?identifier=${ORDER_SYSTEM}|${value}`);
  return body.total;
}

before(async () => {
  state = makeStateDir();
  sandbox = await startSandbox(['--data', seedDataDir(state.dir)]);
});

afterEach(async () => {
  await stopFaults();
});

after(async () => {
  await sandbox?.stop();
  state?.remove();
});

describe('Faults at rate 1.0', () => {
  test('Latency, delays the answer and then serves it normally', async () => {
    await setFaults({ rate: 1, kinds: ['latency'] });

    const { status, body } = await readPatient();

    assert.equal(status, 200);
    assert.equal(body.resourceType, 'Patient');
    const { body: report } = await adminGet(sandbox.admin, 'faults');
    assert.equal(report.counts.latency, 1);
  });

  test('Timeout, holds the request and closes the connection without an answer', async () => {
    await setFaults({ rate: 1, kinds: ['timeout'], timeout_ms: 100 });

    await assert.rejects(readPatient());

    const { body: report } = await adminGet(sandbox.admin, 'faults');
    assert.equal(report.counts.timeout, 1);
    assert.equal(report.timeout_ms, 100);
  });

  test('429, answers Too Many Requests with Retry-After', async () => {
    await setFaults({ rate: 1, kinds: ['429'] });

    const { status, headers, body } = await readPatient();

    assert.equal(status, 429);
    assert.equal(headers.get('retry-after'), '1');
    assert.equal(body.resourceType, 'OperationOutcome');
    assert.equal(body.issue[0].code, 'throttled');
  });

  test('5xx, answers 503 or 500 with an OperationOutcome', async () => {
    await setFaults({ rate: 1, seed: 3, kinds: ['5xx'] });

    const statuses = new Set();
    for (let i = 0; i < 12; i += 1) {
      const { status, body } = await readPatient();
      assert.equal(body.resourceType, 'OperationOutcome');
      statuses.add(status);
    }

    assert.deepEqual([...statuses].sort(), [500, 503]);
  });

  test('409, refuses a write with a conflict and stores nothing', async () => {
    await setFaults({ rate: 1, kinds: ['409'] });
    const note = draftNote();

    const { status, body } = await createNote(note);
    await stopFaults();

    assert.equal(status, 409);
    assert.equal(body.resourceType, 'OperationOutcome');
    assert.equal(await notesWith(note.identifier[0].value), 0);
  });

  test('412, refuses a write with a failed precondition and stores nothing', async () => {
    await setFaults({ rate: 1, kinds: ['412'] });
    const note = draftNote();

    const { status, body } = await createNote(note);
    await stopFaults();

    assert.equal(status, 412);
    assert.equal(body.resourceType, 'OperationOutcome');
    assert.equal(await notesWith(note.identifier[0].value), 0);
  });

  test('409 and 412, leave reads alone', async () => {
    await setFaults({ rate: 1, kinds: ['409', '412'] });

    const { status } = await readPatient();

    assert.equal(status, 200);
    const { body: report } = await adminGet(sandbox.admin, 'faults');
    assert.equal(report.faulted, 0);
  });

  test('Drop, closes every connection unanswered and applies some writes anyway', async () => {
    await setFaults({ rate: 1, seed: 11, kinds: ['drop'] });
    const notes = Array.from({ length: 20 }, () => draftNote());

    for (const note of notes) {
      await assert.rejects(createNote(note));
    }
    await stopFaults();

    let stored = 0;
    for (const note of notes) {
      stored += await notesWith(note.identifier[0].value);
    }
    assert.ok(stored > 0, 'some dropped writes were applied before the drop');
    assert.ok(stored < notes.length, 'some dropped writes were never applied');
  });
});

describe('Fault share and scope', () => {
  test('Rate 0.1, faults roughly a tenth of 200 requests', async () => {
    await setFaults({ rate: 0.1, seed: 7, kinds: ['429'] });

    let refused = 0;
    for (let i = 0; i < 200; i += 1) {
      const { status } = await readPatient();
      refused += status === 429 ? 1 : 0;
    }

    const { body: report } = await adminGet(sandbox.admin, 'faults');
    assert.ok(refused >= 8 && refused <= 35, `refused ${refused} of 200`);
    assert.equal(report.counts['429'], refused);
    assert.equal(report.requests, 200);
  });

  test('Admin endpoints, are never faulted', async () => {
    await setFaults({ rate: 1, kinds: ['429'] });

    const { status } = await adminGet(sandbox.admin, 'health');

    assert.equal(status, 200);
  });

  test('Token endpoints, are faulted only when the paths pattern names them', async () => {
    const origin = sandbox.admin.replace('/__admin', '');
    const token = `${origin}/epic/interconnect-fhir-oauth/oauth2/token`;
    const postToken = () => fetch(token, { method: 'POST', body: 'grant_type=client_credentials' });

    await setFaults({ rate: 1, kinds: ['429'] });
    const unfaulted = await postToken();
    await setFaults({ rate: 1, kinds: ['429'], paths: '/token$' });
    const faulted = await postToken();

    assert.notEqual(unfaulted.status, 429);
    assert.equal(faulted.status, 429);
  });

  test('Vendor persona routes, are faulted like the generic FHIR base', async () => {
    const origin = sandbox.admin.replace('/__admin', '');
    const epicPatient = `${origin}/epic/interconnect-fhir-oauth/api/FHIR/R4/${PATIENT}`;

    const unfaulted = await fetch(epicPatient);
    await setFaults({ rate: 1, kinds: ['429'] });
    const faulted = await fetch(epicPatient);

    assert.equal(unfaulted.status, 401, 'the persona itself asks for a token');
    assert.equal(faulted.status, 429);
  });

  test('Paths pattern, leaves requests it does not match alone', async () => {
    await setFaults({ rate: 1, kinds: ['429'], paths: '^/fhir/R4/Observation' });

    const { status } = await readPatient();

    assert.equal(status, 200);
  });

  test('Delete, stops faulting and keeps the counts', async () => {
    await setFaults({ rate: 1, kinds: ['429'] });
    await readPatient();

    const { body: stopped } = await stopFaults();
    const { status } = await readPatient();

    assert.equal(status, 200);
    assert.equal(stopped.enabled, false);
    assert.equal(stopped.counts['429'], 1);
  });

  test('Get, reports the current settings', async () => {
    await setFaults({ rate: 0.25, seed: 5, kinds: ['drop', '5xx'], paths: '^/fhir/' });

    const { status, body } = await adminGet(sandbox.admin, 'faults');

    assert.equal(status, 200);
    assert.equal(body.enabled, true);
    assert.equal(body.rate, 0.25);
    assert.equal(body.seed, 5);
    assert.deepEqual(body.kinds, ['drop', '5xx']);
    assert.equal(body.paths, '^/fhir/');
    assert.equal(body.timeout_ms, 15000);
  });
});

describe('Fault settings', () => {
  const refusals = [
    ['a rate above 1', { rate: 1.5 }, /rate/],
    ['a missing rate', {}, /rate/],
    ['an unknown kind', { rate: 0.5, kinds: ['meteor'] }, /kinds/],
    ['an empty kind list', { rate: 0.5, kinds: [] }, /kinds/],
    ['a broken paths pattern', { rate: 0.5, paths: '(' }, /paths/],
    ['a negative timeout', { rate: 0.5, timeout_ms: -1 }, /timeout_ms/],
    ['a fractional seed', { rate: 0.5, seed: 1.5 }, /seed/],
  ];
  for (const [scenario, settings, field] of refusals) {
    test(`Post, refuses ${scenario}`, async () => {
      const { status, body } = await setFaults(settings);

      assert.equal(status, 400);
      assert.match(body.error, field);
    });
  }
});
