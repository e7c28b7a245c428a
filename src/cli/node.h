// One running Medulla node: gateway, workers, store, model and EHR connections, assembled
// from a Config. `medulla serve` runs one; end-to-end tests start them in process.
#pragma once

#include <cstdint>
#include <memory>

#include "cli/config.h"
#include "common/status.h"

namespace medulla::cli {

class Node {
 public:
  // Opens the store, loads or creates the development issuer's key, connects the model and
  // the EHR, starts the workers and the gateway. Fails with the first part that cannot start.
  static Result<std::unique_ptr<Node>> Start(const Config& config);

  ~Node();  // stops everything

  // Stops the gateway first, then the workers once their current task is done. Idempotent.
  void Stop();

  uint16_t port() const;

  // Re-reads the policy files. A set that does not load is refused and the last good set
  // stays in force; the error names the file, line and reason.
  Status ReloadPolicies();

 public:
  struct Parts;  // defined in node.cc

 private:
  explicit Node(std::unique_ptr<Parts> parts);
  std::unique_ptr<Parts> parts_;
};

}  // namespace medulla::cli
