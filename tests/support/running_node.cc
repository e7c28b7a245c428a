#include "support/running_node.h"

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "auth/jwt.h"

namespace medulla::testing {

RunningNode::RunningNode(const std::string& ehr_base, int workers, const std::string& model_url)
    : RunningNode(ehr_base, [&](cli::Config& config) {
        config.workers = workers;
        if (!model_url.empty()) {
          config.model_provider = "openai";
          config.model_base_url = model_url;
          config.model_name = "scripted-test-model";
        }
      }) {}

RunningNode::RunningNode(const std::string& ehr_base,
                         const std::function<void(cli::Config&)>& configure) {
  config_.listen_port = 0;
  config_.store = "sqlite:" + dir_.File("medulla.db");
  config_.ehr_base_url = ehr_base;
  config_.dev_issuer_key = dir_.File("issuer.pem");
  config_.grant_key = dir_.File("grant.pem");
  configure(config_);

  Result<std::unique_ptr<cli::Node>> node = cli::Node::Start(config_);
  if (!node.ok())
    ADD_FAILURE() << "node did not start: " << node.status().ToString();
  if (node.ok())
    node_ = std::move(node).value();
  client_ = http::MakeClient();
}

std::string RunningNode::Token(const std::string& tenant, const std::vector<std::string>& scopes,
                               const std::string& subject) const {
  Result<auth::DevIssuer> issuer =
      auth::DevIssuer::LoadOrCreate(config_.dev_issuer_key, config_.issuer, config_.audience);
  auth::TokenRequest request;
  request.subject = subject;
  request.tenant = tenant;
  request.roles = {"clinician"};
  request.scopes = scopes;
  Result<std::string> token = issuer->Issue(request);
  return token.ok() ? *token : "";
}

std::string RunningNode::base_url() const {
  return "http://127.0.0.1:" + std::to_string(node_ ? node_->port() : 0);
}

http::ClientResponse RunningNode::Call(const std::string& method, const std::string& path,
                                       const std::string& body, const std::string& token) {
  http::ClientRequest request;
  request.method = method;
  request.url = base_url() + path;
  request.body = body;
  if (!body.empty())
    request.headers["Content-Type"] = "application/json";
  if (!token.empty())
    request.headers["Authorization"] = "Bearer " + token;

  Result<http::ClientResponse> response = client_->Send(request);
  if (!response.ok()) {
    ADD_FAILURE() << method << " " << path << ": " << response.status().ToString();
    return {};
  }
  return *response;
}

std::string RunningNode::Submit(const nlohmann::json& body, const std::string& token) {
  http::ClientResponse response = Call("POST", "/v1/tasks", body.dump(), token);
  EXPECT_EQ(response.status, 202) << response.body;
  nlohmann::json answer = nlohmann::json::parse(response.body, nullptr, false);
  return answer.is_object() ? answer.value("id", "") : "";
}

nlohmann::json RunningNode::WaitForTask(const std::string& task_id, const std::string& token) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (std::chrono::steady_clock::now() < deadline) {
    http::ClientResponse response = Call("GET", "/v1/tasks/" + task_id, "", token);
    nlohmann::json state = nlohmann::json::parse(response.body, nullptr, false);
    std::string status = state.is_object() ? state.value("status", "") : "";
    if (status == "done" || status == "escalated" || status == "failed")
      return state;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ADD_FAILURE() << "task " << task_id << " did not finish";
  return {};
}

}  // namespace medulla::testing
