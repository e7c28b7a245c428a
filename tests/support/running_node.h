// A Medulla node started in process for a test, with its own store and development issuer
// key in a temporary directory, and helpers to call it as a client would.
#pragma once

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli/node.h"
#include "http/client.h"
#include "support/temp_dir.h"

namespace medulla::testing {

// Every scope a clinic visit needs.
inline const std::vector<std::string> kClinicianScopes = {
    "user/Patient.r",           "user/Encounter.r",   "user/Condition.r",
    "user/DocumentReference.c", "user/Appointment.c", "user/Claim.cr"};

class RunningNode {
 public:
  // Starts a node talking to the EHR at `ehr_base` (which may be a closed port), with the
  // offline model, or with the OpenAI-compatible endpoint at `model_url` when one is given.
  explicit RunningNode(const std::string& ehr_base, int workers = 2,
                       const std::string& model_url = "");

  // Starts a node after `configure` has adjusted its configuration.
  RunningNode(const std::string& ehr_base, const std::function<void(cli::Config&)>& configure);

  // Mints a token from this node's development issuer.
  std::string Token(const std::string& tenant = "clinic-a",
                    const std::vector<std::string>& scopes = kClinicianScopes,
                    const std::string& subject = "dr-test") const;

  // Sends a request to the node with `token` as bearer (none when empty).
  http::ClientResponse Call(const std::string& method, const std::string& path,
                            const std::string& body = "", const std::string& token = "");

  // Posts a task and returns its id; fails the test when it is not accepted.
  std::string Submit(const nlohmann::json& body, const std::string& token);

  // Polls the task until it is done, escalated or failed, and returns its state.
  nlohmann::json WaitForTask(const std::string& task_id, const std::string& token);

  std::string base_url() const;
  const cli::Config& config() const { return config_; }

 private:
  TempDir dir_;
  cli::Config config_;
  std::unique_ptr<cli::Node> node_;
  std::unique_ptr<http::Client> client_;
};

}  // namespace medulla::testing
