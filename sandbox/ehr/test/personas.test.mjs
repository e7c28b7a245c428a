import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  adminGet,
  makeStateDir,
  SEED_BUNDLES,
  seedDataDir,
  startSandbox,
} from '../test-support/sandbox-fixture.mjs';
import {
  adminPost,
  callWithToken,
  makeKeyPair,
  registerClient,
} from '../test-support/smart-client.mjs';

const PATIENT = SEED_BUNDLES.clarence.patientId;
const PERSONAS = ['epic', 'athena', 'ecw', 'advancedmd', 'veradigm'];
const NOTE_SYSTEM = 'urn:medulla:test:note';

// Generated once: clients differ by id, not by key.
const KEYS = { RS384: makeKeyPair('RS384'), ES384: makeKeyPair('ES384') };
const STRANGER = makeKeyPair('ES384', 'unregistered-kid');
const newClient = (persona, alg = 'RS384') =>
  registerClient(origin, persona, { keyPair: KEYS[alg] });

let sandbox;
let state;
let origin;
let serial = 0;

function draftNote(value = `note-${++serial}`) {
  return {
    resourceType: 'DocumentReference',
    status: 'current',
    identifier: [{ system: NOTE_SYSTEM, value }],
    subject: { reference: `Patient/${PATIENT}` },
    content: [{ attachment: { contentType: 'text/plain', data: 'U2FuZGJveCBub3Rl' } }],
  };
}

function followUp() {
  return {
    resourceType: 'Appointment',
    status: 'proposed',
    participant: [{ actor: { reference: `Patient/${PATIENT}` }, status: 'needs-action' }],
  };
}

// A registered client of the persona and a token it fetched.
async function signedIn(persona, alg) {
  const client = await newClient(persona, alg);
  return { client, token: await client.token() };
}

before(async () => {
  state = makeStateDir();
  sandbox = await startSandbox(['--data', seedDataDir(state.dir)]);
  origin = new URL(sandbox.base).origin;
});

after(async () => {
  await sandbox?.stop();
  state?.remove();
});

for (const persona of PERSONAS) {
  describe(`Token endpoint (${persona})`, () => {
    for (const alg of ['RS384', 'ES384']) {
      test(`Token, issued for a good ${alg} assertion`, async () => {
        const client = await newClient(persona, alg);

        const { status, body } = await client.requestToken({ scope: 'system/Patient.read' });

        assert.equal(status, 200);
        assert.equal(body.token_type, 'bearer');
        assert.equal(body.scope, 'system/Patient.read');
        assert.ok(body.expires_in > 0);
        assert.ok(body.access_token.length >= 32);
      });
    }

    test('Token, refused when aud is not the token endpoint URL', async () => {
      const client = await newClient(persona);
      const assertion = client.assertion({ claims: { aud: `${origin}/somewhere/else` } });

      const { status, body } = await client.requestToken({ assertion });

      assert.equal(status, 400);
      assert.equal(body.error, 'invalid_grant');
      assert.match(body.error_description, /aud/);
    });

    test('Token, refused for a replayed jti', async () => {
      const client = await newClient(persona);
      const assertion = client.assertion();
      assert.equal((await client.requestToken({ assertion })).status, 200);

      const { status, body } = await client.requestToken({ assertion });

      assert.equal(status, 400);
      assert.equal(body.error, 'invalid_grant');
      assert.match(body.error_description, /jti/);
    });

    test('Token, refused for a kid not in the registered JWKS', async () => {
      const client = await newClient(persona);

      const { status, body } = await client.requestToken({
        assertion: client.assertion({ keyPair: STRANGER }),
      });

      assert.equal(status, 401);
      assert.equal(body.error, 'invalid_client');
    });

    test('Token, refused for an expired assertion', async () => {
      const client = await newClient(persona);
      const past = Math.floor(Date.now() / 1000) - 10;

      const { status, body } = await client.requestToken({
        assertion: client.assertion({ claims: { exp: past } }),
      });

      assert.equal(status, 400);
      assert.equal(body.error, 'invalid_grant');
    });
  });

  describe(`FHIR reads (${persona})`, () => {
    test('Read, refused without a token', async () => {
      const { client } = await signedIn(persona);

      const { status, headers, body } = await callWithToken(
        `${client.fhirBase}/Patient/${PATIENT}`, undefined);

      assert.equal(status, 401);
      assert.match(headers.get('www-authenticate'), /^Bearer error="invalid_token"/);
      assert.equal(body.resourceType, 'OperationOutcome');
    });

    test('Read, answers the seeded patient with a token', async () => {
      const { client, token } = await signedIn(persona);

      const { status, body } = await callWithToken(`${client.fhirBase}/Patient/${PATIENT}`, token);

      assert.equal(status, 200);
      assert.equal(body.id, PATIENT);
    });

    test('Read, refused after the admin expired the tokens', async () => {
      const { client, token } = await signedIn(persona);

      const expired = await adminPost(origin, 'tokens/expire', { persona });
      const patientUrl = `${client.fhirBase}/Patient/${PATIENT}`;
      const { status, headers } = await callWithToken(patientUrl, token);

      assert.equal(expired.status, 200);
      assert.ok(expired.body.expired >= 1);
      assert.equal(status, 401);
      assert.match(headers.get('www-authenticate'), /invalid_token/);
      const fresh = await client.token();
      assert.equal((await callWithToken(patientUrl, fresh)).status, 200);
    });

    test('Metadata, declares the vendor types without a token', async () => {
      const { client } = await signedIn(persona);

      const { status, body } = await callWithToken(`${client.fhirBase}/metadata`, undefined);

      assert.equal(status, 200);
      assert.equal(body.resourceType, 'CapabilityStatement');
      const patient = body.rest[0].resource.find((r) => r.type === 'Patient');
      assert.ok(patient.interaction.some(({ code }) => code === 'read'));
      const token = body.rest[0].security.extension[0].extension[0].valueUri;
      assert.equal(token, client.tokenUrl);
    });
  });
}

