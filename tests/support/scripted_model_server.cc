#include "support/scripted_model_server.h"

namespace medulla::testing {

using nlohmann::json;

ScriptedModelServer::ScriptedModelServer(Script script) : script_(std::move(script)) {
  http::Router router;
  router.Add("POST", "/v1/chat/completions",
             [this](const http::Request& request, const http::PathParams&) {
               json body = json::parse(request.body, nullptr, false);
               {
                 std::lock_guard lock(mutex_);
                 requests_.push_back(body);
               }
               json message = script_(body);
               return http::Response::Json(
                   200,
                   {{"id", "chatcmpl-scripted"},
                    {"object", "chat.completion"},
                    {"model", "scripted-test-model"},
                    {"choices",
                     json::array({{{"index", 0},
                                   {"message", message},
                                   {"finish_reason",
                                    message.contains("tool_calls") ? "tool_calls" : "stop"}}})}});
             });
  server_ = std::make_unique<http::Server>(std::move(router), http::ServerOptions{});
  (void)server_->Start();
}

ScriptedModelServer::~ScriptedModelServer() {
  server_->Stop();
}

std::string ScriptedModelServer::base_url() const {
  return "http://127.0.0.1:" + std::to_string(server_->port()) + "/v1";
}

std::vector<json> ScriptedModelServer::requests() const {
  std::lock_guard lock(mutex_);
  return requests_;
}

json ScriptedModelServer::ToolCall(const std::string& tool, const json& arguments) {
  return {{"role", "assistant"},
          {"content", nullptr},
          {"tool_calls",
           json::array({{{"id", "call_" + tool},
                         {"type", "function"},
                         {"function", {{"name", tool}, {"arguments", arguments.dump()}}}}})}};
}

}  // namespace medulla::testing
