// A SMART backend-services client for the sandbox's vendor personas: makes a key pair,
// registers it with the sandbox admin API, signs client assertions and fetches tokens.
//
//   const client = await registerClient(origin, 'epic');          // RS384 by default
//   const { status, body } = await client.requestToken();         // body.access_token
//   const token = await client.token();                           // or throw
//
// `origin` is http://127.0.0.1:<port>. Assertion claims can be bent per call (`aud`, `exp`,
// `jti`, `kid`, ...) to exercise the token endpoint's refusals.

import { generateKeyPairSync, randomUUID, sign } from 'node:crypto';

export const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
export const DEFAULT_SCOPE = 'system/Patient.read system/DocumentReference.write';

// alg: 'RS384' or 'ES384'. Returns { alg, kid, privateKey, publicJwk }.
export function makeKeyPair(alg = 'RS384', kid = randomUUID()) {
  const { privateKey, publicKey } =
    alg === 'ES384'
      ? generateKeyPairSync('ec', { namedCurve: 'P-384' })
      : generateKeyPairSync('rsa', { modulusLength: 2048 });
  const publicJwk = { ...publicKey.export({ format: 'jwk' }), kid, alg, use: 'sig' };
  return { alg, kid, privateKey, publicJwk };
}

// Signs a compact JWS with the key pair; `header` fields override alg/kid/typ.
export function signJwt(keyPair, claims, header = {}) {
  const fullHeader = { alg: keyPair.alg, kid: keyPair.kid, typ: 'JWT', ...header };
  const encode = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const signingInput = `${encode(fullHeader)}.${encode(claims)}`;
  const key =
    keyPair.alg === 'ES384'
      ? { key: keyPair.privateKey, dsaEncoding: 'ieee-p1363' }
      : keyPair.privateKey;
  const signature = sign('sha384', Buffer.from(signingInput), key).toString('base64url');
  return `${signingInput}.${signature}`;
}

export async function adminPost(origin, path, body) {
  const response = await fetch(`${origin}/__admin/${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: await response.json() };
}

// Registers a new client for the persona and returns a handle on it. Pass `keyPair` to reuse
// one (RSA key generation takes a noticeable fraction of a second).
export async function registerClient(
  origin,
  persona,
  { alg = 'RS384', clientId, keyPair = makeKeyPair(alg) } = {}
) {
  const id = clientId ?? `medulla-test-${randomUUID()}`;
  const registered = await adminPost(origin, 'clients', {
    persona,
    client_id: id,
    jwks: { keys: [keyPair.publicJwk] },
  });
  if (registered.status !== 201) {
    throw new Error(`client registration failed: ${JSON.stringify(registered.body)}`);
  }
  return new SmartClient(origin, id, keyPair, registered.body);
}

export class SmartClient {
  constructor(origin, clientId, keyPair, registration) {
    this.origin = origin;
    this.clientId = clientId;
    this.keyPair = keyPair;
    this.tokenUrl = origin + registration.token_endpoint;
    this.fhirBase = origin + registration.fhir_base;
  }

  // A client assertion valid for one minute unless `claims` or `header` say otherwise.
  assertion({ claims = {}, header = {}, keyPair = this.keyPair } = {}) {
    const now = Math.floor(Date.now() / 1000);
    return signJwt(
      keyPair,
      {
        iss: this.clientId,
        sub: this.clientId,
        aud: this.tokenUrl,
        jti: randomUUID(),
        iat: now,
        exp: now + 60,
        ...claims,
      },
      header
    );
  }

  // POSTs a token request; `assertion` and `scope` and `form` override the defaults.
  async requestToken({ assertion = this.assertion(), scope = DEFAULT_SCOPE, form = {} } = {}) {
    const response = await fetch(this.tokenUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        scope,
        client_assertion_type: ASSERTION_TYPE,
        client_assertion: assertion,
        ...form,
      }),
    });
    return { status: response.status, body: await response.json() };
  }

  async token(options) {
    const { status, body } = await this.requestToken(options);
    if (status !== 200) {
      throw new Error(`token request failed with ${status}: ${JSON.stringify(body)}`);
    }
    return body.access_token;
  }
}

// Calls a persona URL with a bearer token; JSON bodies go out as FHIR JSON unless
// `contentType` says otherwise; `form` sends a form-encoded body instead.
export async function callWithToken(url, token, { method = 'GET', body, form, headers } = {}) {
  const sent = form
    ? { type: 'application/x-www-form-urlencoded', text: new URLSearchParams(form).toString() }
    : body === undefined
      ? undefined
      : { type: 'application/fhir+json', text: JSON.stringify(body) };
  const response = await fetch(url, {
    method,
    headers: {
      Accept: 'application/json',
      ...(token ? { Authorization: `Bearer ${token}` } : {}),
      ...(sent ? { 'Content-Type': sent.type } : {}),
      ...headers,
    },
    body: sent?.text,
  });
  const text = await response.text();
  const parsed = text ? JSON.parse(text) : undefined;
  return { status: response.status, headers: response.headers, body: parsed };
}