describe('Token endpoint details', () => {
  test('Token, refused for a scope that is not a system/ scope', async () => {
    const client = await newClient('epic');

    const { status, body } = await client.requestToken({ scope: 'patient/Patient.read' });

    assert.equal(status, 400);
    assert.equal(body.error, 'invalid_scope');
  });

  test('Token, from one persona is refused by another', async () => {
    const { token } = await signedIn('epic');
    const { client } = await signedIn('athena');

    const { status } = await callWithToken(`${client.fhirBase}/Patient/${PATIENT}`, token);

    assert.equal(status, 401);
  });

  test('Token, lifetime follows the admin TTL', async () => {
    const client = await newClient('ecw');

    const set = await adminPost(origin, 'tokens/ttl', { persona: 'ecw', seconds: 42 });
    const { body } = await client.requestToken();

    assert.equal(set.status, 200);
    assert.equal(body.expires_in, 42);
  });

  test('Clients, refuses an unknown persona', async () => {
    const { publicJwk } = KEYS.ES384;

    const { status } = await adminPost(origin, 'clients', {
      persona: 'generic',
      client_id: 'x',
      jwks: { keys: [publicJwk] },
    });

    assert.equal(status, 400);
  });

  test('Tenant segment, unknown practice answers 404', async () => {
    const { token } = await signedIn('ecw');

    const unknownPractice = `${origin}/ecw/fhir/r4/ZZZZZZ/Patient/${PATIENT}`;
    const { status } = await callWithToken(unknownPractice, token);

    assert.equal(status, 404);
  });
});

