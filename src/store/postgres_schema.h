// The PostgreSQL store's schema and its migrations. Internal to the store part.
#pragma once

#include "common/status.h"
#include "store/postgres_db.h"

namespace medulla::store::postgres {

// The schema version this build writes and understands.
inline constexpr int kSchemaVersion = 3;

// Brings the schema in the connection's search_path up to kSchemaVersion in one
// transaction, under an advisory lock so that nodes starting together migrate once.
// Returns the version now in force. kFailedPrecondition when the schema was written by a
// newer build; kUnavailable when the server cannot be reached.
Result<int> PrepareSchema(Connection& connection);

}  // namespace medulla::store::postgres
