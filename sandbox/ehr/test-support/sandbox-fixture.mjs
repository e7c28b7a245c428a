// Starts the sandbox EHR as a child process on a free loopback port for one test file.

import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const EHR_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');
export const REPO_ROOT = join(EHR_DIR, '..', '..');
export const PATIENTS_DIR = join(REPO_ROOT, 'data', 'patients');

// Two of the shipped bundles, chosen because they are the smallest. The file name's uuid is
// not the Patient id; the ids below are those of the Patient entries inside.
export const SEED_BUNDLES = {
  clarence: {
    file: 'Clarence_Mills_0753ad6c-5935-4faa-9cfe-b7269e963d77.json',
    patientId: '8b7b7d9e-07bc-403b-8983-455635e3b63f',
  },
  valentin: {
    file: 'Valentin_Keeling_eec512c0-d680-4dd8-a7ce-5102193974fd.json',
    patientId: '53ead9ff-9ae0-432f-a314-017550d0420c',
  },
};

export const FHIR_JSON = 'application/fhir+json';

export function makeStateDir() {
  const dir = mkdtempSync(join(tmpdir(), 'medulla-ehr-test-'));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export function seedDataDir(stateDir) {
  const data = mkdtempSync(join(stateDir, 'data-'));
  for (const { file } of Object.values(SEED_BUNDLES)) {
    copyFileSync(join(PATIENTS_DIR, file), join(data, file));
  }
  return data;
}

// Resolves once the sandbox printed its listening line; rejects if it exits first.
export function startSandbox(args) {
  const child = spawn(process.execPath, [join(EHR_DIR, 'server.mjs'), '--port', '0', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });

  return new Promise((resolve, reject) => {
    let stdout = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      const line = stdout.split('\n').find((l) => l.includes('"sandbox.listening"'));
      if (line) {
        const started = JSON.parse(line);
        resolve(sandboxHandle(child, started));
      }
    });
    child.once('exit', (code) => reject(new Error(`sandbox exited with ${code}: ${stderr}`)));
  });
}

function sandboxHandle(child, started) {
  const origin = `http://127.0.0.1:${started.port}`;
  return {
    started,
    base: `${origin}/fhir/R4`,
    admin: `${origin}/__admin`,
    stop: () =>
      new Promise((resolve) => {
        child.removeAllListeners('exit');
        child.once('exit', resolve);
        child.kill('SIGTERM');
      }),
  };
}

// Runs the server with arguments that should make it refuse to start; resolves to its exit
// code and stderr.
export function runRefusedStart(args) {
  const child = spawn(process.execPath, [join(EHR_DIR, 'server.mjs'), ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stderr })));
}

export async function fhir(base, method, path, { body, headers } = {}) {
  const response = await fetch(`${base}/${path}`, {
    method,
    headers: { Accept: FHIR_JSON, ...(body ? { 'Content-Type': FHIR_JSON } : {}), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  const parsed = text ? JSON.parse(text) : undefined;
  return { status: response.status, headers: response.headers, body: parsed };
}

export async function adminGet(admin, path) {
  const response = await fetch(`${admin}/${path}`);
  return { status: response.status, body: await response.json() };
}
