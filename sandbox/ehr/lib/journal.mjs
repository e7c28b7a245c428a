// Append-only ndjson record of the writes the sandbox accepted, replayed at the next start so
// the EHR keeps what was written to it across restarts.
//
// Each line is {"op":"put","resource":{...}} (the stored version, meta included) or
// {"op":"delete","resourceType":"...","id":"..."}. Lines are written with a plain write before
// the HTTP answer goes out, without fsync: they survive a killed process but not a machine
// crash. A torn last line (process killed mid-write) is skipped on replay and counted.

import {
  closeSync,
  existsSync,
  fstatSync,
  openSync,
  readFileSync,
  readSync,
  writeSync,
} from 'node:fs';

export class Journal {
  #fd;

  constructor(path) {
    this.path = path;
  }

  // Calls `apply` with each complete entry in order; returns counts of applied and torn lines.
  replay(apply) {
    if (!existsSync(this.path)) {
      return { applied: 0, skipped: 0 };
    }

    let applied = 0;
    let skipped = 0;
    for (const line of readFileSync(this.path, 'utf8').split('\n')) {
      if (!line.trim()) {
        continue;
      }
      let entry;
      try {
        entry = JSON.parse(line);
      } catch {
        skipped++;
        continue;
      }
      apply(entry);
      applied++;
    }
    return { applied, skipped };
  }

  recordPut(resource) {
    this.#append({ op: 'put', resource });
  }

  recordDelete(resourceType, id) {
    this.#append({ op: 'delete', resourceType, id });
  }

  close() {
    if (this.#fd !== undefined) {
      closeSync(this.#fd);
      this.#fd = undefined;
    }
  }

  #append(entry) {
    if (this.#fd === undefined) {
      this.#fd = openForAppend(this.path);
    }
    writeSync(this.#fd, JSON.stringify(entry) + '\n');
  }
}

// Opens the journal so the next entry starts on a line of its own, even after a torn line.
function openForAppend(path) {
  const fd = openSync(path, 'a+');
  const { size } = fstatSync(fd);
  if (size === 0) {
    return fd;
  }

  const last = Buffer.alloc(1);
  readSync(fd, last, 0, 1, size - 1);
  if (last[0] !== 0x0a) {
    writeSync(fd, '\n');
  }
  return fd;
}
