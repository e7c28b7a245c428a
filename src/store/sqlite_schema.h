// The SQLite store's schema and its migrations. Internal to the store part.
#pragma once

#include "common/status.h"
#include "store/sqlite_db.h"

namespace medulla::store::sqlite {

// The schema version this build writes and understands.
inline constexpr int kSchemaVersion = 4;

// Sets the connection's pragmas (WAL, full sync, foreign keys, busy timeout), then brings
// the schema up to kSchemaVersion in one transaction. kFailedPrecondition when the file was
// written by a newer build; kUnavailable when the file cannot be locked or written.
Status PrepareDatabase(Database& db);

}  // namespace medulla::store::sqlite
