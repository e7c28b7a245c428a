import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  adminGet,
  fhir,
  makeStateDir,
  runRefusedStart,
  SEED_BUNDLES,
  seedDataDir,
  startSandbox,
} from '../test-support/sandbox-fixture.mjs';

const ORDER_SYSTEM = 'urn:medulla:test:order';
const MRN_SYSTEM = 'http://hospital.smarthealthit.org';

let sandbox;
const searchByOrder = (value) =>
  fhir(sandbox.base, 'GET', `DocumentReference?identifier=${ORDER_SYSTEM}|${value}`);
const orderDuplicates = () =>
  adminGet(sandbox.admin, `duplicates?system=${encodeURIComponent(ORDER_SYSTEM)}`);
let state;
let serial = 0;

// A DocumentReference that passes validation, keyed by an identifier unique to the call.
function draftNote(value = `note-${++serial}`) {
  return {
    resourceType: 'DocumentReference',
    status: 'current',
    identifier: [{ system: ORDER_SYSTEM, value }],
    subject: { reference: `Patient/${SEED_BUNDLES.clarence.patientId}` },
    content: [{ attachment: { contentType: 'text/plain', data: 'U2FuZGJveCBub3Rl' } }],
  };
}

function createOnce(resource) {
  const [{ value }] = resource.identifier;
  return fhir(sandbox.base, 'POST', resource.resourceType, {
    body: resource,
    headers: { 'If-None-Exist': `identifier=${ORDER_SYSTEM}|${value}` },
  });
}

before(async () => {
  state = makeStateDir();
  sandbox = await startSandbox(['--data', seedDataDir(state.dir)]);
});

after(async () => {
  await sandbox?.stop();
  state?.remove();
});

describe('Seed loading', () => {
  test('Read, returns a seeded Patient by its bundle id', async () => {
    const { status, body, headers } = await fhir(
      sandbox.base, 'GET', `Patient/${SEED_BUNDLES.clarence.patientId}`);

    assert.equal(status, 200);
    assert.equal(body.resourceType, 'Patient');
    assert.equal(body.id, SEED_BUNDLES.clarence.patientId);
    assert.equal(headers.get('etag'), `W/"${body.meta.versionId}"`);
    assert.match(headers.get('content-type'), /^application\/fhir\+json/);
  });

  test('Seeded references, point at Type/id instead of urn:uuid', async () => {
    const { body } = await fhir(
      sandbox.base, 'GET', `Encounter?subject=Patient/${SEED_BUNDLES.valentin.patientId}`);

    assert.ok(body.total > 0);
    for (const { resource } of body.entry) {
      assert.equal(resource.subject.reference, `Patient/${SEED_BUNDLES.valentin.patientId}`);
    }
  });

  test('Stats, count the seeded resources per type', async () => {
    const { status, body } = await adminGet(sandbox.admin, 'stats');

    assert.equal(status, 200);
    assert.equal(body.resourceTypes.Patient, 2);
    assert.ok(body.resourceTypes.Encounter > 2);
  });
});

describe('Validation', () => {
  test('Create, refuses a DocumentReference without status and content', async () => {
    const { status, body } = await fhir(sandbox.base, 'POST', 'DocumentReference', {
      body: { resourceType: 'DocumentReference', subject: { reference: 'Patient/x' } },
    });

    assert.equal(status, 400);
    assert.equal(body.resourceType, 'OperationOutcome');
    const paths = body.issue.flatMap((issue) => issue.expression ?? []);
    assert.ok(paths.includes('DocumentReference.status'));
    assert.ok(paths.includes('DocumentReference.content'));
  });

  test('Update, refuses a Patient with an impossible birth date', async () => {
    const id = SEED_BUNDLES.clarence.patientId;
    const { body: patient } = await fhir(sandbox.base, 'GET', `Patient/${id}`);

    const { status, body } = await fhir(sandbox.base, 'PUT', `Patient/${id}`, {
      body: { ...patient, birthDate: '1980-13-45' },
    });

    assert.equal(status, 400);
    assert.equal(body.resourceType, 'OperationOutcome');
    assert.deepEqual(body.issue.flatMap((i) => i.expression ?? []), ['Patient.birthDate']);
    const { body: unchanged } = await fhir(sandbox.base, 'GET', `Patient/${id}`);
    assert.equal(unchanged.birthDate, patient.birthDate);
  });

  test('Create, refuses a body that is not JSON', async () => {
    const response = await fetch(`${sandbox.base}/Observation`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/fhir+json' },
      body: '{"resourceType":',
    });

    assert.equal(response.status, 400);
    assert.equal((await response.json()).resourceType, 'OperationOutcome');
  });

  test('Create, assigns a server id instead of the client one', async () => {
    const { status, body } = await fhir(sandbox.base, 'POST', 'DocumentReference', {
      body: { ...draftNote(), id: SEED_BUNDLES.clarence.patientId },
    });

    assert.equal(status, 201);
    assert.notEqual(body.id, SEED_BUNDLES.clarence.patientId);
    assert.equal(body.meta.versionId, '1');
  });
});

