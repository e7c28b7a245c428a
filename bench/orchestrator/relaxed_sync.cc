#include "bench/orchestrator/relaxed_sync.h"

#include <sqlite3.h>

#include <atomic>
#include <string_view>

namespace medulla::bench {
namespace {

std::atomic<bool> relaxed{false};
std::atomic<bool> applied{false};

}  // namespace

void UseRelaxedSync(bool on) {
  relaxed = on;
}

bool RelaxedSyncApplied() {
  return applied;
}

}  // namespace medulla::bench

// The names below are the linker's: --wrap=sqlite3_exec sends every call that the store's
// object files make to __wrap_sqlite3_exec, and __real_sqlite3_exec is SQLite's own.
extern "C" int __real_sqlite3_exec(sqlite3* db, const char* sql,
                                   int (*callback)(void*, int, char**, char**), void* argument,
                                   char** error);

extern "C" int __wrap_sqlite3_exec(sqlite3* db, const char* sql,
                                   int (*callback)(void*, int, char**, char**), void* argument,
                                   char** error) {
  if (medulla::bench::relaxed && sql != nullptr &&
      std::string_view(sql) == "PRAGMA synchronous = FULL") {
    medulla::bench::applied = true;
    return __real_sqlite3_exec(db, "PRAGMA synchronous = NORMAL", callback, argument, error);
  }
  return __real_sqlite3_exec(db, sql, callback, argument, error);
}
