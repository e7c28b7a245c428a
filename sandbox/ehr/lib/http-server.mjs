// HTTP front of the sandbox: FHIR R4 REST under /fhir/R4 through Medplum's FhirRouter, and a
// few non-FHIR admin endpoints under /__admin for tests and the demo.

import { createServer } from 'node:http';
import { badRequest, getStatus, normalizeOperationOutcome, notFound } from '@medplum/core';

export const FHIR_BASE = '/fhir/R4';
const FHIR_JSON = 'application/fhir+json; charset=utf-8';
const MAX_BODY_BYTES = 64 * 1024 * 1024;

// `faults` (a FaultInjector) sees every request before any route does; each of `adminRoutes`
// is `(req, res, url) => Promise<boolean>`, true when it answered an /__admin request;
// `personas` (a PersonaSet) answers the vendor personas' paths.
export function createSandboxServer({ repo, router, faults, adminRoutes = [], personas }) {
  return createServer((req, res) => {
    const serve = () => handle(req, res, repo, router, adminRoutes, personas);
    const served = faults ? faults.intercept(req, res, serve) : serve();
    Promise.resolve(served).catch((err) => {
      sendJson(res, 500, normalizeOperationOutcome(err), FHIR_JSON);
    });
  });
}

async function handle(req, res, repo, router, adminRoutes, personas) {
  const url = new URL(req.url, 'http://127.0.0.1');

  if (url.pathname.startsWith('/__admin/')) {
    for (const route of adminRoutes) {
      if (await route(req, res, url)) {
        return undefined;
      }
    }
    return handleAdmin(req, res, url, repo);
  }
  if (await personas?.handle(req, res, url)) {
    return undefined;
  }
  if (url.pathname !== FHIR_BASE && !url.pathname.startsWith(`${FHIR_BASE}/`)) {
    return sendJson(res, 404, notFound, FHIR_JSON);
  }

  const body = await readBody(req);
  if (body.error) {
    return sendJson(res, body.status, badRequest(body.error), FHIR_JSON);
  }

  const fhirRequest = {
    method: req.method,
    url: url.pathname.slice(FHIR_BASE.length) + url.search,
    pathname: '',
    body: body.value,
    params: {},
    query: {},
    headers: req.headers,
    // Lets transaction bundles check identities; MemoryRepository cannot roll one back.
    config: { transactions: true },
  };
  const [outcome, resource] = await router.handleRequest(fhirRequest, repo);
  const status = getStatus(outcome);
  if (!resource) {
    return sendJson(res, status, outcome, FHIR_JSON);
  }
  return sendJson(res, status, resource, FHIR_JSON, resourceHeaders(resource, status));
}

function resourceHeaders(resource, status) {
  const versionId = resource.meta?.versionId;
  if (resource.resourceType === 'Bundle' || !resource.id || !versionId) {
    return {};
  }

  const headers = { ETag: `W/"${versionId}"` };
  if (resource.meta.lastUpdated) {
    headers['Last-Modified'] = new Date(resource.meta.lastUpdated).toUTCString();
  }
  if (status === 201) {
    headers.Location = `${FHIR_BASE}/${resource.resourceType}/${resource.id}/_history/${versionId}`;
  }
  return headers;
}

function handleAdmin(req, res, url, repo) {
  if (req.method !== 'GET') {
    return sendJson(res, 405, { error: 'admin endpoints answer GET only' });
  }

  switch (url.pathname) {
    case '/__admin/health':
      return sendJson(res, 200, { ok: true });
    case '/__admin/stats':
      return sendJson(res, 200, { total: repo.count(), resourceTypes: repo.countsByType() });
    case '/__admin/duplicates': {
      const system = url.searchParams.get('system');
      if (!system) {
        return sendJson(res, 400, { error: 'query parameter "system" is required' });
      }
      const duplicates = repo.duplicates(system);
      return sendJson(res, 200, { duplicates, count: duplicates.length });
    }
    default:
      return sendJson(res, 404, { error: 'no such admin endpoint' });
  }
}

// Resolves to { value } (undefined for an empty body) or { error, status } for a body that is
// too large or not JSON; every FHIR body the sandbox accepts is JSON.
export function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk) => {
      size += chunk.length;
      tooLarge ||= size > MAX_BODY_BYTES;
      if (!tooLarge) {
        chunks.push(chunk);
      }
    });
    req.on('error', reject);
    req.on('end', () => {
      if (tooLarge) {
        return resolve({ status: 413, error: 'Request body too large' });
      }
      const text = Buffer.concat(chunks).toString('utf8');
      if (!text.trim()) {
        return resolve({ value: undefined });
      }
      try {
        resolve({ value: JSON.parse(text) });
      } catch {
        resolve({ status: 400, error: 'Request body is not valid JSON' });
      }
    });
  });
}

export function sendJson(res, status, value, contentType = 'application/json', headers = {}) {
  const payload = JSON.stringify(value);
  res.writeHead(status, {
    'Content-Type': contentType,
    'Content-Length': Buffer.byteLength(payload),
    ...headers,
  });
  res.end(payload);
}
