#!/usr/bin/env node
// Medulla's sandbox EHR: an in-memory FHIR R4 server on loopback, seeded from Synthea bundles.
//
//   node server.mjs [--port 0] [--host 127.0.0.1] [--data <dir>] [--journal <file>]
//                   [--port-file <file>]
//
// Prints one JSON line {"event":"sandbox.listening","port":N,"resources":count,...} on stdout
// once it accepts connections; start-up failures go to stderr as one JSON line, exit code 1.

import { renameSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { allOk } from '@medplum/core';
import { FhirRouter } from '@medplum/fhir-router';
import { capabilityStatement } from './lib/capability.mjs';
import { loadFhirSchema } from './lib/fhir-schema.mjs';
import { FaultInjector } from './lib/faults.mjs';
import { createSandboxServer, FHIR_BASE } from './lib/http-server.mjs';
import { Journal } from './lib/journal.mjs';
import { loadBundles } from './lib/load-bundles.mjs';
import { SandboxRepository } from './lib/repository.mjs';

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
  return { ...values, port, portFile: values['port-file'] };
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
  const loadMs = Math.round(performance.now() - started);

  const faults = new FaultInjector();
  const adminRoutes = [(req, res, url) => faults.handleAdmin(req, res, url)];
  const server = createSandboxServer({
    repo,
    router: createRouter(resourceTypes),
    faults,
    adminRoutes,
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
      journal_applied: replay.applied,
      journal_skipped: replay.skipped,
      load_ms: loadMs,
    })
  );

  const stop = () => {
    server.close(() => {
      journal?.close();
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
