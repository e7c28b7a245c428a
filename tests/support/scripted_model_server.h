// A local stand-in for an OpenAI-compatible chat-completions endpoint, for tests only: no
// real model can run here. A test gives it a script (a function from the request to the
// reply's message) and it answers on 127.0.0.1, recording every request it received.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "http/server.h"

namespace medulla::testing {

class ScriptedModelServer {
 public:
  // Returns the assistant message for a chat-completions request body.
  using Script = std::function<nlohmann::json(const nlohmann::json& request)>;

  explicit ScriptedModelServer(Script script);
  ~ScriptedModelServer();

  std::string base_url() const;  // "http://127.0.0.1:<port>/v1"
  std::vector<nlohmann::json> requests() const;

  // An assistant message calling one tool with `arguments`.
  static nlohmann::json ToolCall(const std::string& tool, const nlohmann::json& arguments);

 private:
  Script script_;
  mutable std::mutex mutex_;
  std::vector<nlohmann::json> requests_;  // guarded by mutex_
  std::unique_ptr<http::Server> server_;
};

}  // namespace medulla::testing
