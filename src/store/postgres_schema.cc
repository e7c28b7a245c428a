#include "store/postgres_schema.h"

#include <array>
#include <string>

namespace medulla::store::postgres {
namespace {

// Held for the migration transaction only, so nodes that start together migrate one at a time.
constexpr char kMigrationLock[] = "SELECT pg_advisory_xact_lock(7736201)";

// Migration i brings the schema from version i to version i + 1. Never edit a shipped
// migration; append a new one and raise kSchemaVersion. Version 1 holds what SQLite reached
// in two steps, hash chain included. Times are milliseconds since the epoch from the
// store's clock, never the server's.
constexpr std::array<const char*, kSchemaVersion> kMigrations = {
    R"sql(
CREATE TABLE tasks (
  task_id       TEXT PRIMARY KEY,
  tenant        TEXT NOT NULL,
  created_at    BIGINT NOT NULL,
  created_order BIGINT GENERATED ALWAYS AS IDENTITY
);
CREATE INDEX tasks_by_tenant ON tasks (tenant, created_at, created_order);

CREATE TABLE events (
  seq       BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  task_id   TEXT NOT NULL REFERENCES tasks (task_id),
  task_seq  BIGINT NOT NULL CHECK (task_seq >= 1),
  tenant    TEXT NOT NULL,
  type      TEXT NOT NULL,
  at        BIGINT NOT NULL,
  actor     JSON NOT NULL,
  payload   JSON NOT NULL,
  prev_hash TEXT NOT NULL,
  hash      TEXT NOT NULL,
  UNIQUE (task_id, task_seq)
);
CREATE INDEX events_by_tenant ON events (tenant, seq);

-- The log is the record of what happened: nothing may rewrite or remove it, whoever asks.
CREATE FUNCTION events_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'events are append-only' USING ERRCODE = 'integrity_constraint_violation';
END;
$$;
CREATE TRIGGER events_refuse_update BEFORE UPDATE ON events
  FOR EACH ROW EXECUTE FUNCTION events_refuse_change();
CREATE TRIGGER events_refuse_delete BEFORE DELETE ON events
  FOR EACH ROW EXECUTE FUNCTION events_refuse_change();
CREATE TRIGGER events_refuse_truncate BEFORE TRUNCATE ON events
  FOR EACH STATEMENT EXECUTE FUNCTION events_refuse_change();

CREATE TABLE idempotency_keys (
  tenant  TEXT NOT NULL,
  key     TEXT NOT NULL,
  task_id TEXT NOT NULL REFERENCES tasks (task_id),
  PRIMARY KEY (tenant, key)
);

CREATE TABLE queue (
  task_id          TEXT PRIMARY KEY REFERENCES tasks (task_id),
  available_at     BIGINT NOT NULL,
  lease_owner      TEXT,
  lease_expires_at BIGINT,
  fencing_token    BIGINT NOT NULL DEFAULT 0,
  attempts         INTEGER NOT NULL DEFAULT 0,
  position         BIGINT GENERATED ALWAYS AS IDENTITY
);
CREATE INDEX queue_by_availability ON queue (available_at, position);

-- One row per tenant with events: its chain head. Appends lock the row, so a tenant's
-- events join its chain one at a time however many nodes write.
CREATE TABLE tenant_chains (
  tenant    TEXT PRIMARY KEY,
  last_seq  BIGINT NOT NULL,
  last_hash TEXT NOT NULL
);
)sql",
    // Version 2: the write-back outbox. Rows are never deleted; position is the entry's order.
    R"sql(
CREATE TABLE writebacks (
  position        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  tenant          TEXT NOT NULL,
  intent_id       TEXT NOT NULL,
  task_id         TEXT NOT NULL,
  patient         TEXT NOT NULL,
  kind            TEXT NOT NULL,
  resource_type   TEXT NOT NULL,
  route           TEXT NOT NULL,
  status          TEXT NOT NULL,
  intent          JSON NOT NULL,
  attempts        INTEGER NOT NULL,
  next_attempt_at BIGINT NOT NULL,
  reason          TEXT NOT NULL,
  reference       TEXT NOT NULL,
  version         TEXT NOT NULL,
  created_at      BIGINT NOT NULL,
  updated_at      BIGINT NOT NULL,
  lease_owner     TEXT,
  lease_until     BIGINT,
  fence           BIGINT NOT NULL DEFAULT 0,
  UNIQUE (tenant, intent_id)
);
CREATE INDEX writebacks_due ON writebacks (status, next_attempt_at);
CREATE INDEX writebacks_by_patient ON writebacks (tenant, patient, position);
CREATE INDEX writebacks_by_task ON writebacks (tenant, task_id, position);
)sql",
    // Version 3: claims read only unfinished entries, in order, so their cost follows how many
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

Result<int> CurrentVersion(Connection& connection) {
  RETURN_IF_ERROR(
      connection.Exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)"));
  ASSIGN_OR_RETURN(Rows rows, connection.Run("SELECT COALESCE(MAX(version), 0) "
                                             "FROM schema_version"));
  if (rows.empty())
    return Internal("schema_version query returned no row");
  return static_cast<int>(rows.Int(0, 0));
}

Status Migrate(Connection& connection, int from) {
  for (int next = from; next < kSchemaVersion; ++next) {
    RETURN_IF_ERROR(connection.Exec(kMigrations[static_cast<size_t>(next)]));
    RETURN_IF_ERROR(
        connection
            .Run("INSERT INTO schema_version (version) VALUES ($1)", {std::to_string(next + 1)})
            .status());
  }
  return Status::Ok();
}

}  // namespace

Result<int> PrepareSchema(Connection& connection) {
  RETURN_IF_ERROR(connection.Exec("BEGIN"));
  Status migrated = [&]() -> Status {
    RETURN_IF_ERROR(connection.Exec(kMigrationLock));
    ASSIGN_OR_RETURN(int version, CurrentVersion(connection));
    if (version > kSchemaVersion) {
      return FailedPrecondition("store schema version " + std::to_string(version) +
                                " is newer than this build understands (" +
                                std::to_string(kSchemaVersion) + ")");
    }
    return Migrate(connection, version);
  }();
  if (!migrated.ok()) {
    // A rollback fails only on a broken connection, which the caller then drops.
    (void)connection.Exec("ROLLBACK");
    return migrated;
  }
  RETURN_IF_ERROR(connection.Exec("COMMIT"));
  return kSchemaVersion;
}

}  // namespace medulla::store::postgres
