#include "store/sqlite_schema.h"

#include <array>
#include <string>

namespace medulla::store::sqlite {
namespace {

// How long a statement waits on another process's lock before giving up with kUnavailable.
constexpr char kBusyTimeoutPragma[] = "PRAGMA busy_timeout = 5000";

// Migration i brings the schema from version i to version i + 1. Never edit a shipped
// migration; append a new one and raise kSchemaVersion.
constexpr std::array<const char*, kSchemaVersion> kMigrations = {
    R"sql(
CREATE TABLE tasks (
  task_id    TEXT PRIMARY KEY,
  tenant     TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX tasks_by_tenant ON tasks (tenant, created_at);

CREATE TABLE events (
  seq      INTEGER PRIMARY KEY,
  task_id  TEXT NOT NULL REFERENCES tasks (task_id),
  task_seq INTEGER NOT NULL CHECK (task_seq >= 1),
  tenant   TEXT NOT NULL,
  type     TEXT NOT NULL,
  at       INTEGER NOT NULL,
  actor    TEXT NOT NULL CHECK (json_valid(actor)),
  payload  TEXT NOT NULL CHECK (json_valid(payload)),
  UNIQUE (task_id, task_seq)
);

-- The log is the record of what happened: nothing may rewrite or remove it, whoever asks.
CREATE TRIGGER events_refuse_update BEFORE UPDATE ON events
BEGIN
  SELECT RAISE(ABORT, 'events are append-only');
END;
CREATE TRIGGER events_refuse_delete BEFORE DELETE ON events
BEGIN
  SELECT RAISE(ABORT, 'events are append-only');
END;

CREATE TABLE idempotency_keys (
  tenant  TEXT NOT NULL,
  key     TEXT NOT NULL,
  task_id TEXT NOT NULL REFERENCES tasks (task_id),
  PRIMARY KEY (tenant, key)
);

CREATE TABLE queue (
  task_id          TEXT PRIMARY KEY REFERENCES tasks (task_id),
  available_at     INTEGER NOT NULL,
  lease_owner      TEXT,
  lease_expires_at INTEGER,
  fencing_token    INTEGER NOT NULL DEFAULT 0,
  attempts         INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX queue_by_availability ON queue (available_at);
)sql",
    // Version 2: the per-tenant hash chain. Stores created before it begin their chain at
    // the first event appended after the upgrade; earlier events carry empty hashes.
    R"sql(
ALTER TABLE events ADD COLUMN prev_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE events ADD COLUMN hash TEXT NOT NULL DEFAULT '';
CREATE INDEX events_by_tenant ON events (tenant, seq);
CREATE TABLE tenant_chains (
  tenant    TEXT PRIMARY KEY,
  last_seq  INTEGER NOT NULL,
  last_hash TEXT NOT NULL
);
)sql",
    // Version 3: the write-back outbox. Rows are never deleted; position is the entry's order
    // and AUTOINCREMENT keeps it from ever being reused.
    R"sql(
CREATE TABLE writebacks (
  position        INTEGER PRIMARY KEY AUTOINCREMENT,
  tenant          TEXT NOT NULL,
  intent_id       TEXT NOT NULL,
  task_id         TEXT NOT NULL,
  patient         TEXT NOT NULL,
  kind            TEXT NOT NULL,
  resource_type   TEXT NOT NULL,
  route           TEXT NOT NULL,
  status          TEXT NOT NULL,
  intent          TEXT NOT NULL CHECK (json_valid(intent)),
  attempts        INTEGER NOT NULL,
  next_attempt_at INTEGER NOT NULL,
  reason          TEXT NOT NULL,
  reference       TEXT NOT NULL,
  version         TEXT NOT NULL,
  created_at      INTEGER NOT NULL,
  updated_at      INTEGER NOT NULL,
  lease_owner     TEXT,
  lease_until     INTEGER,
  fence           INTEGER NOT NULL DEFAULT 0,
  UNIQUE (tenant, intent_id)
);
CREATE INDEX writebacks_due ON writebacks (status, next_attempt_at);
CREATE INDEX writebacks_by_patient ON writebacks (tenant, patient, position);
CREATE INDEX writebacks_by_task ON writebacks (tenant, task_id, position);
)sql",
    // Version 4: claims read only unfinished entries, in order, so their cost follows how many
    // wait rather than how many were ever written. The conditions match the claim's exactly.
    R"sql(
DROP INDEX writebacks_due;
DROP INDEX writebacks_by_patient;
CREATE INDEX writebacks_unfinished ON writebacks (position)
  WHERE status IN ('pending', 'retrying') AND route IN ('fhir', 'vendor_api');
CREATE INDEX writebacks_unfinished_by_patient ON writebacks (tenant, patient, position)
  WHERE status IN ('pending', 'retrying') AND route IN ('fhir', 'vendor_api');
)sql",
};

Status SetPragmas(Database& db) {
  RETURN_IF_ERROR(db.Exec(kBusyTimeoutPragma));

  // journal_mode answers with the mode in force; a file that cannot do WAL (some network
  // filesystems) would silently stay in rollback mode, so check.
  ASSIGN_OR_RETURN(Query journal, db.Prepare("PRAGMA journal_mode = WAL"));
  ASSIGN_OR_RETURN(bool has_row, journal.Next());
  if (!has_row || journal.Text(0) != "wal") {
    return Unavailable("store could not switch to write-ahead logging");
  }

  RETURN_IF_ERROR(db.Exec("PRAGMA synchronous = FULL"));
  return db.Exec("PRAGMA foreign_keys = ON");
}

Result<int> CurrentVersion(Database& db) {
  RETURN_IF_ERROR(db.Exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)"));

  ASSIGN_OR_RETURN(Query query, db.Prepare("SELECT COALESCE(MAX(version), 0) FROM schema_version"));
  ASSIGN_OR_RETURN(bool has_row, query.Next());
  if (!has_row)
    return Internal("schema_version query returned no row");
  return static_cast<int>(query.Int(0));
}

}  // namespace

Status PrepareDatabase(Database& db) {
  RETURN_IF_ERROR(SetPragmas(db));

  ASSIGN_OR_RETURN(Transaction transaction, Transaction::Begin(db));
  ASSIGN_OR_RETURN(int version, CurrentVersion(db));
  if (version > kSchemaVersion) {
    return FailedPrecondition("store schema version " + std::to_string(version) +
                              " is newer than this build understands (" +
                              std::to_string(kSchemaVersion) + ")");
  }

  for (int next = version; next < kSchemaVersion; ++next) {
    RETURN_IF_ERROR(db.Exec(kMigrations[static_cast<size_t>(next)]));
    ASSIGN_OR_RETURN(Query record, db.Prepare("INSERT INTO schema_version (version) VALUES (?)"));
    RETURN_IF_ERROR(record.BindInt(1, next + 1).Run());
  }
  return transaction.Commit();
}

}  // namespace medulla::store::sqlite
