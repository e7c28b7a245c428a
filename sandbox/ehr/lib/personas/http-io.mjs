// Reading requests and writing answers for the persona endpoints, which take JSON, FHIR JSON
// and form-encoded bodies alike.

const MAX_BODY_BYTES = 64 * 1024 * 1024;

export const FHIR_JSON = 'application/fhir+json; charset=utf-8';

// Resolves to { text } or { error, status } when the body is larger than the sandbox accepts.
export function readText(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (chunk) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) {
        chunks.push(chunk);
      }
    });
    req.on('error', reject);
    req.on('end', () => {
      if (size > MAX_BODY_BYTES) {
        return resolve({ status: 413, error: 'Request body too large' });
      }
      resolve({ text: Buffer.concat(chunks).toString('utf8') });
    });
  });
}

// Resolves to { value } (undefined for an empty body) or { error, status }.
export async function readJson(req) {
  const body = await readText(req);
  if (body.error) {
    return body;
  }
  if (!body.text.trim()) {
    return { value: undefined };
  }
  try {
    return { value: JSON.parse(body.text) };
  } catch {
    return { status: 400, error: 'Request body is not valid JSON' };
  }
}

// Resolves to { value } holding the fields of an application/x-www-form-urlencoded body.
export async function readForm(req) {
  const body = await readText(req);
  if (body.error) {
    return body;
  }
  return { value: Object.fromEntries(new URLSearchParams(body.text)) };
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

export function operationOutcome(code, diagnostics, severity = 'error') {
  return { resourceType: 'OperationOutcome', issue: [{ severity, code, diagnostics }] };
}

export function sendOutcome(res, status, code, diagnostics, headers = {}) {
  sendJson(res, status, operationOutcome(code, diagnostics), FHIR_JSON, headers);
}
