// Fault injection for every FHIR and vendor route: a seeded share of requests is delayed, held
// until the client gives up, refused with 429/5xx/409/412, or has its connection dropped, so
// Medulla's retry, idempotency and reconciliation paths meet the failures real EHRs produce.
//
// Admin routes are never faulted. Token endpoints (paths ending in /token) are faulted only when
// the configured `paths` pattern matches them, so a test can opt in to token failures.
// Decisions draw from one seeded generator in request arrival order, so a run with the same seed
// and the same request order injects the same faults.

import { conflict, preconditionFailed, serverError, tooManyRequests } from '@medplum/core';
import { readBody, sendJson } from './http-server.mjs';

export const FAULT_KINDS = ['latency', 'timeout', '429', '5xx', '409', '412', 'drop'];
const WRITE_ONLY_KINDS = new Set(['409', '412']);
const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const FHIR_JSON = 'application/fhir+json; charset=utf-8';
const DEFAULT_TIMEOUT_MS = 15_000;
const LATENCY_MIN_MS = 200;
const LATENCY_SPREAD_MS = 600;

export class FaultInjector {
  #settings = disabledSettings();
  #random = seededRandom(0);
  #counts = zeroCounts();
  #eligible = 0;

  // Serves the request through `serve`, unless the draw says to fault it instead.
  intercept(req, res, serve) {
    const url = new URL(req.url, 'http://127.0.0.1');
    if (!this.#isEligible(url.pathname)) {
      return serve();
    }
    this.#eligible += 1;

    const kind = this.#draw(req, url.pathname);
    if (!kind) {
      return serve();
    }
    this.#counts[kind] += 1;
    return this.#inject(kind, req, res, serve);
  }

  // Answers POST/GET/DELETE /__admin/faults; returns false for any other path.
  async handleAdmin(req, res, url) {
    if (url.pathname !== '/__admin/faults') {
      return false;
    }

    if (req.method === 'GET') {
      sendJson(res, 200, this.report());
    } else if (req.method === 'DELETE') {
      this.#settings = disabledSettings();
      sendJson(res, 200, this.report());
    } else if (req.method === 'POST') {
      const body = await readBody(req);
      const parsed = body.error ? { error: body.error } : parseSettings(body.value ?? {});
      if (parsed.error) {
        sendJson(res, 400, { error: parsed.error });
      } else {
        this.configure(parsed.settings);
        sendJson(res, 200, this.report());
      }
    } else {
      sendJson(res, 405, { error: 'faults answers GET, POST and DELETE' });
    }
    return true;
  }

  configure(settings) {
    this.#settings = settings;
    this.#random = seededRandom(settings.seed);
    this.#counts = zeroCounts();
    this.#eligible = 0;
  }

