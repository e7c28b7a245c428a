// athenaOne REST emulation for the athena persona (docs/ehr-vendors.md): open an appointment
// slot, book it for a patient, list a patient's appointments, file a clinical document and list
// a patient's clinical documents. Bodies are form-encoded, answers JSON, errors
// {"error": "..."} with status 400 (404 for an unknown practice, patient path or endpoint).
//
// Everything is stored as FHIR in the persona's repository, so it shows through the athena
// FHIR facade: a slot or booking is an Appointment and a document a DocumentReference, each
// with its athena id as the FHIR id and as an identifier (urn:athenahealth:appointmentid,
// urn:athenahealth:documentid). Times are taken as UTC and every slot lasts 15 minutes:
// athenaOne's practice time zones and appointment type durations are not modelled.

import { randomInt } from 'node:crypto';
import { readForm, sendJson } from './http-io.mjs';
import {
  authorized,
  exists,
  identifierValue,
  isBase64,
  searchByReference,
} from './vendor-common.mjs';

export const APPOINTMENT_SYSTEM = 'urn:athenahealth:appointmentid';
export const DOCUMENT_SYSTEM = 'urn:athenahealth:documentid';
const TYPE_SYSTEM = 'urn:athenahealth:appointmenttypeid';
const SUBCLASS_SYSTEM = 'urn:athenahealth:documentsubclass';
const SLOT_MINUTES = 15;
const OPEN = 'o';
const FUTURE = 'f';

export async function handleAthena(persona, req, res, { segment, rest }) {
  if (!authorized(persona, req, res)) {
    return undefined;
  }
  if (segment !== persona.segment) {
    return sendJson(res, 404, { error: 'Invalid practice.' });
  }

  const shape = rest.map((part, i) => (isParameter(rest, i) ? '*' : part)).join('/');
  const handler = ROUTES[`${req.method} ${shape}`];
  if (!handler) {
    return sendJson(res, 404, { error: 'Unknown endpoint.' });
  }
  const form = req.method === 'GET' ? { value: {} } : await readForm(req);
  if (form.error) {
    return sendJson(res, form.status, { error: form.error });
  }
  const { status, body } = await handler(persona.repo, rest, form.value);
  return sendJson(res, status, body);
}

// Path positions holding ids: appointments/{id}, patients/{id}/...
function isParameter(parts, i) {
  const appointmentId = parts[0] === 'appointments' && parts[1] !== 'open';
  return i === 1 && (parts[0] === 'patients' || appointmentId);
}

const ROUTES = {
  'POST appointments/open': openSlot,
  'PUT appointments/*': book,
  'GET patients/*/appointments': listAppointments,
  'POST patients/*/documents/clinicaldocument': fileDocument,
  'GET patients/*/documents/clinicaldocument': listDocuments,
};

function refused(error) {
  return { status: 400, body: { error } };
}

function missingField(form, names) {
  return names.find((name) => !form[name]?.trim());
}

async function openSlot(repo, _rest, form) {
  const missing = missingField(form, [
    'departmentid',
    'appointmentdate',
    'appointmenttime',
    'appointmenttypeid',
    'providerid',
  ]);
  if (missing) {
    return refused(`Missing or invalid field: ${missing}.`);
  }
  const start = startOf(form.appointmentdate, form.appointmenttime);
  if (!start) {
    return refused('appointmentdate must be MM/DD/YYYY and appointmenttime HH:MM.');
  }

  const id = await unusedId(repo, 'Appointment');
  const end = new Date(Date.parse(start) + SLOT_MINUTES * 60_000).toISOString();
  await repo.createResource(
    {
      resourceType: 'Appointment',
      id,
      identifier: [{ system: APPOINTMENT_SYSTEM, value: id }],
      status: 'proposed',
      appointmentType: { coding: [{ system: TYPE_SYSTEM, code: form.appointmenttypeid }] },
      start,
      end,
      participant: [
        participantOf(`Practitioner/athena-provider-${form.providerid}`),
        participantOf(`Location/athena-department-${form.departmentid}`),
      ],
    },
    { assignedId: true }
  );
  return { status: 200, body: { appointmentids: { [id]: form.appointmenttime } } };
}

async function book(repo, [, appointmentId], form) {
  if (!form.patientid?.trim()) {
    return refused('Missing or invalid field: patientid.');
  }
  if (!(await exists(repo, 'Appointment', appointmentId))) {
    return { status: 404, body: { error: 'The appointment does not exist.' } };
  }
  if (!(await exists(repo, 'Patient', form.patientid))) {
    return refused('Invalid patientid.');
  }

  const slot = await repo.readResource('Appointment', appointmentId);
  if (slot.status !== 'proposed') {
    return refused('The appointment is not available.');
  }
  const booked = {
    ...slot,
    status: 'booked',
    participant: [
      ...slot.participant,
      participantOf(`Patient/${form.patientid}`),
    ],
    ...(form.bookingnote ? { comment: form.bookingnote } : {}),
    ...(form.appointmenttypeid
      ? { appointmentType: { coding: [{ system: TYPE_SYSTEM, code: form.appointmenttypeid }] } }
      : {}),
  };
  // Two bookings of one slot race on its version: the loser is told it is taken.
  try {
    const stored = await repo.updateResource(booked, { ifMatch: slot.meta.versionId });
    return { status: 200, body: [athenaAppointment(stored)] };
  } catch {
    return refused('The appointment is not available.');
  }
}

