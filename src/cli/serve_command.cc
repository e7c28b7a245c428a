#include <csignal>
#include <fstream>
#include <iostream>

#include "cli/commands.h"
#include "cli/node.h"

namespace medulla::cli {
namespace {

// Blocks SIGINT, SIGTERM and SIGHUP in every thread, then waits for one of them on this
// thread, so that shutdown and reload run as ordinary code rather than in a signal handler.
int WaitForSignal() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGHUP);
  int received = 0;
  sigwait(&signals, &received);
  return received;
}

void BlockShutdownSignals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
}

}  // namespace

int Fail(const std::string& message) {
  std::cerr << "medulla: " << message << "\n";
  return 1;
}

int Serve(const ServeOptions& options) {
  Result<Config> config = LoadConfig(options.config_path);
  if (!config.ok())
    return Fail(config.status().message());
  if (options.port >= 0)
    config->listen_port = static_cast<uint16_t>(options.port);
  if (!options.store.empty())
    config->store = options.store;
  if (!options.ehr_url.empty())
    config->ehr_base_url = options.ehr_url;
  if (options.workers > 0)
    config->workers = options.workers;

  BlockShutdownSignals();
  Result<std::unique_ptr<Node>> node = Node::Start(*config);
  if (!node.ok())
    return Fail("cannot start: " + node.status().message());

  if (!options.port_file.empty()) {
    std::ofstream(options.port_file) << (*node)->port() << "\n";
  }
  std::cout << "medulla: serving on http://" << config->listen_address << ":" << (*node)->port()
            << std::endl;

  // SIGHUP re-reads the policy files; SIGINT and SIGTERM stop the node.
  while (WaitForSignal() == SIGHUP) {
    Status reloaded = (*node)->ReloadPolicies();
    std::cerr << "medulla: policy reload " << (reloaded.ok() ? "applied" : "refused: ")
              << (reloaded.ok() ? "" : reloaded.message()) << std::endl;
  }
  (*node)->Stop();
  return 0;
}

}  // namespace medulla::cli
