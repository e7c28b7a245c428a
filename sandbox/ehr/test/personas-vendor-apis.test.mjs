import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  makeStateDir,
  SEED_BUNDLES,
  seedDataDir,
  startSandbox,
} from '../test-support/sandbox-fixture.mjs';
import { callWithToken, makeKeyPair, registerClient } from '../test-support/smart-client.mjs';

const PATIENT = SEED_BUNDLES.clarence.patientId;
const OTHER_PATIENT = SEED_BUNDLES.valentin.patientId;
const KEY = makeKeyPair('ES384');

let sandbox;
let state;
let origin;
let serial = 0;

async function signedIn(persona) {
  const client = await registerClient(origin, persona, { keyPair: KEY });
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

describe('athenaOne REST', () => {
  let client;
  let token;
  let athena;
  before(async () => {
    ({ client, token } = await signedIn('athena'));
    athena = (path, options) => callWithToken(`${origin}/athena/v1/195900/${path}`, token, options);
  });

  const openSlot = (time = '09:30') =>
    athena('appointments/open', {
      method: 'POST',
      form: {
        departmentid: '1',
        appointmentdate: '07/14/2031',
        appointmenttime: time,
        appointmenttypeid: '82',
        providerid: '71',
      },
    });
  const bookSlot = (appointmentId, patientid, bookingnote) =>
    athena(`appointments/${appointmentId}`, {
      method: 'PUT',
      form: { patientid, appointmenttypeid: '82', departmentid: '1', bookingnote },
    });

  test('Booking, an opened slot is booked and found by its note', async () => {
    const opened = await openSlot();
    const [[appointmentId, time]] = Object.entries(opened.body.appointmentids);
    const note = `medulla:intent-${++serial}`;

    const booked = await bookSlot(appointmentId, PATIENT, note);
    const listed = await athena(`patients/${PATIENT}/appointments`);

    assert.equal(opened.status, 200);
    assert.equal(time, '09:30');
    assert.equal(booked.status, 200);
    assert.equal(booked.body[0].appointmentid, appointmentId);
    assert.equal(booked.body[0].appointmentstatus, 'f');
    const found = listed.body.appointments.filter((a) => a.bookingnote === note);
    assert.deepEqual(found.map((a) => a.appointmentid), [appointmentId]);
  });

  test('Booking, a slot already booked is not available', async () => {
    const opened = await openSlot('10:00');
    const [appointmentId] = Object.keys(opened.body.appointmentids);
    await bookSlot(appointmentId, PATIENT, 'medulla:first');

    const second = await bookSlot(appointmentId, OTHER_PATIENT, 'medulla:second');

    assert.equal(second.status, 400);
    assert.equal(second.body.error, 'The appointment is not available.');
  });

  test('Booking, shows through FHIR as an Appointment with the athena identifier', async () => {
    const opened = await openSlot('11:00');
    const [appointmentId] = Object.keys(opened.body.appointmentids);
    await bookSlot(appointmentId, PATIENT, 'medulla:fhir');

    const { status, body } = await callWithToken(
      `${client.fhirBase}/Appointment?identifier=urn:athenahealth:appointmentid|${appointmentId}`,
      token
    );

    assert.equal(status, 200);
    assert.equal(body.total, 1);
    const appointment = body.entry[0].resource;
    assert.equal(appointment.status, 'booked');
    assert.equal(appointment.comment, 'medulla:fhir');
    assert.ok(appointment.participant.some((p) => p.actor.reference === `Patient/${PATIENT}`));
  });

  test('Open slot, refused without an appointment date', async () => {
    const { status, body } = await athena('appointments/open', {
      method: 'POST',
      form: {
        departmentid: '1',
        appointmenttime: '09:00',
        appointmenttypeid: '2',
        providerid: '7',
      },
    });

    assert.equal(status, 400);
    assert.match(body.error, /appointmentdate/);
  });

  test('Document, filed and found by its internal note, also through FHIR', async () => {
    const note = `medulla:intent-${++serial}`;

    const filed = await athena(`patients/${PATIENT}/documents/clinicaldocument`, {
      method: 'POST',
      form: {
        departmentid: '1',
        documentsubclass: 'CLINICALDOCUMENT',
        attachmentcontents: 'Draft visit note',
        internalnote: note,
      },
    });
    const listed = await athena(`patients/${PATIENT}/documents/clinicaldocument`);
    const identifier = `urn:athenahealth:documentid|${filed.body.documentid}`;
    const viaFhir = await callWithToken(
      `${client.fhirBase}/DocumentReference?identifier=${identifier}`, token);

    assert.equal(filed.status, 200);
    assert.equal(filed.body.success, true);
    const found = listed.body.clinicaldocuments.filter((d) => d.internalnote === note);
    assert.deepEqual(found.map((d) => d.documentid), [filed.body.documentid]);
    assert.equal(viaFhir.body.total, 1);
    assert.equal(viaFhir.body.entry[0].resource.description, note);
  });

  test('Document, refused for an unknown patient', async () => {
    const { status } = await athena('patients/no-such-patient/documents/clinicaldocument', {
      method: 'POST',
      form: { departmentid: '1', documentsubclass: 'CLINICALDOCUMENT' },
    });

    assert.equal(status, 404);
  });

  test('athenaOne, refused without a token', async () => {
    const { status, headers } = await callWithToken(
      `${origin}/athena/v1/195900/patients/${PATIENT}/appointments`, undefined);

    assert.equal(status, 401);
    assert.match(headers.get('www-authenticate'), /invalid_token/);
  });

  test('athenaOne, unknown practice answers 404', async () => {
    const { status } = await callWithToken(
      `${origin}/athena/v1/1/patients/${PATIENT}/appointments`, token);

    assert.equal(status, 404);
  });
});

describe('eCW write-back', () => {
  let client;
  let token;
  const writeback = (kind, body, practice = 'FEIGCD') =>
    callWithToken(`${origin}/ecw/writeback/${practice}/${kind}`, token, { method: 'POST', body });
  const document = (fields = {}) => ({
    externalId: `ext-${++serial}`,
    patientId: PATIENT,
    title: 'Visit note',
    contentType: 'text/plain',
    content: 'RHJhZnQgbm90ZQ==',
    ...fields,
  });
  const appointment = (fields = {}) => ({
    externalId: `ext-${++serial}`,
    patientId: PATIENT,
    start: '2031-07-14T09:30:00-04:00',
    minutes: 20,
    reason: 'Follow-up',
    ...fields,
  });

  before(async () => {
    ({ client, token } = await signedIn('ecw'));
  });

  test('Document, written with 1000 and visible through FHIR by externalId', async () => {
    const sent = document();

    const { status, body } = await writeback('documents', sent);
    const viaFhir = await callWithToken(
      `${client.fhirBase}/DocumentReference?identifier=urn:medulla:writeback|${sent.externalId}`,
      token
    );

    assert.equal(status, 200);
    assert.equal(body.statusCode, 1000);
    assert.equal(viaFhir.body.total, 1);
    assert.equal(viaFhir.body.entry[0].resource.id, body.id);
  });

  test('Document, repeated externalId answers 1001 with the existing id', async () => {
    const sent = document();
    const first = await writeback('documents', sent);

    const second = await writeback('documents', sent);

    assert.equal(second.status, 200);
    assert.equal(second.body.statusCode, 1001);
    assert.equal(second.body.id, first.body.id);
  });

  test('Document, unknown patient answers 2001', async () => {
    const { status, body } = await writeback('documents', document({ patientId: 'nobody' }));

    assert.equal(status, 200);
    assert.equal(body.statusCode, 2001);
  });

  const invalidFields = [
    ['content', { content: 'not base64!' }],
    ['title', { title: '' }],
    ['encounterId', { encounterId: 'no-such-encounter' }],
    ['externalId', { externalId: 42 }],
  ];
  for (const [field, change] of invalidFields) {
    test(`Document, invalid ${field} answers 2002 naming it`, async () => {
      const { status, body } = await writeback('documents', document(change));

      assert.equal(status, 200);
      assert.equal(body.statusCode, 2002);
      assert.match(body.message, new RegExp(`^${field}`));
    });
  }

  test('Document, practice not enrolled answers 3001', async () => {
    const { status, body } = await writeback('documents', document(), 'ZZZZZZ');

    assert.equal(status, 200);
    assert.equal(body.statusCode, 3001);
  });

  test('Appointment, written with 1000 and visible through FHIR', async () => {
    const sent = appointment();

    const { body } = await writeback('appointments', sent);
    const viaFhir = await callWithToken(`${client.fhirBase}/Appointment/${body.id}`, token);

    assert.equal(body.statusCode, 1000);
    assert.equal(viaFhir.status, 200);
    assert.equal(viaFhir.body.start, '2031-07-14T13:30:00.000Z');
    assert.equal(viaFhir.body.minutesDuration, 20);
    assert.equal(viaFhir.body.identifier[0].value, sent.externalId);
  });

  test('Appointment, invalid minutes answers 2002 naming it', async () => {
    const { body } = await writeback('appointments', appointment({ minutes: 'twenty' }));

    assert.equal(body.statusCode, 2002);
    assert.match(body.message, /^minutes/);
  });

  test('Write-back, refused without a token', async () => {
    const response = await callWithToken(`${origin}/ecw/writeback/FEIGCD/documents`, undefined, {
      method: 'POST',
      body: document(),
    });

    assert.equal(response.status, 401);
  });
});