  report() {
    const { rate, seed, kinds, paths, timeoutMs } = this.#settings;
    return {
      enabled: rate > 0,
      rate,
      seed,
      kinds,
      paths: paths === undefined ? null : paths.text,
      timeout_ms: timeoutMs,
      requests: this.#eligible,
      faulted: Object.values(this.#counts).reduce((sum, n) => sum + n, 0),
      counts: { ...this.#counts },
    };
  }

  #isEligible(pathname) {
    if (this.#settings.rate <= 0 || pathname.startsWith('/__admin/')) {
      return false;
    }
    const { paths } = this.#settings;
    if (paths) {
      return paths.pattern.test(pathname);
    }
    return !pathname.endsWith('/token');
  }

  // A conflict or a failed precondition only makes sense for a write, so a read draws from the
  // other kinds; a read faulted with write-only kinds alone is served normally.
  #draw(req, pathname) {
    if (this.#random() >= this.#settings.rate) {
      return undefined;
    }
    const write = WRITE_METHODS.has(req.method) && !pathname.endsWith('/_search');
    const kinds = this.#settings.kinds.filter((kind) => write || !WRITE_ONLY_KINDS.has(kind));
    if (kinds.length === 0) {
      return undefined;
    }
    return kinds[Math.floor(this.#random() * kinds.length)];
  }

  #inject(kind, req, res, serve) {
    switch (kind) {
      case 'latency':
        return later(LATENCY_MIN_MS + this.#random() * LATENCY_SPREAD_MS).then(serve);
      case 'timeout':
        return holdThenDrop(req, this.#settings.timeoutMs);
      case '429':
        return refuse(req, res, 429, tooManyRequests, { 'Retry-After': '1' });
      case '5xx':
        return this.#random() < 0.5
          ? refuse(req, res, 503, unavailable(), { 'Retry-After': '1' })
          : refuse(req, res, 500, serverError(new Error('Injected internal error')));
      case '409':
        return refuse(req, res, 409, conflict('Injected conflict'));
      case '412':
        return refuse(req, res, 412, preconditionFailed);
      case 'drop':
        return this.#random() < 0.5 ? dropBeforeServing(req) : dropAfterServing(res, serve);
      default:
        return serve();
    }
  }
}

function disabledSettings() {
  return { rate: 0, seed: 0, kinds: [...FAULT_KINDS], paths: undefined, timeoutMs: 0 };
}

function zeroCounts() {
  return Object.fromEntries(FAULT_KINDS.map((kind) => [kind, 0]));
}

// Resolves to { settings } or { error } naming the first field that is wrong.
export function parseSettings(body) {
  const { rate, seed = 1, kinds = FAULT_KINDS, paths, timeout_ms: timeoutMs } = body;
  if (typeof rate !== 'number' || !(rate >= 0 && rate <= 1)) {
    return { error: '"rate" must be a number from 0 to 1' };
  }
  if (!Number.isInteger(seed)) {
    return { error: '"seed" must be an integer' };
  }
  if (!Array.isArray(kinds) || kinds.length === 0 || !kinds.every((k) => FAULT_KINDS.includes(k))) {
    return { error: `"kinds" must be a non-empty list of ${FAULT_KINDS.join(', ')}` };
  }
  if (timeoutMs !== undefined && !(Number.isInteger(timeoutMs) && timeoutMs >= 0)) {
    return { error: '"timeout_ms" must be a non-negative integer' };
  }

  let pattern;
  if (paths !== undefined) {
    try {
      pattern = new RegExp(paths);
    } catch {
      return { error: '"paths" must be a regular expression' };
    }
  }
  const settings = {
    rate,
    seed,
    kinds: [...new Set(kinds)],
    paths: pattern && { pattern, text: paths },
    timeoutMs: timeoutMs ?? DEFAULT_TIMEOUT_MS,
  };
  return { settings };
}

// mulberry32: small, fast and good enough to spread faults evenly; not for anything secret.
function seededRandom(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function later(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function unavailable() {
  return {
    resourceType: 'OperationOutcome',
    issue: [{ severity: 'error', code: 'transient', details: { text: 'Service Unavailable' } }],
  };
}

// The body is drained first so the refusal is an answer to a complete request, as a proxy or
// throttling gateway in front of an EHR would give.
function refuse(req, res, status, outcome, headers = {}) {
  return whenReceived(req).then(() => sendJson(res, status, outcome, FHIR_JSON, headers));
}

function holdThenDrop(req, ms) {
  req.resume();
  const timer = setTimeout(() => req.socket.destroy(), ms);
  req.socket.once('close', () => clearTimeout(timer));
}

function dropBeforeServing(req) {
  return whenReceived(req).then(() => req.socket.destroy());
}

// The request is applied to the repository as usual, but its answer never leaves: the client
// cannot tell whether its write happened, the case idempotency keys exist for.
function dropAfterServing(res, serve) {
  const drop = () => {
    res.socket?.destroy();
    return res;
  };
  res.writeHead = () => res;
  res.write = () => true;
  res.end = drop;
  return serve();
}

function whenReceived(req) {
  return new Promise((resolve) => {
    if (req.readableEnded) {
      resolve();
      return;
    }
    req.once('end', resolve);
    req.once('error', resolve);
    req.resume();
  });
}
