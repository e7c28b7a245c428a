// A `medulla serve` process started by a test, so that it can be killed with SIGKILL at any
// instant and started again, as a node dies in production.
#pragma once

#include <sys/types.h>

#include <string>

namespace medulla::testing {

struct NodeSettings {
  std::string binary;  // path to the medulla executable
  std::string store;   // "sqlite:PATH" or "postgresql://..."
  std::string ehr_url;
  std::string state_dir;  // keys, logs and port files live here
  std::string name;       // distinguishes this node's files
  int lease_ms = 1500;
};

class NodeProcess {
 public:
  explicit NodeProcess(NodeSettings settings) : settings_(std::move(settings)) {}
  ~NodeProcess();  // kills the process if it still runs

  // Starts the node and waits until it serves; returns false when it does not start.
  bool Start();

  // Kills the process at once (SIGKILL): no shutdown code runs.
  void Kill();

  // Stops the process gracefully (SIGTERM) and waits for it.
  void Stop();

  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  bool running() const { return pid_ > 0; }

 private:
  NodeSettings settings_;
  pid_t pid_ = -1;
  int port_ = 0;
};

}  // namespace medulla::testing
