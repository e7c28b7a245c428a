#!/usr/bin/env node
// Medulla's sandbox EHR: an in-memory FHIR R4 server on loopback, seeded from Synthea bundles.
//
//   node server.mjs [--port 0] [--host 127.0.0.1] [--data <dir>] [--journal <file>]
//                   [--port-file <file>] [--athena-practice 195900] [--ecw-practice FEIGCD]
//                   [--advancedmd-org 1] [--veradigm-tenant CP00101]
//
// Prints one JSON line {"event":"sandbox.listening","port":N,"resources":count,...} on stdout
// once it accepts connections; start-up failures go to stderr as one JSON line, exit code 1.

import { renameSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { allOk } from '@medplum/core';
import { FhirRouter } from '@medplum/fhir-router';
import { capabilityStatement } from './lib/capability.mjs';
import { ConditionalCreateMode } from './lib/conditional-create.mjs';
import { loadFhirSchema } from './lib/fhir-schema.mjs';
import { FaultInjector } from './lib/faults.mjs';
import { createSandboxServer, FHIR_BASE } from './lib/http-server.mjs';
import { Journal } from './lib/journal.mjs';
import { loadBundles } from './lib/load-bundles.mjs';
import { PersonaSet } from './lib/personas/index.mjs';
import { SandboxRepository } from './lib/repository.mjs';
import { SubscriptionHub } from './lib/subscriptions.mjs';

const LOOPBACK = '127.0.0.1';

function parseOptions(argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      port: { type: 'string', default: '0' },
      host: { type: 'string', default: LOOPBACK },
      data: { type: 'string' },
      journal: { type: 'string' },
      'port-file': { type: 'string' },
      'athena-practice': { type: 'string' },
      'ecw-practice': { type: 'string' },
      'advancedmd-org': { type: 'string' },
      'veradigm-tenant': { type: 'string' },
    },
    strict: true,
  });

  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error('--port must be an integer from 0 to 65535');
  }
  // The sandbox has no authentication; it must never listen beyond this machine.
  if (values.host !== LOOPBACK) {
    throw new Error(`--host must be ${LOOPBACK}`);
  }
  const segments = {
    athena: values['athena-practice'],
    ecw: values['ecw-practice'],
    advancedmd: values['advancedmd-org'],
    veradigm: values['veradigm-tenant'],
  };
  for (const [persona, segment] of Object.entries(segments)) {
    if (segment !== undefined && !/^[A-Za-z0-9-]+$/.test(segment)) {
      throw new Error(`the ${persona} path segment must be letters, digits or '-'`);
    }
  }
  return { ...values, port, portFile: values['port-file'], segments };
}

function createRouter(resourceTypes) {
  const router = new FhirRouter();
  router.add(
    'GET',
    'metadata',
    async () => [allOk, capabilityStatement(resourceTypes, FHIR_BASE)],
    'capabilities'
  );
  return router;
}

function listen(server, port) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, LOOPBACK, () => resolve(server.address().port));
  });
}

// Written through a rename so a reader never sees a half-written port number.
function writePortFile(path, port) {
  const partial = `${path}.partial`;
  writeFileSync(partial, `${port}\n`);
  renameSync(partial, path);
}

async function main() {
  const options = parseOptions(process.argv.slice(2));
  const started = performance.now();

  const resourceTypes = loadFhirSchema();
  const journal = options.journal ? new Journal(options.journal) : undefined;
  const repo = new SandboxRepository({ journal });

  const seed = options.data ? await loadBundles(repo, options.data) : { bundles: 0, resources: 0 };
  const nothingReplayed = { applied: 0, skipped: 0 };
  const replay = journal?.replay((entry) => repo.applyJournalEntry(entry)) ?? nothingReplayed;

  const personas = new PersonaSet({ segments: options.segments, journalPath: options.journal });
  if (options.data) {
    await personas.seed(options.data);
  }
  const personaReplay = personas.replayJournals();
  const loadMs = Math.round(performance.now() - started);

  const faults = new FaultInjector();
  const subscriptions = new SubscriptionHub(repo);
  const conditionalCreate = new ConditionalCreateMode();
  repo.useConditionalCreateMode(conditionalCreate);
  const adminRoutes = [
    (req, res, url) => faults.handleAdmin(req, res, url),
    (req, res, url) => personas.handleAdmin(req, res, url),
    (req, res, url) => subscriptions.handleAdmin(req, res, url),
    (req, res, url) => conditionalCreate.handleAdmin(req, res, url),
  ];
  const server = createSandboxServer({
    repo,
    router: createRouter(resourceTypes),
    faults,
    adminRoutes,
    personas,
  });
  const port = await listen(server, options.port);
  if (options.portFile) {
    writePortFile(options.portFile, port);
  }

  console.log(
    JSON.stringify({
      event: 'sandbox.listening',
      port,
      resources: repo.count(),
      bundles: seed.bundles,
      journal_applied: replay.applied + personaReplay.applied,
      journal_skipped: replay.skipped + personaReplay.skipped,
      personas: personas.paths(),
      load_ms: loadMs,
    })
  );

  const stop = () => {
    server.close(() => {
      journal?.close();
      personas.close();
      process.exit(0);
    });
    server.closeAllConnections();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err) => {
  console.error(JSON.stringify({ event: 'sandbox.failed', error: err.message }));
  process.exit(1);
});
