// Medplum's MemoryRepository with what the sandbox needs on top of it:
//  - validation of every resource that arrives over the API (MemoryRepository stores anything);
//  - server-assigned ids on create, and version ids that count 1, 2, 3... per resource;
//  - an identifier index answering `identifier=system|value` searches and conditional creates,
//    with conditional writes serialized per identifier so concurrent retries make one resource
//    (a racy ConditionalCreateMode lifts that for creates, to imitate servers that do not);
//  - a reference index narrowing searches such as `Observation?patient=Patient/<id>` to the
//    resources that mention that patient before Medplum's matcher runs;
//  - a journal of accepted writes, replayed at start.
//
// Seed data (loadSeed) and journal replay (applyJournalEntry) are trusted and skip validation.
// Every method is meant for Node's single thread; the check and the store of an If-Match update
// run without an await between them, so two updates of the same version cannot both succeed.

import {
  allOk,
  badRequest,
  created,
  evalFhirPath,
  getSearchParameter,
  globalSchema,
  matchesSearchRequest,
  multipleMatches,
  notFound,
  Operator,
  OperationOutcomeError,
  preconditionFailed,
  validateResource,
} from '@medplum/core';
import { MemoryRepository } from '@medplum/fhir-router';
import { IdentifierIndex, identifierKey, identifiersOf } from './identifier-index.mjs';
import { KeyedQueue } from './keyed-queue.mjs';
import { ReferenceIndex, referencesIn } from './reference-index.mjs';

// Search request fields the indexed paths handle; a request with any other (include,
// revinclude, _summary, _elements...) goes to MemoryRepository unchanged.
const INDEXED_SEARCH_FIELDS = new Set([
  'resourceType',
  'filters',
  'sortRules',
  'offset',
  'count',
  'total',
]);

export class SandboxRepository extends MemoryRepository {
  #index = new IdentifierIndex();
  #references = new ReferenceIndex();
  #conditionalWrites = new KeyedQueue();
  // resourceType -> id -> { versionId, identifiers, references } of each live resource's
  // current version.
  #live = new Map();
  // "Type/id" -> last version number handed out; survives deletes so versions never repeat.
  #lastVersion = new Map();
  #journal;
  #writeHooks = [];
  #createMode;

  constructor({ journal } = {}) {
    super();
    this.#journal = journal;
  }

  // Hooks see writes that arrive over the API, never seed data or journal replay.
  // `prepare(resource)` runs after validation and returns the resource to store, or throws an
  // OperationOutcomeError to refuse the write; `stored(resource)` hears of each stored version
  // (a copy) and must return without waiting on anything.
  addWriteHook(hook) {
    this.#writeHooks.push(hook);
  }

  // Synthea bundles repeat shared Organizations and Practitioners; the first copy is kept.
  loadSeed(resource) {
    if (this.#currentOf(resource.resourceType, resource.id)) {
      return Promise.resolve(undefined);
    }
    return this.#store(resource, { record: false });
  }

  applyJournalEntry(entry) {
    if (entry.op === 'put') {
      this.#store(entry.resource, { record: false });
    } else if (entry.op === 'delete' && this.#currentOf(entry.resourceType, entry.id)) {
      this.#remove(entry.resourceType, entry.id, { record: false });
    }
  }

  async createResource(resource, options) {
    const id = options?.assignedId && resource.id ? resource.id : this.generateId();
    const candidate = withoutServerMeta({ ...resource, id });
    validateResource(candidate);
    return this.#store(this.#prepare(candidate), { record: true });
  }

  async updateResource(resource, options) {
    if (!resource.id) {
      throw new OperationOutcomeError(badRequest('Missing id'));
    }
    const candidate = withoutServerMeta(resource);
    validateResource(candidate);

    if (options?.ifMatch) {
      const current = this.#currentOf(resource.resourceType, resource.id);
      if (!current) {
        throw new OperationOutcomeError(notFound);
      }
      if (current.versionId !== options.ifMatch) {
        throw new OperationOutcomeError(preconditionFailed);
      }
    }
    return this.#store(this.#prepare(candidate), { record: true });
  }

  async deleteResource(resourceType, id) {
    if (!this.#currentOf(resourceType, id)) {
      throw new OperationOutcomeError(notFound);
    }
    this.#remove(resourceType, id, { record: true });
  }