describe('Refusals and quirks', () => {
  const refusals = [
    { persona: 'epic', resource: followUp },
    { persona: 'advancedmd', resource: draftNote },
    { persona: 'advancedmd', resource: followUp },
    { persona: 'veradigm', resource: followUp },
    { persona: 'athena', resource: draftNote },
    { persona: 'ecw', resource: draftNote },
  ];
  for (const { persona, resource } of refusals) {
    test(`Create, ${persona} refuses POST ${resource().resourceType} with 405`, async () => {
      const { client, token } = await signedIn(persona);

      const { status, body } = await callWithToken(
        `${client.fhirBase}/${resource().resourceType}`, token, {
          method: 'POST',
          body: resource(),
        });

      assert.equal(status, 405);
      assert.equal(body.issue[0].code, 'not-supported');
    });
  }

  test('Update, advancedmd refuses PUT Patient with 405', async () => {
    const { client, token } = await signedIn('advancedmd');
    const { body: patient } = await callWithToken(`${client.fhirBase}/Patient/${PATIENT}`, token);

    const { status, body } = await callWithToken(`${client.fhirBase}/Patient/${PATIENT}`, token, {
      method: 'PUT',
      body: patient,
    });

    assert.equal(status, 405);
    assert.equal(body.issue[0].code, 'not-supported');
  });

  test('Create, epic repeated POST with If-None-Exist makes a duplicate', async () => {
    const { client, token } = await signedIn('epic');
    const note = draftNote();
    const guard = { 'If-None-Exist': `identifier=${NOTE_SYSTEM}|${note.identifier[0].value}` };

    const first = await callWithToken(`${client.fhirBase}/DocumentReference`, token, {
      method: 'POST', body: note, headers: guard });
    const second = await callWithToken(`${client.fhirBase}/DocumentReference`, token, {
      method: 'POST', body: note, headers: guard });

    assert.equal(first.status, 201);
    assert.equal(second.status, 201);
    assert.notEqual(first.body.id, second.body.id);
    const system = encodeURIComponent(NOTE_SYSTEM);
    const { body } = await adminGet(sandbox.admin, `duplicates?system=${system}&persona=epic`);
    assert.equal(body.count, 1);
    assert.deepEqual(body.duplicates[0].ids, [first.body.id, second.body.id].sort());
    const generic = await adminGet(sandbox.admin, `duplicates?system=${system}`);
    assert.equal(generic.body.count, 0);
  });

  test('Create, epic DocumentReference update keeps versions', async () => {
    const { client, token } = await signedIn('epic');
    const created = await callWithToken(`${client.fhirBase}/DocumentReference`, token, {
      method: 'POST', body: draftNote() });

    const updated = await callWithToken(
      `${client.fhirBase}/DocumentReference/${created.body.id}`, token, {
        method: 'PUT',
        body: { ...created.body, description: 'amended' },
        headers: { 'If-Match': 'W/"1"' },
      });

    assert.equal(updated.status, 200);
    assert.equal(updated.headers.get('etag'), 'W/"2"');
  });

  test('Create, veradigm answers without versionId or ETag and ignores If-Match', async () => {
    const { client, token } = await signedIn('veradigm');
    const created = await callWithToken(`${client.fhirBase}/DocumentReference`, token, {
      method: 'POST', body: draftNote() });

    const updated = await callWithToken(
      `${client.fhirBase}/DocumentReference/${created.body.id}`, token, {
        method: 'PUT',
        body: { ...created.body, description: 'amended' },
        headers: { 'If-Match': 'W/"99"' },
      });

    assert.equal(created.status, 201);
    assert.equal(created.body.meta.versionId, undefined);
    assert.equal(created.headers.get('etag'), null);
    assert.equal(updated.status, 200);
    assert.equal(updated.body.description, 'amended');
    assert.equal(updated.headers.get('etag'), null);
  });

  test('Search, epic pages by 50 with an _offset next link', async () => {
    const { client, token } = await signedIn('epic');

    const first = await callWithToken(
      `${client.fhirBase}/Observation?subject=Patient/${PATIENT}`, token);
    const next = first.body.link.find((link) => link.relation === 'next');
    const second = await callWithToken(next.url, token);

    assert.equal(first.body.entry.length, 50);
    assert.match(next.url, /_offset=50/);
    assert.equal(second.body.entry.length, first.body.total - 50);
    const ids = new Set([...first.body.entry, ...second.body.entry].map((e) => e.resource.id));
    assert.equal(ids.size, first.body.total);
  });

  test('Search, athena next link carries a cursor instead of _offset', async () => {
    const { client, token } = await signedIn('athena');

    const first = await callWithToken(
      `${client.fhirBase}/Observation?subject=Patient/${PATIENT}`, token);
    const next = first.body.link.find((link) => link.relation === 'next');
    const second = await callWithToken(next.url, token);

    assert.match(next.url, /[?&]cursor=/);
    assert.doesNotMatch(next.url, /_offset/);
    assert.equal(second.body.entry.length, first.body.total - 50);
    assert.equal(second.body.link.find((link) => link.relation === 'next'), undefined);
  });
});
