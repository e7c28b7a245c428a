// The vendor personas (epic, athena, ecw, advancedmd, veradigm) served beside the generic
// FHIR base by the one sandbox process. Each persona has its own repository seeded from the
// same bundles, its own journal file when the server journals, and its own SMART clients and
// tokens; a write through one persona is invisible to the others.
//
// PersonaSet.handle(req, res, url) answers every request under a persona's root path
// (/epic/..., /athena/..., /ecw/..., /advancedmd/..., /veradigm/...) and handleAdmin the
// persona admin endpoints; both resolve to false for anything else so the generic server can
// answer it.
// Single-threaded like the rest of the sandbox.

import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FhirRouter } from '@medplum/fhir-router';
import { Journal } from '../journal.mjs';
import { bundleFiles, seedResources } from '../load-bundles.mjs';
import { SandboxRepository } from '../repository.mjs';
import { handleAthena } from './athena-api.mjs';
import { handleEcwWriteback } from './ecw-writeback.mjs';
import { handleFhir } from './fhir-facade.mjs';
import { readForm, readJson, sendJson, sendOutcome } from './http-io.mjs';
import { SmartAuthority } from './smart-auth.mjs';

const PERSONA_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'personas');

export const PERSONA_NAMES = ['epic', 'athena', 'ecw', 'advancedmd', 'veradigm'];

// Tenant path segments: athena's practice id, eCW's practice code, AdvancedMD's organisation
// and Veradigm's tenant. A request naming any other value is answered 404.
export const DEFAULT_SEGMENTS = {
  athena: '195900',
  ecw: 'FEIGCD',
  advancedmd: '1',
  veradigm: 'CP00101',
};

// Vendor APIs beside FHIR, keyed by persona: the path prefix (before the tenant segment) and
// the handler.
const VENDOR_APIS = {
  athena: { prefix: '/athena/v1/', handle: handleAthena },
  ecw: { prefix: '/ecw/writeback/', handle: handleEcwWriteback },
};

const MAX_TOKEN_TTL_SECONDS = 86400;

export class PersonaSet {
  #personas = new Map();
  #authority;

