// A persona's FHIR R4 base: bearer-token check, refusal of what the vendor does not declare,
// the vendor's quirks, then Medplum's FhirRouter over the persona's own repository.
//
// Quirks applied here:
//  - `If-None-Exist` is ignored unless the type declares conditionalCreate (no persona does,
//    so a repeated POST creates a second resource, as on Epic);
//  - on `versioning: no-version` types (Veradigm) `If-Match` is ignored, and answers carry no
//    meta.versionId, no ETag and a Location without a version;
//  - searches answer pages of at most `paging.pageSize` with a `next` link, which carries
//    `_offset` or, for the `cursor` style (athena), an opaque `cursor` parameter.

import { getStatus } from '@medplum/core';
import { refusalOf, personaCapabilityStatement } from './capability.mjs';
import { FHIR_JSON, readJson, sendJson, sendOutcome } from './http-io.mjs';

const CURSOR_PREFIX = 'offset:';

export async function handleFhir(persona, req, res, url) {
  const segments = url.pathname.slice(persona.basePath.length).split('/').filter(Boolean);
  const origin = `http://${req.headers.host}`;

  if (req.method === 'GET' && segments.length === 1 && segments[0] === 'metadata') {
    const statement = personaCapabilityStatement(persona.definition, {
      baseUrl: origin + persona.basePath,
      tokenUrl: origin + persona.tokenPath,
    });
    return sendJson(res, 200, statement, FHIR_JSON);
  }

  const auth = persona.authority.authenticate(persona.name, req.headers.authorization);
  if (auth.error) {
    const challenge = `Bearer error="invalid_token", error_description="${auth.error}"`;
    return sendOutcome(res, 401, 'login', auth.error, { 'WWW-Authenticate': challenge });
  }

  const request = classify(req.method, segments, url.searchParams);
  if (!request) {
    return sendOutcome(res, 404, 'not-found', 'No such FHIR endpoint');
  }
  const refusal = refusalOf(persona.definition, request);
  if (refusal) {
    return sendOutcome(res, 405, 'not-supported', refusal);
  }

  const body = await readJson(req);
  if (body.error) {
    return sendOutcome(res, body.status, 'invalid', body.error);
  }

  const query = request.interaction === 'search-type' ? pagedQuery(persona, url) : url.searchParams;
  const search = query.size ? `?${query}` : '';
  const fhirRequest = {
    method: req.method,
    url: `/${segments.join('/')}${search}`,
    pathname: '',
    body: body.value,
    params: {},
    query: {},
    headers: quirkHeaders(persona.definition.resources[request.type], req.headers),
    config: {},
  };
  const [outcome, resource] = await persona.router.handleRequest(fhirRequest, persona.repo);
  const status = getStatus(outcome);
  if (!resource) {
    return sendJson(res, status, outcome, FHIR_JSON);
  }

  const versioned = persona.definition.resources[request.type]?.versioning !== 'no-version';
  const answer = versioned ? resource : withoutVersions(resource);
  if (answer.resourceType === 'Bundle' && request.interaction === 'search-type') {
    answer.link = pageLinks(persona, origin + url.pathname, query, answer);
  }
  return sendJson(res, status, answer, FHIR_JSON, answerHeaders(persona, answer, status));
}

// The interaction a request asks for, in CapabilityStatement terms:
// { type, interaction | operation, conditional }, or undefined for a path FHIR does not define.
export function classify(method, segments, searchParams) {
  const [type, second, third, fourth] = segments;
  const operation = segments.find((segment) => segment.startsWith('$'))?.slice(1);
  if (operation) {
    return { type: type.startsWith('$') ? undefined : type, operation };
  }
  if (!type) {
    return { interaction: method === 'POST' ? 'transaction' : 'search-system' };
  }

  const conditional = searchParams.size > 0;
  switch (segments.length) {
    case 1:
      return typeLevel(method, type, conditional);
    case 2:
      if (second === '_search' && method === 'POST') {
        return { type, interaction: 'search-type' };
      }
      if (second === '_history') {
        return method === 'GET' ? { type, interaction: 'history-type' } : undefined;
      }
      return instanceLevel(method, type);
    case 3:
      return third === '_history' && method === 'GET'
        ? { type, interaction: 'history-instance' }
        : undefined;
    case 4:
      return third === '_history' && fourth && method === 'GET'
        ? { type, interaction: 'vread' }
        : undefined;
    default:
      return undefined;
  }
}

