// How the generic persona answers `If-None-Exist` on an identifier: `atomic` (the default) runs
// the check and the create for one identifier one request at a time, so concurrent identical
// creates leave one resource; `racy` checks, pauses, then creates with nothing held in between,
// as many FHIR servers behave, so concurrent identical creates can each leave one. Racy mode
// exists to prove that Medulla's own idempotency does not lean on the server's.
//
// Only exact `identifier=<system>|<value>` conditional creates are affected; any other
// `If-None-Exist` search goes through Medplum's own conditional create in either mode.

import { readBody, sendJson } from './http-server.mjs';

const MODES = ['atomic', 'racy'];
const DEFAULT_PAUSE_MS = 20;

export class ConditionalCreateMode {
  #mode = 'atomic';
  #pauseMs = DEFAULT_PAUSE_MS;

  get racy() {
    return this.#mode === 'racy';
  }

  // Resolves after the configured pause in racy mode and at once in atomic mode.
  pauseBeforeCreate() {
    if (!this.racy) {
      return Promise.resolve();
    }
    return new Promise((resolve) => setTimeout(resolve, this.#pauseMs));
  }

  report() {
    return { mode: this.#mode, pause_ms: this.#pauseMs };
  }

  // Answers GET and POST /__admin/conditional-create; returns false for any other path.
  async handleAdmin(req, res, url) {
    if (url.pathname !== '/__admin/conditional-create') {
      return false;
    }

    if (req.method === 'GET') {
      sendJson(res, 200, this.report());
    } else if (req.method === 'POST') {
      const body = await readBody(req);
      const problem = body.error ?? this.#apply(body.value ?? {});
      sendJson(res, problem ? 400 : 200, problem ? { error: problem } : this.report());
    } else {
      sendJson(res, 405, { error: 'conditional-create answers GET and POST' });
    }
    return true;
  }

  // Returns the reason the settings were refused, or undefined once they are in force.
  #apply({ mode, pause_ms: pauseMs = DEFAULT_PAUSE_MS }) {
    if (!MODES.includes(mode)) {
      return `"mode" must be one of ${MODES.join(', ')}`;
    }
    if (!Number.isInteger(pauseMs) || pauseMs < 0) {
      return '"pause_ms" must be a non-negative integer';
    }
    this.#mode = mode;
    this.#pauseMs = pauseMs;
    return undefined;
  }
}
