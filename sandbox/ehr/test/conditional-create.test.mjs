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

const ORDER_SYSTEM = 'urn:medulla:test:race-order';

let sandbox;
let state;
let serial = 0;

async function setMode(settings) {
  const response = await fetch(`${sandbox.admin}/conditional-create`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(settings),
  });
  return { status: response.status, body: await response.json() };
}

function draftNote(value) {
  return {
    resourceType: 'DocumentReference',
    status: 'current',
    identifier: [{ system: ORDER_SYSTEM, value }],
    subject: { reference: `Patient/${SEED_BUNDLES.clarence.patientId}` },
    content: [{ attachment: { contentType: 'text/plain', data: 'UmFjZSBub3Rl' } }],
  };
}

function createOnce(value) {
  return fhir(sandbox.base, 'POST', 'DocumentReference', {
    body: draftNote(value),
    headers: { 'If-None-Exist': `identifier=${ORDER_SYSTEM}|${value}` },
  });
}

// Two identical conditional creates sent together, as two retries of one write would be.
async function createTwice() {
  const value = `race-${++serial}`;
  const answers = await Promise.all([createOnce(value), createOnce(value)]);
  const { body } = await fhir(
    sandbox.base, 'GET', `DocumentReference?identifier=${ORDER_SYSTEM}|${value}`);
  return { statuses: answers.map(({ status }) => status).sort(), stored: body.total, value };
}

before(async () => {
  state = makeStateDir();
  sandbox = await startSandbox(['--data', seedDataDir(state.dir)]);
});

afterEach(async () => {
  await setMode({ mode: 'atomic' });
});

after(async () => {
  await sandbox?.stop();
  state?.remove();
});

describe('Conditional create modes', () => {
  test('Default mode, is atomic', async () => {
    const { status, body } = await adminGet(sandbox.admin, 'conditional-create');

    assert.equal(status, 200);
    assert.equal(body.mode, 'atomic');
  });

  test('Atomic mode, leaves one resource for two concurrent identical creates', async () => {
    const { statuses, stored } = await createTwice();

    assert.deepEqual(statuses, [200, 201]);
    assert.equal(stored, 1);
  });

  // The pause is far longer than the gap between two requests sent together on loopback, so
  // both checks run before either create even on a busy machine.
  test('Racy mode, lets two concurrent identical creates both create', async () => {
    const { status } = await setMode({ mode: 'racy', pause_ms: 200 });

    const { statuses, stored, value } = await createTwice();

    assert.equal(status, 200);
    assert.deepEqual(statuses, [201, 201]);
    assert.equal(stored, 2);
    const { status: again } = await createOnce(value);
    assert.equal(again, 412, 'a later create sees the duplicates and refuses');
  });

  test('Racy mode, still finds a resource created earlier', async () => {
    await setMode({ mode: 'racy' });
    const value = `race-${++serial}`;

    const first = await createOnce(value);
    const second = await createOnce(value);

    assert.equal(first.status, 201);
    assert.equal(second.status, 200);
    assert.equal(second.body.id, first.body.id);
  });

  test('Atomic mode, is restored after racy mode', async () => {
    await setMode({ mode: 'racy' });
    const { body } = await setMode({ mode: 'atomic' });

    const { statuses, stored } = await createTwice();

    assert.equal(body.mode, 'atomic');
    assert.deepEqual(statuses, [200, 201]);
    assert.equal(stored, 1);
  });

  const refusals = [
    ['an unknown mode', { mode: 'eventual' }, /mode/],
    ['a missing mode', {}, /mode/],
    ['a negative pause', { mode: 'racy', pause_ms: -5 }, /pause_ms/],
  ];
  for (const [scenario, settings, field] of refusals) {
    test(`Mode change, refuses ${scenario}`, async () => {
      const { status, body } = await setMode(settings);
      const { body: current } = await adminGet(sandbox.admin, 'conditional-create');

      assert.equal(status, 400);
      assert.match(body.error, field);
      assert.equal(current.mode, 'atomic');
    });
  }
});
