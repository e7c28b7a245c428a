import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, before, describe, test } from 'node:test';
import {
  adminGet,
  fhir,
  makeStateDir,
  SEED_BUNDLES,
  seedDataDir,
  startSandbox,
} from '../test-support/sandbox-fixture.mjs';

const WRITEBACK_SYSTEM = 'urn:medulla:writeback';
const OTHER_SYSTEM = 'urn:medulla:test:unwatched';
const POLL_SYSTEM = 'urn:medulla:test:poll';
const WAIT = { timeout: 15_000 };

let sandbox;
let state;
let serial = 0;
const receivers = [];

function note(system = WRITEBACK_SYSTEM, value = `sub-note-${++serial}`) {
  return {
    resourceType: 'DocumentReference',
    status: 'current',
    identifier: [{ system, value }],
    subject: { reference: `Patient/${SEED_BUNDLES.valentin.patientId}` },
    content: [{ attachment: { contentType: 'text/plain', data: 'U3Vic2NyaWJlZCBub3Rl' } }],
  };
}

function subscription(endpoint, overrides = {}) {
  return {
    resourceType: 'Subscription',
    status: 'requested',
    reason: 'Medulla write-back confirmation',
    criteria: `DocumentReference?identifier=${WRITEBACK_SYSTEM}|`,
    channel: {
      type: 'rest-hook',
      endpoint,
      payload: 'application/fhir+json',
      header: ['Authorization: Bearer receiver-secret', 'X-Medulla-Tenant: clinic-7'],
    },
    ...overrides,
  };
}

// A loopback HTTP server that records what it receives and answers 500 to the first
// `failFirst` deliveries.
async function startReceiver({ failFirst = 0 } = {}) {
  const received = [];
  const waiters = [];
  let refused = 0;
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      if (refused < failFirst) {
        refused += 1;
        res.writeHead(500).end();
        return;
      }
      received.push({ headers: req.headers, body: JSON.parse(Buffer.concat(chunks).toString()) });
      res.writeHead(200).end();
      waiters.filter((w) => received.length >= w.count).forEach((w) => w.resolve());
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const receiver = {
    endpoint: `http://127.0.0.1:${server.address().port}/hook`,
    received,
    waitFor: (count) =>
      received.length >= count
        ? Promise.resolve()
        : new Promise((resolve) => waiters.push({ count, resolve })),
    close: () => new Promise((resolve) => server.close(resolve)),
  };
  receivers.push(receiver);
  return receiver;
}

async function subscriptionStats(id) {
  const { body } = await adminGet(sandbox.admin, 'subscriptions');
  return body.subscriptions.find((entry) => entry.id === id);
}

before(async () => {
  state = makeStateDir();
  sandbox = await startSandbox(['--data', seedDataDir(state.dir)]);
});

after(async () => {
  await Promise.all(receivers.map((receiver) => receiver.close()));
  await sandbox?.stop();
  state?.remove();
});

describe('Subscription create', () => {
  test('Requested subscription, becomes active and can be read back', async () => {
    const receiver = await startReceiver();

    const { status, body } = await fhir(sandbox.base, 'POST', 'Subscription', {
      body: subscription(receiver.endpoint),
    });
    const { body: read } = await fhir(sandbox.base, 'GET', `Subscription/${body.id}`);

    assert.equal(status, 201);
    assert.equal(body.status, 'active');
    assert.equal(read.status, 'active');
    assert.equal(read.channel.endpoint, receiver.endpoint);
  });

  test('Subscription, can be searched and deleted through the FHIR routes', async () => {
    const receiver = await startReceiver();
    const { body: created } = await fhir(sandbox.base, 'POST', 'Subscription', {
      body: subscription(receiver.endpoint),
    });

    const { body: found } = await fhir(sandbox.base, 'GET', 'Subscription?status=active');
    const { status: deleted } = await fhir(sandbox.base, 'DELETE', `Subscription/${created.id}`);
    const { body: listed } = await adminGet(sandbox.admin, 'subscriptions');

    assert.ok(found.entry.some(({ resource }) => resource.id === created.id));
    assert.equal(deleted, 200);
    assert.ok(!listed.subscriptions.some(({ id }) => id === created.id));
  });

  const refusals = [
    ['a non-loopback endpoint', { endpoint: 'http://192.0.2.10/hook' }, /127\.0\.0\.1/],
    ['an https endpoint', { endpoint: 'https://localhost/hook' }, /http URL/],
    ['a channel other than rest-hook', { type: 'email' }, /rest-hook/],
    ['a payload other than FHIR JSON', { payload: 'application/xml' }, /payload/],
    ['a malformed header line', { header: ['no colon here'] }, /header/],
  ];
  for (const [scenario, channelChange, reason] of refusals) {
    test(`Subscription, refuses ${scenario} with 422`, async () => {
      const refused = subscription('http://127.0.0.1:9/hook');
      refused.channel = { ...refused.channel, ...channelChange };

      const { status, body } = await fhir(sandbox.base, 'POST', 'Subscription', { body: refused });

      assert.equal(status, 422);
      assert.equal(body.resourceType, 'OperationOutcome');
      assert.match(body.issue[0].details.text, reason);
    });
  }

  test('Subscription, refuses criteria that name no resource type with 422', async () => {
    const refused = subscription('http://127.0.0.1:9/hook', { criteria: 'Nothing?x=1' });

    const { status } = await fhir(sandbox.base, 'POST', 'Subscription', { body: refused });

    assert.equal(status, 422);
  });
});

