// Choosing and opening a store engine from a URL, the way the server and CLI are configured:
//
//   sqlite:var/medulla.db                          a SQLite file (created if missing)
//   postgresql://user@127.0.0.1:5432/medulla       a PostgreSQL database (postgres:// too)
//
// Both engines bring their schema up to date when opened, so Migrate is only needed to
// prepare a database ahead of the first node, or to learn its version.
// Thread safety: the functions may be called from any thread; see store.h for the store.
#pragma once

#include <memory>
#include <string>

#include "common/status.h"
#include "common/time.h"
#include "store/store.h"

namespace medulla::store {

struct StoreOptions {
  // Concurrent appends share one transaction and one sync (each still fails or succeeds on
  // its own, and none is acknowledged before the commit). Off: every append commits alone.
  bool group_commit = true;
  // PostgreSQL only: connections opened at most, one per concurrent caller.
  int max_connections = 8;
};

// Opens the store named by `url`. kInvalidArgument with a one-line reason when the URL names
// no known engine or no database; otherwise the engine's own errors (kUnavailable when the
// file or server cannot be reached, kFailedPrecondition when the schema is newer than this
// build). `clock` must outlive the store.
Result<std::unique_ptr<Store>> OpenStore(const std::string& url, const Clock& clock,
                                         const StoreOptions& options = {});

// Creates or upgrades the schema of the store named by `url` and returns the schema version
// now in force. Errors as OpenStore.
Result<int> Migrate(const std::string& url);

// OpenSqliteStore (store.h) with options.
Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path, const Clock& clock,
                                               const StoreOptions& options);

}  // namespace medulla::store