  async conditionalCreate(resource, search, options) {
    const key = exactIdentifierKey(search);
    if (!key) {
      return super.conditionalCreate(resource, search, options);
    }
    if (search.resourceType !== resource.resourceType) {
      throw new OperationOutcomeError(badRequest('Search type must match resource type'));
    }

    const checkThenCreate = async () => {
      const ids = this.#index.lookup(key);
      if (ids.length > 1) {
        throw new OperationOutcomeError(multipleMatches);
      }
      if (ids.length === 1) {
        return { resource: await this.readResource(search.resourceType, ids[0]), outcome: allOk };
      }
      await this.#createMode?.pauseBeforeCreate();
      return { resource: await this.createResource(resource, options), outcome: created };
    };
    // Racy mode imitates servers that search and create in two steps: no queue, so two
    // identical creates arriving together can both miss and both create.
    if (this.#createMode?.racy) {
      return checkThenCreate();
    }
    return this.#conditionalWrites.run(key, checkThenCreate);
  }

  // `mode` (a ConditionalCreateMode) decides per call whether identifier conditional creates
  // are serialized (atomic, the default) or racy.
  useConditionalCreateMode(mode) {
    this.#createMode = mode;
  }

  async conditionalUpdate(resource, search, options) {
    const key = exactIdentifierKey(search);
    if (!key) {
      return super.conditionalUpdate(resource, search, options);
    }
    return this.#conditionalWrites.run(key, () =>
      super.conditionalUpdate(resource, search, options)
    );
  }

  async search(searchRequest) {
    if (!Object.keys(searchRequest).every((field) => INDEXED_SEARCH_FIELDS.has(field))) {
      return super.search(searchRequest);
    }
    const { resourceType } = searchRequest;

    const key = exactIdentifierKey(searchRequest);
    if (key) {
      return this.#searchAmong(searchRequest, this.#index.lookup(key), { exact: true });
    }
    const reference = pinnedReference(searchRequest);
    if (reference) {
      const candidates = this.#references.mentioning(reference, resourceType);
      return this.#searchAmong(searchRequest, candidates, { exact: false });
    }
    return super.search(searchRequest);
  }

  // MemoryRepository.readHistory reverses its stored version list in place, so successive calls
  // alternate between newest-first and oldest-first; this reads a copy instead. It relies on the
  // private `history` field of the pinned MemoryRepository version.
  async readHistory(resourceType, id) {
    await this.readResource(resourceType, id);
    const versions = [...(this.history.get(resourceType)?.get(id) ?? [])].reverse();
    const entry = versions.map((version) => ({ resource: structuredClone(version) }));
    return bundleOf('history', entry.length, entry);
  }

  // Sorts and pages the candidates like MemoryRepository.search does. Identifier candidates are
  // the answer already (and must agree with conditional create); reference candidates are
  // only a superset, so Medplum's matcher still evaluates the whole search on each.
  async #searchAmong(searchRequest, candidateIds, { exact }) {
    const { resourceType, sortRules = [], offset = 0, count } = searchRequest;
    const candidates = await Promise.all(
      candidateIds.map((id) => this.readResource(resourceType, id))
    );
    let matches = exact
      ? candidates
      : candidates.filter((resource) => matchesSearchRequest(resource, searchRequest));
    for (const rule of sortRules) {
      matches = sortedBy(matches, rule);
    }

    const page = matches.slice(offset, count === undefined ? undefined : offset + count);
    return bundleOf('searchset', matches.length, page.map((resource) => ({ resource })));
  }

  duplicates(system) {
    return this.#index.duplicates(system);
  }

  countsByType() {
    const counts = {};
    for (const [resourceType, byId] of [...this.#live].sort(([a], [b]) => a.localeCompare(b))) {
      if (byId.size > 0) {
        counts[resourceType] = byId.size;
      }
    }
    return counts;
  }

  count() {
    let total = 0;
    for (const byId of this.#live.values()) {
      total += byId.size;
    }
    return total;
  }

  // Stores one version. Everything from the version check in updateResource to the index update
  // here runs synchronously: MemoryRepository.createResource stores before its first await.
  #store(resource, { record }) {
    const { resourceType, id } = resource;
    const meta = {
      ...resource.meta,
      versionId: resource.meta?.versionId ?? this.#nextVersion(resourceType, id),
      lastUpdated: resource.meta?.lastUpdated ?? new Date().toISOString(),
    };
    const stored = { ...resource, meta };

    const pending = super.createResource(stored);
    this.#track(stored);
    if (record) {
      this.#journal?.recordPut(stored);
      this.#writeHooks.forEach((hook) => hook.stored?.(structuredClone(stored)));
    }
    return pending;
  }

  #prepare(candidate) {
    let resource = candidate;
    for (const hook of this.#writeHooks) {
      resource = hook.prepare?.(resource) ?? resource;
    }
    return resource;
  }

  #remove(resourceType, id, { record }) {
    const current = this.#currentOf(resourceType, id);
    this.#index.remove(resourceType, id, current.identifiers);
    this.#references.remove(resourceType, id, current.references);
    this.#live.get(resourceType).delete(id);
    // MemoryRepository.deleteResource has no await before it removes the resource.
    super.deleteResource(resourceType, id);
    if (record) {
      this.#journal?.recordDelete(resourceType, id);
    }
  }

  #track(stored) {
    const { resourceType, id } = stored;
    let byId = this.#live.get(resourceType);
    if (!byId) {
      byId = new Map();
      this.#live.set(resourceType, byId);
    }

    const previous = byId.get(id);
    if (previous) {
      this.#index.remove(resourceType, id, previous.identifiers);
      this.#references.remove(resourceType, id, previous.references);
    }
    const identifiers = identifiersOf(stored);
    const references = referencesIn(stored);
    this.#index.add(resourceType, id, identifiers);
    this.#references.add(resourceType, id, references);
    byId.set(id, { versionId: stored.meta.versionId, identifiers, references });

    const number = Number(stored.meta.versionId);
    const versionKey = `${resourceType}/${id}`;
    if (Number.isInteger(number) && number > (this.#lastVersion.get(versionKey) ?? 0)) {
      this.#lastVersion.set(versionKey, number);
    }
  }

  #currentOf(resourceType, id) {
    return this.#live.get(resourceType)?.get(id);
  }

  #nextVersion(resourceType, id) {
    return String((this.#lastVersion.get(`${resourceType}/${id}`) ?? 0) + 1);
  }
}