describe('Subscription delivery', () => {
  test('Matching create, is posted to the endpoint with the channel headers', WAIT, async () => {
    const receiver = await startReceiver();
    await fhir(sandbox.base, 'POST', 'Subscription', { body: subscription(receiver.endpoint) });

    const unwatched = await fhir(sandbox.base, 'POST', 'DocumentReference', {
      body: note(OTHER_SYSTEM),
    });
    const watched = await fhir(sandbox.base, 'POST', 'DocumentReference', { body: note() });
    await receiver.waitFor(1);

    assert.equal(unwatched.status, 201);
    assert.equal(watched.status, 201);
    assert.equal(receiver.received.length, 1);
    const [delivery] = receiver.received;
    assert.equal(delivery.body.id, watched.body.id);
    assert.equal(delivery.body.resourceType, 'DocumentReference');
    assert.equal(delivery.headers.authorization, 'Bearer receiver-secret');
    assert.equal(delivery.headers['x-medulla-tenant'], 'clinic-7');
    assert.match(delivery.headers['content-type'], /^application\/fhir\+json/);
  });

  test('Matching update, is posted again with the new version', WAIT, async () => {
    const receiver = await startReceiver();
    await fhir(sandbox.base, 'POST', 'Subscription', { body: subscription(receiver.endpoint) });
    const { body: created } = await fhir(sandbox.base, 'POST', 'DocumentReference', {
      body: note(),
    });

    await fhir(sandbox.base, 'PUT', `DocumentReference/${created.id}`, {
      body: { ...created, status: 'superseded' },
    });
    await receiver.waitFor(2);

    const versions = receiver.received.map(({ body }) => [body.id, body.meta.versionId]);
    assert.deepEqual(versions.sort(), [
      [created.id, '1'],
      [created.id, '2'],
    ]);
  });

  test('Failed delivery, is retried until the endpoint accepts it', WAIT, async () => {
    const receiver = await startReceiver({ failFirst: 2 });
    const { body: sub } = await fhir(sandbox.base, 'POST', 'Subscription', {
      body: subscription(receiver.endpoint),
    });

    const { body: created } = await fhir(sandbox.base, 'POST', 'DocumentReference', {
      body: note(),
    });
    await receiver.waitFor(1);

    assert.equal(receiver.received[0].body.id, created.id);
    const stats = await subscriptionStats(sub.id);
    assert.equal(stats.delivered, 1);
    assert.equal(stats.failed_attempts, 2);
    assert.equal(stats.last_error, 'HTTP 500');
    assert.equal(stats.abandoned, 0);
  });

  test('Unreachable endpoint, is given up after the retries and counted', WAIT, async () => {
    const receiver = await startReceiver();
    const { endpoint } = receiver;
    await receiver.close();
    const { body: sub } = await fhir(sandbox.base, 'POST', 'Subscription', {
      body: subscription(endpoint),
    });

    const { status } = await fhir(sandbox.base, 'POST', 'DocumentReference', { body: note() });
    let stats = await subscriptionStats(sub.id);
    while (stats.abandoned === 0) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      stats = await subscriptionStats(sub.id);
    }

    assert.equal(status, 201, 'the write does not wait for delivery');
    assert.equal(stats.failed_attempts, 4);
    assert.equal(stats.delivered, 0);
    assert.equal(stats.last_error, 'ECONNREFUSED');
  });
});

describe('Polling by _lastUpdated', () => {
  async function pollAfter(prefix, instant) {
    const { status, body } = await fhir(
      sandbox.base,
      'GET',
      `DocumentReference?identifier=${POLL_SYSTEM}|&_lastUpdated=${prefix}${instant}`
    );
    assert.equal(status, 200);
    return (body.entry ?? []).map(({ resource }) => resource.id).sort();
  }

  async function createAfter(instant) {
    while (Date.now() <= Date.parse(instant)) {
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    const { body } = await fhir(sandbox.base, 'POST', 'DocumentReference', {
      body: note(POLL_SYSTEM),
    });
    return body;
  }

  test('_lastUpdated gt, returns only resources written after the instant', async () => {
    const first = await createAfter(new Date(0).toISOString());
    const second = await createAfter(first.meta.lastUpdated);

    const afterFirst = await pollAfter('gt', first.meta.lastUpdated);
    const fromFirst = await pollAfter('ge', first.meta.lastUpdated);

    assert.deepEqual(afterFirst, [second.id]);
    assert.deepEqual(fromFirst, [first.id, second.id].sort());
  });

  test('_lastUpdated gt, sees an update of an older resource', async () => {
    const older = await createAfter(new Date(0).toISOString());
    const newer = await createAfter(older.meta.lastUpdated);
    while (Date.now() <= Date.parse(newer.meta.lastUpdated)) {
      await new Promise((resolve) => setTimeout(resolve, 2));
    }

    const { body: updated } = await fhir(sandbox.base, 'PUT', `DocumentReference/${older.id}`, {
      body: { ...older, status: 'superseded' },
    });
    const changed = await pollAfter('gt', newer.meta.lastUpdated);

    assert.ok(updated.meta.lastUpdated > newer.meta.lastUpdated);
    assert.deepEqual(changed, [older.id]);
  });
});
