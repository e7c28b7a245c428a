// SMART backend-services authorisation for the vendor personas: registered clients with their
// public JWKS, the client_credentials grant with a private_key_jwt assertion (RS384 or ES384),
// and the opaque bearer tokens it hands out.
//
// Assertion rules: header `alg` RS384 or ES384 and a `kid` found in the client's JWKS; claims
// `iss` = `sub` = a client id registered for the persona, `aud` = the token endpoint's full URL
// as the client addressed it, `exp` in the future and at most five minutes ahead, `jti` never
// seen before from that client. Requested scopes must all be `system/` scopes; the token grants
// exactly what was asked for, and FHIR calls do not check the scope against the resource type.
//
// State lives in memory only: a restart forgets clients and tokens. Every method runs to
// completion on Node's single thread.

import { createPublicKey, randomBytes, verify } from 'node:crypto';

export const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const MAX_ASSERTION_LIFETIME_SECONDS = 300;
const DEFAULT_TOKEN_TTL_SECONDS = 3600;
const CURVE_OF_ALG = { ES384: 'secp384r1' };
const KEY_TYPE_OF_ALG = { RS384: 'rsa', ES384: 'ec' };

export class SmartAuthority {
  // persona -> client id -> kid -> KeyObject
  #clients = new Map();
  // access token -> { persona, clientId, scope, expiresAt (ms) }
  #tokens = new Map();
  // persona -> seconds
  #ttl = new Map();
  // "persona client jti" -> assertion expiry (ms); kept until the assertion could not be used.
  #usedAssertions = new Map();
  #now;

  constructor({ now = () => Date.now() } = {}) {
    this.#now = now;
  }

  // Registers (or replaces) a client. Returns { kids } or { error } naming what is wrong.
  registerClient(persona, clientId, jwks) {
    if (typeof clientId !== 'string' || !clientId) {
      return { error: '"client_id" must be a non-empty string' };
    }
    if (!Array.isArray(jwks?.keys) || jwks.keys.length === 0) {
      return { error: '"jwks" must be a JWK Set with at least one key' };
    }

    const keys = new Map();
    for (const jwk of jwks.keys) {
      if (typeof jwk?.kid !== 'string' || !jwk.kid) {
        return { error: 'every key in "jwks" needs a "kid"' };
      }
      try {
        keys.set(jwk.kid, createPublicKey({ key: publicPart(jwk), format: 'jwk' }));
      } catch (err) {
        return { error: `key "${jwk.kid}" is not a usable public JWK: ${err.message}` };
      }
    }

    if (!this.#clients.has(persona)) {
      this.#clients.set(persona, new Map());
    }
    this.#clients.get(persona).set(clientId, keys);
    return { kids: [...keys.keys()] };
  }