describe('Conditional create', () => {
  test('Conditional create, answers 201 then 200 with the same resource', async () => {
    const note = draftNote();

    const first = await createOnce(note);
    const second = await createOnce(note);

    assert.equal(first.status, 201);
    assert.equal(second.status, 200);
    assert.equal(second.body.id, first.body.id);
    const [{ value }] = note.identifier;
    const { body } = await searchByOrder(value);
    assert.equal(body.total, 1);
  });

  test('Conditional create, ten concurrent identical requests leave one resource', async () => {
    const note = draftNote();

    const responses = await Promise.all(Array.from({ length: 10 }, () => createOnce(note)));

    const statuses = responses.map((r) => r.status).sort();
    assert.deepEqual(statuses, [...Array(9).fill(200), 201]);
    assert.equal(new Set(responses.map((r) => r.body.id)).size, 1);
    const { body } = await orderDuplicates();
    assert.equal(body.count, 0);
    assert.deepEqual(body.duplicates, []);
  });

  test('Duplicates, lists an identifier two unconditional creates share', async () => {
    const note = draftNote('shared-value');

    const first = await fhir(sandbox.base, 'POST', 'DocumentReference', { body: note });
    const second = await fhir(sandbox.base, 'POST', 'DocumentReference', { body: note });

    const { body } = await orderDuplicates();
    assert.equal(body.count, 1);
    assert.deepEqual(body.duplicates[0], {
      resourceType: 'DocumentReference',
      identifier: { system: ORDER_SYSTEM, value: 'shared-value' },
      ids: [first.body.id, second.body.id].sort(),
    });
    const retry = await createOnce(note);
    assert.equal(retry.status, 412);
    assert.equal(retry.body.resourceType, 'OperationOutcome');
  });

  test('Duplicates, requires the system parameter', async () => {
    const { status } = await adminGet(sandbox.admin, 'duplicates');

    assert.equal(status, 400);
  });
});

describe('Identifier search', () => {
  test('Identifier search, returns the created resource', async () => {
    const note = draftNote();
    const { body: created } = await createOnce(note);

    const [{ value }] = note.identifier;
    const { status, body } = await searchByOrder(value);

    assert.equal(status, 200);
    assert.equal(body.type, 'searchset');
    assert.equal(body.total, 1);
    assert.equal(body.entry[0].resource.id, created.id);
  });

  test('Identifier search, finds a seeded Patient by MRN', async () => {
    const id = SEED_BUNDLES.valentin.patientId;
    const { body: patient } = await fhir(sandbox.base, 'GET', `Patient/${id}`);
    const mrn = patient.identifier.find((i) => i.system === MRN_SYSTEM).value;

    const { body } = await fhir(sandbox.base, 'GET', `Patient?identifier=${MRN_SYSTEM}|${mrn}`);

    assert.deepEqual(body.entry.map((e) => e.resource.id), [id]);
  });

  test('Identifier search, returns an empty searchset for an unknown value', async () => {
    const { status, body } = await fhir(
      sandbox.base, 'GET', `Patient?identifier=${MRN_SYSTEM}|no-such-mrn`);

    assert.equal(status, 200);
    assert.equal(body.total, 0);
    assert.equal(body.entry, undefined);
  });

  test('Identifier search, no longer finds a deleted resource', async () => {
    const note = draftNote();
    const { body: created } = await createOnce(note);

    const deleted = await fhir(sandbox.base, 'DELETE', `DocumentReference/${created.id}`);

    assert.equal(deleted.status, 200);
    const [{ value }] = note.identifier;
    const { body } = await searchByOrder(value);
    assert.equal(body.total, 0);
    const read = await fhir(sandbox.base, 'GET', `DocumentReference/${created.id}`);
    assert.equal(read.status, 404);
  });
});

