// Pieces the athenaOne and eCW emulations share: the bearer-token gate and lookups in the
// persona's repository.

import { Operator } from '@medplum/core';
import { sendJson } from './http-io.mjs';

// Answers 401 and resolves to false unless the request carries a live token of the persona.
export function authorized(persona, req, res) {
  const auth = persona.authority.authenticate(persona.name, req.headers.authorization);
  if (!auth.error) {
    return true;
  }
  const challenge = `Bearer error="invalid_token", error_description="${auth.error}"`;
  sendJson(res, 401, { error: auth.error }, 'application/json', { 'WWW-Authenticate': challenge });
  return false;
}

export async function exists(repo, resourceType, id) {
  if (typeof id !== 'string' || !/^[A-Za-z0-9\-.]{1,64}$/.test(id)) {
    return false;
  }
  try {
    await repo.readResource(resourceType, id);
    return true;
  } catch {
    return false;
  }
}

// The resources of a type that mention `Type/id` in the reference search parameter `code`.
export async function searchByReference(repo, resourceType, code, reference) {
  const bundle = await repo.search({
    resourceType,
    filters: [{ code, operator: Operator.EQUALS, value: reference }],
  });
  return (bundle.entry ?? []).map(({ resource }) => resource);
}

export function identifierValue(resource, system) {
  return resource.identifier?.find((identifier) => identifier.system === system)?.value;
}

export function isBase64(text) {
  return typeof text === 'string' && text.length % 4 === 0 && /^[A-Za-z0-9+/]*={0,2}$/.test(text);
}
