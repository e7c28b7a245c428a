// R4 rest-hook Subscriptions for one repository (the generic persona's). Subscription resources
// are created, read, searched and deleted through the ordinary FHIR routes; this module checks
// them as they are written and, after every API create or update of another resource, POSTs that
// resource to the endpoint of each active Subscription whose criteria it matches.
//
// Endpoints must be http://127.0.0.1 or http://localhost: the sandbox never sends traffic off
// this machine. Delivery runs after the write has answered and is retried with backoff; a
// delivery that still fails is counted and given up, and the Subscription stays active. Two
// quick writes of one resource can be delivered out of order when the first needs retries.

import {
  businessRule,
  isResourceType,
  matchesSearchRequest,
  OperationOutcomeError,
  parseSearchRequest,
} from '@medplum/core';
import { sendJson } from './http-server.mjs';

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost']);
const FHIR_JSON = 'application/fhir+json';
const DEFAULT_RETRY_DELAYS_MS = [100, 300, 900];
const DELIVERY_TIMEOUT_MS = 5_000;

export class SubscriptionHub {
  #repo;
  #retryDelaysMs;
  // Subscription id -> delivery counters; kept after the Subscription is deleted.
  #stats = new Map();

  constructor(repo, { retryDelaysMs = DEFAULT_RETRY_DELAYS_MS } = {}) {
    this.#repo = repo;
    this.#retryDelaysMs = retryDelaysMs;
    repo.addWriteHook({
      prepare: (resource) => this.#prepare(resource),
      stored: (resource) => this.#stored(resource),
    });
  }

  // Answers GET /__admin/subscriptions; returns false for any other path.
  async handleAdmin(req, res, url) {
    if (url.pathname !== '/__admin/subscriptions') {
      return false;
    }
    if (req.method !== 'GET') {
      sendJson(res, 405, { error: 'subscriptions answers GET only' });
      return true;
    }
    sendJson(res, 200, { subscriptions: await this.report() });
    return true;
  }

  async report() {
    const current = await this.#subscriptions();
    return current.map((subscription) => ({
      id: subscription.id,
      status: subscription.status,
      criteria: subscription.criteria,
      endpoint: subscription.channel?.endpoint,
      ...this.#statsOf(subscription.id),
    }));
  }

  // Refuses a Subscription this hub could not serve and activates a requested one.
  #prepare(resource) {
    if (resource.resourceType !== 'Subscription') {
      return resource;
    }
    const problem = subscriptionProblem(resource);
    if (problem) {
      // A business-rule outcome answers 422 Unprocessable Entity.
      throw new OperationOutcomeError(businessRule('subscription', problem));
    }
    return resource.status === 'requested' ? { ...resource, status: 'active' } : resource;
  }

  #stored(resource) {
    if (resource.resourceType === 'Subscription') {
      return;
    }
    // The write answers first; matching and delivery happen on a later turn of the event loop.
    setImmediate(() => {
      this.#notify(resource).catch(() => undefined);
    });
  }

  async #notify(resource) {
    const active = await this.#subscriptions('active');
    for (const subscription of active) {
      if (criteriaMatch(subscription.criteria, resource)) {
        this.#deliver(subscription, resource).catch(() => undefined);
      }
    }
  }

  async #deliver(subscription, resource) {
    const stats = this.#statsOf(subscription.id);
    const attempts = this.#retryDelaysMs.length + 1;

    for (let attempt = 0; attempt < attempts; attempt += 1) {
      if (attempt > 0) {
        await later(this.#retryDelaysMs[attempt - 1]);
      }
      const failure = await post(subscription.channel, resource);
      if (!failure) {
        stats.delivered += 1;
        stats.last_delivered_at = new Date().toISOString();
        return;
      }
      stats.failed_attempts += 1;
      stats.last_error = failure;
    }
    stats.abandoned += 1;
  }

  #statsOf(id) {
    let stats = this.#stats.get(id);
    if (!stats) {
      stats = {
        delivered: 0,
        failed_attempts: 0,
        abandoned: 0,
        last_error: null,
        last_delivered_at: null,
      };
      this.#stats.set(id, stats);
    }
    return stats;
  }

  #subscriptions(status) {
    const filters = status ? [{ code: 'status', operator: 'eq', value: status }] : [];
    return this.#repo.searchResources({ resourceType: 'Subscription', filters, count: 1000 });
  }
}

// The reason a Subscription cannot be served, or undefined when it can.
export function subscriptionProblem(subscription) {
  const { channel = {}, criteria } = subscription;
  if (channel.type !== 'rest-hook') {
    return 'Only channel.type "rest-hook" is supported';
  }
  if (channel.payload !== FHIR_JSON) {
    return `channel.payload must be "${FHIR_JSON}"`;
  }
  if (!isLoopbackEndpoint(channel.endpoint)) {
    return 'channel.endpoint must be an http URL on 127.0.0.1 or localhost';
  }
  if (!(channel.header ?? []).every((line) => parseHeader(line))) {
    return 'Each channel.header must read "Name: value"';
  }
  if (!parseCriteria(criteria)) {
    return 'criteria must read "<ResourceType>?<search parameters>"';
  }
  return undefined;
}

function isLoopbackEndpoint(endpoint) {
  try {
    const url = new URL(endpoint);
    return url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname);
  } catch {
    return false;
  }
}

function parseHeader(line) {
  const match = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+):\s*(.*)$/.exec(line ?? '');
  return match ? [match[1], match[2]] : undefined;
}

function parseCriteria(criteria) {
  if (typeof criteria !== 'string') {
    return undefined;
  }
  const resourceType = criteria.split('?')[0];
  if (!isResourceType(resourceType)) {
    return undefined;
  }
  try {
    return parseSearchRequest(criteria);
  } catch {
    return undefined;
  }
}

function criteriaMatch(criteria, resource) {
  const search = parseCriteria(criteria);
  return search?.resourceType === resource.resourceType && matchesSearchRequest(resource, search);
}

// Resolves to undefined once the endpoint accepted the resource with a 2xx, otherwise to a
// short description of the failure (a status or a connection error, never the body).
async function post(channel, resource) {
  const headers = { 'Content-Type': FHIR_JSON };
  for (const line of channel.header ?? []) {
    const [name, value] = parseHeader(line);
    headers[name] = value;
  }

  try {
    const response = await fetch(channel.endpoint, {
      method: 'POST',
      headers,
      body: JSON.stringify(resource),
      signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
    });
    await response.arrayBuffer();
    return response.ok ? undefined : `HTTP ${response.status}`;
  } catch (err) {
    return err.cause?.code ?? err.name ?? 'delivery failed';
  }
}

function later(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
