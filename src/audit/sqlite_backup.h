// Backup and restore for the SQLite store, and the chain heads it records beside the log.
// These work on the database file directly through their own connections, outside the
// Store interface, because copying a live database consistently is an engine matter.
//
// Backup uses SQLite's online backup API in a single step: one read transaction copies every
// page of a consistent snapshot. In write-ahead-log mode a reader never blocks writers, so a
// node keeps appending while the copy runs; appends committed after the snapshot began are not
// in the copy. The copy is written beside the target under a temporary name, synced, checked
// (PRAGMA quick_check) and renamed into place, so a crash never leaves a half-written backup
// under the target name.
//
// Restore copies a backup into a temporary file beside the store, syncs it and renames it over
// the store path: the store path holds either the old database or the whole restored one.
// Restoring over a store that a running node has open is not detected and corrupts that
// node's view: stop the node first.
//
// Thread safety: the functions share no state; each opens and closes its own connections.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "audit/chain_verifier.h"
#include "common/status.h"

namespace medulla::audit {

struct BackupSummary {
  int64_t bytes = 0;   // size of the backup file
  int64_t events = 0;  // events in the copy
};

// Copies the store at `store_path` into a new file at `backup_path`. kNotFound when there is
// no store file; kConflict when `backup_path` already exists; kFailedPrecondition when the file
// is not a Medulla store or the copy fails its check; kUnavailable when SQLite stays busy or
// the file system refuses.
Result<BackupSummary> BackupSqliteStore(const std::string& store_path,
                                        const std::string& backup_path);

struct RestoreOptions {
  bool force = false;  // replace a store that already exists at the target path
};

// Replaces (or creates) the store at `store_path` with the backup at `backup_path`.
// kNotFound when the backup is missing; kFailedPrecondition when it is not a Medulla store or
// fails its integrity check; kConflict when a store exists at `store_path` and `force` is off.
// Before replacing an existing store its write-ahead log is checkpointed and removed, so that
// stale log frames are never replayed onto the restored file.
Result<BackupSummary> RestoreSqliteStore(const std::string& backup_path,
                                         const std::string& store_path,
                                         const RestoreOptions& options);

// Reads the per-tenant chain heads (the tenant_chains table) from the store file, read-only.
// A store from before the chain existed has none. kNotFound when there is no store file.
Result<std::map<std::string, RecordedHead>> ReadSqliteChainHeads(const std::string& store_path);

}  // namespace medulla::audit