describe('Versioned update', () => {
  test('Update, with a stale If-Match answers 412 and keeps the newer version', async () => {
    const { body: created } = await createOnce(draftNote());
    const first = await fhir(sandbox.base, 'PUT', `DocumentReference/${created.id}`, {
      body: { ...created, status: 'superseded' },
      headers: { 'If-Match': `W/"${created.meta.versionId}"` },
    });

    const stale = await fhir(sandbox.base, 'PUT', `DocumentReference/${created.id}`, {
      body: { ...created, status: 'entered-in-error' },
      headers: { 'If-Match': `W/"${created.meta.versionId}"` },
    });

    assert.equal(first.status, 200);
    assert.equal(first.body.meta.versionId, '2');
    assert.equal(stale.status, 412);
    assert.equal(stale.body.resourceType, 'OperationOutcome');
    const { body: current } = await fhir(sandbox.base, 'GET', `DocumentReference/${created.id}`);
    assert.equal(current.status, 'superseded');
  });

  test('Update, two concurrent writes of one version leave exactly one winner', async () => {
    const { body: created } = await createOnce(draftNote());
    const write = (status) =>
      fhir(sandbox.base, 'PUT', `DocumentReference/${created.id}`, {
        body: { ...created, status },
        headers: { 'If-Match': `W/"${created.meta.versionId}"` },
      });

    const results = await Promise.all([write('superseded'), write('entered-in-error')]);

    assert.deepEqual(results.map((r) => r.status).sort(), [200, 412]);
  });

  test('History, lists versions newest first on every read', async () => {
    const { body: created } = await createOnce(draftNote());
    await fhir(sandbox.base, 'PUT', `DocumentReference/${created.id}`, {
      body: { ...created, status: 'superseded' },
    });

    const once = await fhir(sandbox.base, 'GET', `DocumentReference/${created.id}/_history`);
    const twice = await fhir(sandbox.base, 'GET', `DocumentReference/${created.id}/_history`);

    for (const { body } of [once, twice]) {
      assert.deepEqual(body.entry.map((e) => e.resource.meta.versionId), ['2', '1']);
    }
    const vread = await fhir(sandbox.base, 'GET', `DocumentReference/${created.id}/_history/1`);
    assert.equal(vread.body.status, 'current');
  });

  test('Read, answers 404 with an OperationOutcome for an unknown id', async () => {
    const { status, body } = await fhir(sandbox.base, 'GET', 'Patient/does-not-exist');

    assert.equal(status, 404);
    assert.equal(body.resourceType, 'OperationOutcome');
  });
});

describe('Transaction', () => {
  test('Transaction, rewrites urn:uuid references between its entries', async () => {
    const noteUrl = 'urn:uuid:6a1f7a52-0c1e-4d8f-9e33-5d1c8c1f0a01';
    const bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        {
          fullUrl: noteUrl,
          resource: draftNote(),
          request: { method: 'POST', url: 'DocumentReference' },
        },
        {
          resource: {
            resourceType: 'Provenance',
            target: [{ reference: noteUrl }],
            recorded: '2024-05-01T10:00:00Z',
            agent: [{ who: { display: 'scribe' } }],
          },
          request: { method: 'POST', url: 'Provenance' },
        },
      ],
    };

    const { status, body } = await fhir(sandbox.base, 'POST', '', { body: bundle });

    assert.equal(status, 200);
    assert.equal(body.type, 'transaction-response');
    const provenanceId = body.entry[1].resource.id;
    const { body: provenance } = await fhir(sandbox.base, 'GET', `Provenance/${provenanceId}`);
    assert.equal(provenance.target[0].reference, `DocumentReference/${body.entry[0].resource.id}`);
  });
});

describe('Metadata', () => {
  test('Metadata, describes a FHIR 4.0.1 server', async () => {
    const { status, body } = await fhir(sandbox.base, 'GET', 'metadata');

    assert.equal(status, 200);
    assert.equal(body.resourceType, 'CapabilityStatement');
    assert.equal(body.fhirVersion, '4.0.1');
    assert.ok(body.rest[0].resource.some((r) => r.type === 'DocumentReference'));
  });

  test('Health, answers ok', async () => {
    const { status, body } = await adminGet(sandbox.admin, 'health');

    assert.equal(status, 200);
    assert.deepEqual(body, { ok: true });
  });
});

describe('Start-up', () => {
  test('Start-up, refuses a host other than 127.0.0.1', async () => {
    const { code, stderr } = await runRefusedStart(['--host', '0.0.0.0', '--port', '0']);

    assert.equal(code, 1);
    assert.match(stderr, /--host must be 127\.0\.0\.1/);
  });
});