async function listAppointments(repo, [, patientId]) {
  if (!(await exists(repo, 'Patient', patientId))) {
    return { status: 404, body: { error: 'Invalid patientid.' } };
  }
  const found = await searchByReference(repo, 'Appointment', 'actor', `Patient/${patientId}`);
  const appointments = found
    .filter((appointment) => identifierValue(appointment, APPOINTMENT_SYSTEM))
    .map(athenaAppointment);
  return { status: 200, body: { appointments, totalcount: appointments.length } };
}

async function fileDocument(repo, [, patientId], form) {
  if (!(await exists(repo, 'Patient', patientId))) {
    return { status: 404, body: { error: 'Invalid patientid.' } };
  }
  const missing = missingField(form, ['departmentid', 'documentsubclass']);
  if (missing) {
    return refused(`Missing or invalid field: ${missing}.`);
  }

  const id = await unusedId(repo, 'DocumentReference');
  const contents = form.attachmentcontents ?? '';
  await repo.createResource(
    {
      resourceType: 'DocumentReference',
      id,
      identifier: [{ system: DOCUMENT_SYSTEM, value: id }],
      status: 'current',
      type: { coding: [{ system: SUBCLASS_SYSTEM, code: form.documentsubclass }] },
      subject: { reference: `Patient/${patientId}` },
      date: new Date().toISOString(),
      ...(form.internalnote ? { description: form.internalnote } : {}),
      content: [{ attachment: attachmentOf(contents) }],
      context: { related: [{ reference: `Location/athena-department-${form.departmentid}` }] },
    },
    { assignedId: true }
  );
  return { status: 200, body: { documentid: id, success: true } };
}

async function listDocuments(repo, [, patientId]) {
  if (!(await exists(repo, 'Patient', patientId))) {
    return { status: 404, body: { error: 'Invalid patientid.' } };
  }
  const patient = `Patient/${patientId}`;
  const found = await searchByReference(repo, 'DocumentReference', 'subject', patient);
  const clinicaldocuments = found
    .filter((document) => identifierValue(document, DOCUMENT_SYSTEM))
    .map((document) => ({
      documentid: document.id,
      patientid: patientId,
      documentsubclass: document.type?.coding?.[0]?.code,
      departmentid: departmentOf(document.context?.related?.[0]?.reference),
      internalnote: document.description ?? '',
      createddatetime: document.date,
    }));
  return { status: 200, body: { clinicaldocuments, totalcount: clinicaldocuments.length } };
}

// attachmentcontents is taken as base64 when it is valid base64, otherwise as plain text.
function attachmentOf(contents) {
  if (contents && isBase64(contents)) {
    return { contentType: 'application/octet-stream', data: contents };
  }
  return { contentType: 'text/plain', data: Buffer.from(contents).toString('base64') };
}

function athenaAppointment(appointment) {
  const [date, time] = athenaDateTime(appointment.start);
  const actor = (prefix) =>
    appointment.participant
      .map((p) => p.actor?.reference ?? '')
      .find((reference) => reference.startsWith(prefix))
      ?.slice(prefix.length);
  return {
    appointmentid: appointment.id,
    appointmentstatus: appointment.status === 'proposed' ? OPEN : FUTURE,
    appointmenttypeid: appointment.appointmentType?.coding?.[0]?.code,
    departmentid: actor('Location/athena-department-'),
    providerid: actor('Practitioner/athena-provider-'),
    ...(actor('Patient/') ? { patientid: actor('Patient/') } : {}),
    date,
    starttime: time,
    duration: SLOT_MINUTES,
    bookingnote: appointment.comment ?? '',
  };
}

function participantOf(reference) {
  return { actor: { reference }, status: 'accepted' };
}

function departmentOf(reference) {
  return reference?.replace('Location/athena-department-', '');
}

// MM/DD/YYYY and HH:MM to an ISO instant in UTC, or undefined when either is malformed.
function startOf(date, time) {
  const d = /^(\d{2})\/(\d{2})\/(\d{4})$/.exec(date.trim());
  const t = /^(\d{2}):(\d{2})$/.exec(time.trim());
  if (!d || !t) {
    return undefined;
  }
  const iso = `${d[3]}-${d[1]}-${d[2]}T${t[1]}:${t[2]}:00.000Z`;
  const parsed = new Date(iso);
  return Number.isNaN(parsed.getTime()) || parsed.toISOString() !== iso ? undefined : iso;
}

function athenaDateTime(instant) {
  const iso = new Date(instant).toISOString();
  return [`${iso.slice(5, 7)}/${iso.slice(8, 10)}/${iso.slice(0, 4)}`, iso.slice(11, 16)];
}

// athenaOne ids are integers; the sandbox draws them at random and skips any already in use.
async function unusedId(repo, resourceType) {
  for (;;) {
    const id = String(randomInt(1_000_000, 10_000_000));
    if (!(await exists(repo, resourceType, id))) {
      return id;
    }
  }
}