  // segments: overrides of DEFAULT_SEGMENTS; journalPath: the generic journal's path, from
  // which each persona's journal path is derived (undefined: no journals).
  constructor({ segments = {}, journalPath, authority = new SmartAuthority() } = {}) {
    this.#authority = authority;
    for (const name of PERSONA_NAMES) {
      const definition = JSON.parse(readFileSync(join(PERSONA_DIR, `${name}.json`), 'utf8'));
      const segment = segments[name] ?? DEFAULT_SEGMENTS[name];
      const journal = journalPath ? new Journal(personaJournalPath(journalPath, name)) : undefined;
      this.#personas.set(name, {
        name,
        definition,
        segment,
        root: `/${name}/`,
        basePath: definition.basePath.replace('{segment}', segment),
        tokenPath: definition.tokenPath.replace('{segment}', segment),
        repo: new SandboxRepository({ journal }),
        router: new FhirRouter(),
        journal,
        authority,
      });
    }
  }

  // Seeds every persona's repository with the resources of the bundles in dir.
  async seed(dir) {
    for (const file of bundleFiles(dir)) {
      const bundle = JSON.parse(readFileSync(file, 'utf8'));
      for (const resource of seedResources(bundle)) {
        for (const persona of this.#personas.values()) {
          await persona.repo.loadSeed(structuredClone(resource));
        }
      }
    }
  }

  // Replays each persona's journal; returns the summed counts.
  replayJournals() {
    const total = { applied: 0, skipped: 0 };
    for (const { journal, repo } of this.#personas.values()) {
      const counts = journal?.replay((entry) => repo.applyJournalEntry(entry));
      total.applied += counts?.applied ?? 0;
      total.skipped += counts?.skipped ?? 0;
    }
    return total;
  }

  close() {
    for (const { journal } of this.#personas.values()) {
      journal?.close();
    }
  }

  // The FHIR base and token endpoint path of each persona.
  paths() {
    return Object.fromEntries(
      [...this.#personas.values()].map((p) => [p.name, { base: p.basePath, token: p.tokenPath }])
    );
  }

  repository(name) {
    return this.#personas.get(name)?.repo;
  }

  // Resolves to true once it has answered the request, false when the request is not a
  // persona's.
  async handle(req, res, url) {
    const persona = [...this.#personas.values()].find((p) => url.pathname.startsWith(p.root));
    if (!persona) {
      return false;
    }

    await this.#route(persona, req, res, url);
    return true;
  }

  async #route(persona, req, res, url) {
    const { pathname } = url;
    if (pathname === persona.tokenPath) {
      return this.#token(persona, req, res, url);
    }
    if (pathname === persona.basePath || pathname.startsWith(`${persona.basePath}/`)) {
      return handleFhir(persona, req, res, url);
    }

    const api = VENDOR_APIS[persona.name];
    if (api && pathname.startsWith(api.prefix)) {
      const [segment, ...rest] = pathname.slice(api.prefix.length).split('/');
      return api.handle(persona, req, res, { segment, rest, url });
    }
    return sendOutcome(res, 404, 'not-found', `No such ${persona.name} endpoint`);
  }

  async #token(persona, req, res, url) {
    if (req.method !== 'POST') {
      return sendJson(res, 405, { error: 'invalid_request', error_description: 'POST only' });
    }
    const form = await readForm(req);
    if (form.error) {
      const error = { error: 'invalid_request', error_description: form.error };
      return sendJson(res, form.status, error);
    }

    const tokenUrl = `http://${req.headers.host}${url.pathname}`;
    const { status, body } = this.#authority.issue(persona.name, form.value, tokenUrl);
    return sendJson(res, status, body, 'application/json', { 'Cache-Control': 'no-store' });
  }

  // The persona admin endpoints (clients, tokens, duplicates of a vendor persona); resolves to
  // false for any other admin request.
  async handleAdmin(req, res, url) {
    const route = `${req.method} ${url.pathname}`;
    if (route === 'GET /__admin/duplicates') {
      return this.#duplicates(res, url);
    }
    const post = {
      'POST /__admin/clients': (p, body) => this.#registerClient(p, body),
      'POST /__admin/tokens/expire': (p) => ({
        status: 200,
        body: { persona: p.name, expired: this.#authority.expireTokens(p.name) },
      }),
      'POST /__admin/tokens/ttl': (p, body) => this.#setTtl(p, body),
    }[route];
    if (!post) {
      return false;
    }

    const body = await readJson(req);
    if (body.error) {
      sendJson(res, body.status, { error: body.error });
      return true;
    }
    const persona = this.#personas.get(body.value?.persona);
    if (!persona) {
      const known = PERSONA_NAMES.join(', ');
      sendJson(res, 400, { error: `"persona" must be one of ${known} (generic has no tokens)` });
      return true;
    }
    const { status, body: answer } = post(persona, body.value);
    sendJson(res, status, answer);
    return true;
  }

  #registerClient(persona, body) {
    const result = this.#authority.registerClient(persona.name, body.client_id, body.jwks);
    if (result.error) {
      return { status: 400, body: { error: result.error } };
    }
    return {
      status: 201,
      body: {
        persona: persona.name,
        client_id: body.client_id,
        kids: result.kids,
        token_endpoint: persona.tokenPath,
        fhir_base: persona.basePath,
      },
    };
  }

  #setTtl(persona, body) {
    const { seconds } = body;
    if (!Number.isInteger(seconds) || seconds < 1 || seconds > MAX_TOKEN_TTL_SECONDS) {
      return {
        status: 400,
        body: { error: `"seconds" must be an integer from 1 to ${MAX_TOKEN_TTL_SECONDS}` },
      };
    }
    this.#authority.setTokenTtl(persona.name, seconds);
    return { status: 200, body: { persona: persona.name, seconds } };
  }

  // Answers for a vendor persona; the generic persona (the default) is left to the server.
  #duplicates(res, url) {
    const name = url.searchParams.get('persona') ?? 'generic';
    if (name === 'generic') {
      return false;
    }
    const persona = this.#personas.get(name);
    if (!persona) {
      sendJson(res, 400, { error: `unknown persona "${name}"` });
      return true;
    }
    const system = url.searchParams.get('system');
    if (!system) {
      sendJson(res, 400, { error: 'query parameter "system" is required' });
      return true;
    }
    const duplicates = persona.repo.duplicates(system);
    sendJson(res, 200, { persona: name, duplicates, count: duplicates.length });
    return true;
  }
}

// ehr-journal.ndjson -> ehr-journal.epic.ndjson; any other name gets ".<persona>" appended.
function personaJournalPath(journalPath, name) {
  return journalPath.endsWith('.ndjson')
    ? `${journalPath.slice(0, -'.ndjson'.length)}.${name}.ndjson`
    : `${journalPath}.${name}`;
}
