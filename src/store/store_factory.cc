#include "store/store_factory.h"

#include <string_view>

#include "common/log.h"
#include "store/postgres_store.h"
#include "store/sqlite_schema.h"

namespace medulla::store {
namespace {

enum class Engine { kSqlite, kPostgres };

struct Target {
  Engine engine;
  std::string location;  // the SQLite path, or the PostgreSQL URL as given
};

constexpr std::string_view kSqlitePrefix = "sqlite:";

Result<Target> ParseStoreUrl(const std::string& url) {
  if (url.starts_with(kSqlitePrefix)) {
    std::string path = url.substr(kSqlitePrefix.size());
    if (path.empty())
      return InvalidArgument("store URL \"sqlite:\" names no file; use sqlite:PATH");
    return Target{Engine::kSqlite, path};
  }
  if (url.starts_with("postgresql://") || url.starts_with("postgres://"))
    return Target{Engine::kPostgres, url};

  // The URL may carry a password, so only its scheme is repeated back.
  std::string scheme = url.substr(0, url.find(':'));
  return InvalidArgument("store URL scheme \"" + scheme +
                         "\" is not one of sqlite:PATH, postgresql://, postgres://");
}

}  // namespace

Result<std::unique_ptr<Store>> OpenStore(const std::string& url, const Clock& clock,
                                         const StoreOptions& options) {
  ASSIGN_OR_RETURN(Target target, ParseStoreUrl(url));
  if (target.engine == Engine::kSqlite)
    return OpenSqliteStore(target.location, clock, options);
  return OpenPostgresStore(target.location, clock, options);
}

Result<int> Migrate(const std::string& url) {
  ASSIGN_OR_RETURN(Target target, ParseStoreUrl(url));
  // Opening migrates; the store is closed again at once.
  ASSIGN_OR_RETURN(std::unique_ptr<Store> store, OpenStore(url, SystemClock::Instance()));
  store.reset();

  int version = target.engine == Engine::kSqlite ? sqlite::kSchemaVersion : PostgresSchemaVersion();
  log::Info("store", "store.migrated",
            {{"engine", target.engine == Engine::kSqlite ? "sqlite" : "postgresql"},
             {"schema_version", version}});
  return version;
}

}  // namespace medulla::store
