// The PostgreSQL engine behind Store (store.h), for nodes that share one database.
//
// Every operation is one transaction on a pooled connection; a transaction the server
// aborts for a serialization failure or deadlock is run again, a few times at most. Claims
// skip rows other nodes hold (FOR UPDATE SKIP LOCKED); appends lock the tenant's chain row,
// so each tenant's hash chain stays linear across nodes. Commits wait for the WAL to reach
// disk (synchronous_commit on, the server default).
#pragma once

#include <memory>
#include <string>

#include "common/status.h"
#include "common/time.h"
#include "store/store.h"
#include "store/store_factory.h"

namespace medulla::store {

// Opens a store in the database at `url` (a libpq connection URI; "options=-csearch_path=x"
// in its query selects a schema), migrating its schema first. kUnavailable when the server
// cannot be reached; kFailedPrecondition when its schema is newer than this build. `clock`
// must outlive the store.
Result<std::unique_ptr<Store>> OpenPostgresStore(const std::string& url, const Clock& clock,
                                                 const StoreOptions& options = {});

// The PostgreSQL schema version this build writes.
int PostgresSchemaVersion();

}  // namespace medulla::store