  // Answers a token request: { status, body } with either the token or an OAuth error.
  issue(persona, form, tokenUrl) {
    if (form.grant_type !== 'client_credentials') {
      return oauthError(400, 'unsupported_grant_type', 'grant_type must be client_credentials');
    }
    if (form.client_assertion_type !== ASSERTION_TYPE || !form.client_assertion) {
      return oauthError(401, 'invalid_client', `client_assertion_type must be ${ASSERTION_TYPE}`);
    }

    const checked = this.#checkAssertion(persona, form.client_assertion, tokenUrl);
    if (checked.error) {
      return checked.error;
    }
    const scopes = (form.scope ?? '').split(' ').filter(Boolean);
    if (scopes.length === 0 || !scopes.every((scope) => scope.startsWith('system/'))) {
      return oauthError(400, 'invalid_scope', 'scope must list system/ scopes only');
    }

    const ttl = this.tokenTtl(persona);
    const accessToken = randomBytes(32).toString('base64url');
    const scope = scopes.join(' ');
    this.#tokens.set(accessToken, {
      persona,
      clientId: checked.clientId,
      scope,
      expiresAt: this.#now() + ttl * 1000,
    });
    return {
      status: 200,
      body: { access_token: accessToken, token_type: 'bearer', expires_in: ttl, scope },
    };
  }

  // Whether an Authorization header carries a live token of this persona: { token } or
  // { error } with the reason (never echoing the token).
  authenticate(persona, authorization) {
    const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
    if (!match) {
      return { error: 'a bearer token is required' };
    }
    const token = this.#tokens.get(match[1]);
    if (!token || token.persona !== persona) {
      return { error: 'the bearer token is not known to this server' };
    }
    if (token.expiresAt <= this.#now()) {
      return { error: 'the bearer token has expired' };
    }
    return { token };
  }

  // Expires every token issued for the persona; returns how many were live.
  expireTokens(persona) {
    const now = this.#now();
    let expired = 0;
    for (const token of this.#tokens.values()) {
      if (token.persona === persona && token.expiresAt > now) {
        token.expiresAt = now;
        expired++;
      }
    }
    return expired;
  }

  // Sets the lifetime of tokens issued from now on.
  setTokenTtl(persona, seconds) {
    this.#ttl.set(persona, seconds);
  }

  tokenTtl(persona) {
    return this.#ttl.get(persona) ?? DEFAULT_TOKEN_TTL_SECONDS;
  }

  #checkAssertion(persona, assertion, tokenUrl) {
    const jwt = decodeJwt(assertion);
    if (!jwt) {
      return { error: oauthError(401, 'invalid_client', 'client_assertion is not a JWS') };
    }
    const { header, claims } = jwt;
    if (!KEY_TYPE_OF_ALG[header.alg]) {
      return { error: oauthError(401, 'invalid_client', 'alg must be RS384 or ES384') };
    }

    const keys = this.#clients.get(persona)?.get(claims.iss);
    if (!keys || claims.sub !== claims.iss) {
      return { error: oauthError(401, 'invalid_client', 'iss/sub is not a registered client') };
    }
    const key = keys.get(header.kid);
    if (!key) {
      return { error: oauthError(401, 'invalid_client', 'kid is not in the client JWKS') };
    }
    if (!signatureHolds(jwt, key)) {
      return { error: oauthError(401, 'invalid_client', 'assertion signature does not verify') };
    }

    const claimError = this.#claimError(persona, claims, tokenUrl);
    if (claimError) {
      return { error: oauthError(400, 'invalid_grant', claimError) };
    }
    this.#usedAssertions.set(assertionKey(persona, claims), claims.exp * 1000);
    return { clientId: claims.iss };
  }

  #claimError(persona, claims, tokenUrl) {
    const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    if (!audiences.includes(tokenUrl)) {
      return `aud must be the token endpoint URL ${tokenUrl}`;
    }

    const nowSeconds = this.#now() / 1000;
    if (typeof claims.exp !== 'number' || claims.exp <= nowSeconds) {
      return 'assertion has expired';
    }
    if (claims.exp > nowSeconds + MAX_ASSERTION_LIFETIME_SECONDS) {
      return 'exp must be at most five minutes ahead';
    }

    if (typeof claims.jti !== 'string' || !claims.jti) {
      return 'jti is required';
    }
    this.#forgetSpentAssertions();
    if (this.#usedAssertions.has(assertionKey(persona, claims))) {
      return 'jti was already used';
    }
    return undefined;
  }

  // An assertion past its exp is refused for that reason, so its jti need not be kept.
  #forgetSpentAssertions() {
    const now = this.#now();
    for (const [key, expiresAt] of this.#usedAssertions) {
      if (expiresAt <= now) {
        this.#usedAssertions.delete(key);
      }
    }
  }
}

function oauthError(status, error, description) {
  return { status, body: { error, error_description: description } };
}

function assertionKey(persona, claims) {
  return [persona, claims.iss, claims.jti].join('\u0000');
}

// A JWKS may be pasted from a key pair's export: only the public members are imported.
function publicPart(jwk) {
  const { d, p, q, dp, dq, qi, ...rest } = jwk;
  return rest;
}

function decodeJwt(compact) {
  const parts = compact.split('.');
  if (parts.length !== 3) {
    return undefined;
  }
  try {
    const header = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8'));
    const claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
    if (typeof header !== 'object' || typeof claims !== 'object' || !header || !claims) {
      return undefined;
    }
    return {
      header,
      claims,
      signingInput: `${parts[0]}.${parts[1]}`,
      signature: Buffer.from(parts[2], 'base64url'),
    };
  } catch {
    return undefined;
  }
}

// The key must be of the algorithm's family (and curve), so an RSA key cannot vouch for an
// ES384 header or the other way round.
function signatureHolds({ header, signingInput, signature }, key) {
  if (key.asymmetricKeyType !== KEY_TYPE_OF_ALG[header.alg]) {
    return false;
  }
  const curve = CURVE_OF_ALG[header.alg];
  if (curve && key.asymmetricKeyDetails?.namedCurve !== curve) {
    return false;
  }
  const options = curve ? { key, dsaEncoding: 'ieee-p1363' } : key;
  try {
    return verify('sha384', Buffer.from(signingInput), options, signature);
  } catch {
    return false;
  }
}
