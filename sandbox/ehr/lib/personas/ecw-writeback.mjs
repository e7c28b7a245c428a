// eClinicalWorks write-back API emulation for the ecw persona (docs/ehr-vendors.md): partner
// documents and appointments, JSON in and out. Every business answer is HTTP 200 with
// {"statusCode", "message", "id"}: 1000 written, 1001 that externalId was already written
// (with the existing id), 2001 unknown patient, 2002 invalid field (named in the message),
// 3001 practice not enrolled (any practice code other than the persona's). 5000 (temporarily
// unavailable) is part of the contract but never produced here; transport faults come from
// /__admin/faults.
//
// Writes are stored as FHIR in the persona's repository and show through the eCW FHIR facade
// as DocumentReference / Appointment carrying the partner's externalId as identifier
// urn:medulla:writeback|<externalId> (eCW stores the partner's externalId; the sandbox keeps it
// under Medulla's own system). The externalId check and the create run as one conditional
// create, so concurrent retries of one externalId make one resource.

import { allOk, Operator } from '@medplum/core';
import { readJson, sendJson } from './http-io.mjs';
import { authorized, exists, isBase64 } from './vendor-common.mjs';

export const WRITEBACK_SYSTEM = 'urn:medulla:writeback';
const WRITTEN = 1000;
const ALREADY_WRITTEN = 1001;
const UNKNOWN_PATIENT = 2001;
const INVALID_FIELD = 2002;
const NOT_ENROLLED = 3001;

const KINDS = {
  documents: { resourceType: 'DocumentReference', check: documentFieldError, build: documentOf },
  appointments: {
    resourceType: 'Appointment',
    check: appointmentFieldError,
    build: appointmentOf,
  },
};

export async function handleEcwWriteback(persona, req, res, { segment, rest }) {
  if (!authorized(persona, req, res)) {
    return undefined;
  }
  const kind = rest.length === 1 ? KINDS[rest[0]] : undefined;
  if (!kind || req.method !== 'POST') {
    return sendJson(res, 404, { error: 'no such write-back endpoint' });
  }
  const body = await readJson(req);
  if (body.error) {
    return sendJson(res, 200, answer(INVALID_FIELD, `body: ${body.error}`));
  }

  const result = await write(persona, segment, kind, body.value);
  return sendJson(res, 200, result);
}

async function write(persona, segment, kind, fields) {
  if (segment !== persona.segment) {
    return answer(NOT_ENROLLED, `practice ${segment} is not enrolled for write-back`);
  }
  if (typeof fields !== 'object' || fields === null || Array.isArray(fields)) {
    return answer(INVALID_FIELD, 'body: must be a JSON object');
  }
  const fieldError = (await kind.check(persona.repo, fields)) ?? externalIdError(fields);
  if (fieldError) {
    return answer(INVALID_FIELD, `${fieldError}: missing or invalid`);
  }
  if (!(await exists(persona.repo, 'Patient', fields.patientId))) {
    return answer(UNKNOWN_PATIENT, 'patientId: no such patient');
  }

  const search = {
    resourceType: kind.resourceType,
    filters: [
      {
        code: 'identifier',
        operator: Operator.EQUALS,
        value: `${WRITEBACK_SYSTEM}|${fields.externalId}`,
      },
    ],
  };
  const { resource, outcome } = await persona.repo.conditionalCreate(kind.build(fields), search);
  if (outcome.id === allOk.id) {
    return answer(ALREADY_WRITTEN, 'externalId was already written', resource.id);
  }
  return answer(WRITTEN, 'written', resource.id);
}

function answer(statusCode, message, id) {
  return { statusCode, message, ...(id ? { id } : {}) };
}

function externalIdError({ externalId }) {
  const valid = typeof externalId === 'string' && /^[^|,\\]{1,200}$/.test(externalId);
  return valid ? undefined : 'externalId';
}

function isText(value) {
  return typeof value === 'string' && value.trim().length > 0;
}

async function documentFieldError(repo, fields) {
  if (!isText(fields.patientId)) {
    return 'patientId';
  }
  if (!isText(fields.title)) {
    return 'title';
  }
  if (!isText(fields.contentType)) {
    return 'contentType';
  }
  if (!isText(fields.content) || !isBase64(fields.content)) {
    return 'content';
  }
  const hasEncounter = fields.encounterId !== undefined && fields.encounterId !== '';
  if (hasEncounter && !(await exists(repo, 'Encounter', fields.encounterId))) {
    return 'encounterId';
  }
  return undefined;
}

async function appointmentFieldError(_repo, fields) {
  if (!isText(fields.patientId)) {
    return 'patientId';
  }
  const start = typeof fields.start === 'string' ? Date.parse(fields.start) : NaN;
  if (Number.isNaN(start) || !/(Z|[+-]\d{2}:\d{2})$/.test(fields.start)) {
    return 'start';
  }
  if (!Number.isInteger(fields.minutes) || fields.minutes < 1 || fields.minutes > 1440) {
    return 'minutes';
  }
  if (!isText(fields.reason)) {
    return 'reason';
  }
  return undefined;
}

function documentOf(fields) {
  return {
    resourceType: 'DocumentReference',
    identifier: [{ system: WRITEBACK_SYSTEM, value: fields.externalId }],
    status: 'current',
    subject: { reference: `Patient/${fields.patientId}` },
    date: new Date().toISOString(),
    description: fields.title,
    content: [{ attachment: attachmentOf(fields) }],
    ...(fields.encounterId
      ? { context: { encounter: [{ reference: `Encounter/${fields.encounterId}` }] } }
      : {}),
  };
}

function attachmentOf({ contentType, content, title }) {
  return { contentType, data: content, title };
}

function appointmentOf(fields) {
  const start = new Date(Date.parse(fields.start));
  const end = new Date(start.getTime() + fields.minutes * 60_000);
  return {
    resourceType: 'Appointment',
    identifier: [{ system: WRITEBACK_SYSTEM, value: fields.externalId }],
    status: 'booked',
    description: fields.reason,
    start: start.toISOString(),
    end: end.toISOString(),
    minutesDuration: fields.minutes,
    participant: [{ actor: { reference: `Patient/${fields.patientId}` }, status: 'accepted' }],
  };
}
