#include "support/outbox_watch.h"

#include <gtest/gtest.h>

#include <thread>

#include "auth/jwt.h"
#include "http/client.h"

namespace medulla::testing {

using nlohmann::json;

std::vector<json> ListWritebacks(RunningNode& node, const std::string& token,
                                 const std::string& query) {
  std::string path = "/v1/writebacks?limit=500";
  if (!query.empty())
    path += "&" + query;
  http::ClientResponse response = node.Call("GET", path, "", token);
  json answer = json::parse(response.body, nullptr, false);
  if (response.status != 200 || !answer.is_object() || !answer["writebacks"].is_array()) {
    ADD_FAILURE() << "GET " << path << " answered " << response.status << ": " << response.body;
    return {};
  }
  return answer["writebacks"].get<std::vector<json>>();
}

bool WaitForOutboxToSettle(RunningNode& node, const std::string& token, const std::string& route,
                           std::chrono::seconds patience) {
  const auto deadline = std::chrono::steady_clock::now() + patience;
  size_t unsettled = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    unsettled = ListWritebacks(node, token, "route=" + route + "&status=pending").size() +
                ListWritebacks(node, token, "route=" + route + "&status=retrying").size();
    if (unsettled == 0)
      return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  ADD_FAILURE() << unsettled << " write-backs on route " << route
                << " were still pending or retrying after " << patience.count() << " s";
  return false;
}

std::string TokenWithRoles(const RunningNode& node, const std::string& tenant,
                           const std::vector<std::string>& roles, const std::string& subject) {
  Result<auth::DevIssuer> issuer = auth::DevIssuer::LoadOrCreate(
      node.config().dev_issuer_key, node.config().issuer, node.config().audience);
  if (!issuer.ok()) {
    ADD_FAILURE() << "the node's issuer key did not load: " << issuer.status().ToString();
    return "";
  }
  auth::TokenRequest request;
  request.subject = subject;
  request.tenant = tenant;
  request.roles = roles;
  request.scopes = kClinicianScopes;
  Result<std::string> token = issuer->Issue(request);
  return token.ok() ? *token : "";
}

json FaultReport(const SandboxEhr& sandbox) {
  std::unique_ptr<http::Client> client = http::MakeClient();
  http::ClientRequest request;
  request.method = "GET";
  request.url = sandbox.admin_base() + "/__admin/faults";
  Result<http::ClientResponse> response = client->Send(request);
  if (!response.ok())
    return {{"error", response.status().ToString()}};
  json report = json::parse(response->body, nullptr, false);
  if (response->status != 200 || !report.is_object())
    return {{"error", "GET /__admin/faults answered " + std::to_string(response->status)}};
  return report;
}

}  // namespace medulla::testing