function typeLevel(method, type, conditional) {
  const interaction = {
    GET: 'search-type',
    POST: 'create',
    PUT: 'update',
    PATCH: 'patch',
    DELETE: 'delete',
  }[method];
  if (!interaction) {
    return undefined;
  }
  const writesBySearch = conditional && !['search-type', 'create'].includes(interaction);
  return { type, interaction, conditional: writesBySearch };
}

function instanceLevel(method, type) {
  const interaction = { GET: 'read', PUT: 'update', PATCH: 'patch', DELETE: 'delete' }[method];
  return interaction ? { type, interaction } : undefined;
}

function quirkHeaders(declared, headers) {
  const copy = { ...headers };
  if (!declared?.conditionalCreate) {
    delete copy['if-none-exist'];
  }
  if (declared?.versioning === 'no-version') {
    delete copy['if-match'];
  }
  return copy;
}

// The search parameters sent to the router: page size capped, athena's cursor turned into an
// offset.
function pagedQuery(persona, url) {
  const { pageSize, style } = persona.definition.paging;
  const query = new URLSearchParams(url.searchParams);

  if (style === 'cursor') {
    query.delete('_offset');
    const offset = offsetOfCursor(query.get('cursor'));
    query.delete('cursor');
    if (offset > 0) {
      query.set('_offset', String(offset));
    }
  }
  const asked = Number.parseInt(query.get('_count') ?? '', 10);
  query.set('_count', String(asked > 0 ? Math.min(asked, pageSize) : pageSize));
  return query;
}

function offsetOfCursor(cursor) {
  if (!cursor) {
    return 0;
  }
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const offset = text.startsWith(CURSOR_PREFIX) ? Number(text.slice(CURSOR_PREFIX.length)) : 0;
  return Number.isInteger(offset) && offset > 0 ? offset : 0;
}

function pageLinks(persona, pageUrl, query, bundle) {
  const offset = Number(query.get('_offset') ?? 0);
  const count = Number(query.get('_count'));
  const links = [{ relation: 'self', url: linkTo(persona, pageUrl, query, offset) }];
  if (bundle.total > offset + count) {
    links.push({ relation: 'next', url: linkTo(persona, pageUrl, query, offset + count) });
  }
  return links;
}

function linkTo(persona, pageUrl, query, offset) {
  const params = new URLSearchParams(query);
  params.delete('_offset');
  if (persona.definition.paging.style === 'cursor') {
    if (offset > 0) {
      params.set('cursor', Buffer.from(`${CURSOR_PREFIX}${offset}`).toString('base64url'));
    }
  } else if (offset > 0) {
    params.set('_offset', String(offset));
  }
  return `${pageUrl}?${params}`;
}

function withoutVersions(resource) {
  if (resource.resourceType === 'Bundle') {
    const entry = resource.entry?.map((item) =>
      item.resource ? { ...item, resource: withoutVersions(item.resource) } : item
    );
    return { ...resource, ...(entry ? { entry } : {}) };
  }
  if (!resource.meta?.versionId) {
    return resource;
  }
  const { versionId, ...meta } = resource.meta;
  return { ...resource, meta };
}

function answerHeaders(persona, resource, status) {
  if (resource.resourceType === 'Bundle' || !resource.id) {
    return {};
  }
  const versionId = resource.meta?.versionId;
  const path = `${persona.basePath}/${resource.resourceType}/${resource.id}`;
  const headers = {};
  if (versionId) {
    headers.ETag = `W/"${versionId}"`;
  }
  if (resource.meta?.lastUpdated) {
    headers['Last-Modified'] = new Date(resource.meta.lastUpdated).toUTCString();
  }
  if (status === 201) {
    headers.Location = versionId ? `${path}/_history/${versionId}` : path;
  }
  return headers;
}