function bundleOf(type, total, entry) {
  return { resourceType: 'Bundle', type, total, ...(entry.length ? { entry } : {}) };
}

// The server, not the client, decides the version id and the last-updated time.
function withoutServerMeta(resource) {
  if (!resource.meta) {
    return { ...resource };
  }
  const { versionId, lastUpdated, ...meta } = resource.meta;
  const copy = { ...resource, meta };
  if (Object.keys(meta).length === 0) {
    delete copy.meta;
  }
  return copy;
}

// The index key when a search is exactly one `identifier=system|value` with both parts given
// and no escapes or alternatives; undefined for anything the index cannot answer exactly.
export function exactIdentifierKey(search) {
  const filters = search?.filters ?? [];
  if (filters.length !== 1) {
    return undefined;
  }
  const [filter] = filters;
  if (filter.code !== 'identifier' || filter.operator !== Operator.EQUALS) {
    return undefined;
  }
  if (typeof filter.value !== 'string' || /[,\\]/.test(filter.value)) {
    return undefined;
  }

  const bar = filter.value.indexOf('|');
  const system = filter.value.slice(0, bar);
  const value = filter.value.slice(bar + 1);
  if (bar <= 0 || !value || value.includes('|')) {
    return undefined;
  }
  return identifierKey(search.resourceType, system, value);
}

// The "Type/id" a search pins one of its reference parameters to, e.g. Patient/123 for
// `Observation?patient=123`; undefined when no filter names exactly one resource that way.
// Only relative references are indexed, so a resource mentioning the patient solely through
// an absolute URL would be missed; neither the seed data nor Medulla writes those.
export function pinnedReference(search) {
  for (const filter of search.filters ?? []) {
    const reference = referenceOfFilter(search.resourceType, filter);
    if (reference) {
      return reference;
    }
  }
  return undefined;
}

function referenceOfFilter(resourceType, { code, operator, value }) {
  if (operator !== Operator.EQUALS || code.includes('.') || typeof value !== 'string') {
    return undefined;
  }
  const param = getSearchParameter(resourceType, code);
  if (param?.type !== 'reference' || /[,|\\]/.test(value)) {
    return undefined;
  }
  if (/^[A-Za-z]+\/[^/]+$/.test(value)) {
    return value;
  }
  if (/^[^/]+$/.test(value) && param.target?.length === 1) {
    return `${param.target[0]}/${value}`;
  }
  return undefined;
}

// Orders like MemoryRepository's own comparator: by the JSON of the parameter's FHIRPath value.
function sortedBy(resources, { code, descending }) {
  const searchParams = globalSchema.types[resources[0]?.resourceType]?.searchParams;
  const expression = searchParams?.[code]?.expression;
  if (!expression) {
    return resources;
  }
  const keyOf = (resource) => JSON.stringify(evalFhirPath(expression, resource));
  const keyed = resources.map((resource) => ({ resource, key: keyOf(resource) }));
  keyed.sort((a, b) => a.key.localeCompare(b.key) * (descending ? -1 : 1));
  return keyed.map(({ resource }) => resource);
}
