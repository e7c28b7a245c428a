#include <iostream>

#include "cli/commands.h"
#include "cli/config.h"
#include "replay/replay.h"
#include "store/store.h"
#include "store/store_factory.h"

namespace medulla::cli {

int RunReplay(const ReplayCommandOptions& options) {
  Result<Config> config = LoadConfig(options.config_path);
  if (!config.ok())
    return Fail(config.status().message());
  std::string store_url = options.store.empty() ? config->store : options.store;
  Result<std::unique_ptr<store::Store>> store =
      store::OpenStore(store_url, SystemClock::Instance());
  if (!store.ok())
    return Fail("cannot open the store: " + store.status().message());

  Result<std::vector<store::Event>> events = (*store)->ReadTask(options.task_id);
  if (!events.ok())
    return Fail("no task " + options.task_id + " in the store");

  replay::ReplayOptions replay_options;
  if (!options.policy_path.empty())
    replay_options.policy_path = options.policy_path;
  replay_options.prompt_version = options.prompt_version;
  Result<replay::ReplayReport> report = replay::Replay(*events, replay_options);
  if (!report.ok())
    return Fail("replay failed: " + report.status().message());

  if (report->same()) {
    std::cout << "replayed " << report->replayed.size()
              << " decisions without a model or an EHR: identical to the record\n";
    return 0;
  }
  size_t at = *report->first_divergence;
  std::cout << "first divergence at decision " << at + 1 << "\n"
            << "  recorded: " << (at < report->recorded.size() ? report->recorded[at] : "(none)")
            << "\n  replayed: " << (at < report->replayed.size() ? report->replayed[at] : "(none)")
            << "\n\ndecisions that change:\n";
  for (const std::string& change : report->changes)
    std::cout << "  " << change << "\n";
  return 5;
}

}  // namespace medulla::cli
