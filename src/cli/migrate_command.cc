#include <iostream>

#include "cli/commands.h"
#include "cli/config.h"
#include "store/store_factory.h"

namespace medulla::cli {

int RunMigrate(const MigrateOptions& options) {
  Result<Config> config = LoadConfig(options.config_path);
  if (!config.ok())
    return Fail(config.status().message());
  const std::string url = options.store.empty() ? config->store : options.store;

  Status folder = PrepareStoreFolder(url);
  if (!folder.ok())
    return Fail(folder.message());
  Result<int> version = store::Migrate(url);
  if (!version.ok())
    return Fail("migration failed: " + version.status().message());
  std::cout << "medulla: store schema is at version " << *version << "\n";
  return 0;
}

}  // namespace medulla::cli
