#include "support/sandbox_ehr.h"

#include <array>
#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "http/client.h"

namespace medulla::testing {
namespace {

std::string RunAndCapture(const std::string& command) {
  std::array<char, 512> buffer{};
  std::string output;
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr)
    return output;
  while (fgets(buffer.data(), buffer.size(), pipe) != nullptr)
    output += buffer.data();
  if (pclose(pipe) != 0)
    return "";
  return output;
}

nlohmann::json AdminCall(const std::string& method, const std::string& url,
                         const nlohmann::json& body) {
  auto client = http::MakeClient();
  http::ClientRequest request;
  request.method = method;
  request.url = url;
  if (!body.is_null()) {
    request.headers["Content-Type"] = "application/json";
    request.body = body.dump();
  }
  Result<http::ClientResponse> response = client->Send(request);
  if (!response.ok())
    return {{"error", response.status().ToString()}};
  nlohmann::json answer = nlohmann::json::parse(response->body, nullptr, false);
  if (response->status >= 300 || answer.is_discarded()) {
    return {{"error", "admin call answered " + std::to_string(response->status)},
            {"body", response->body}};
  }
  return answer;
}

}  // namespace

std::string SandboxEhr::PersonaSegment(const std::string& persona) {
  if (persona == "ecw")
    return "FEIGCD";
  if (persona == "advancedmd")
    return "1";
  if (persona == "veradigm")
    return "CP00101";
  if (persona == "athena")
    return "195900";
  return "";
}

nlohmann::json SandboxEhr::RegisterClient(const std::string& persona, const std::string& client_id,
                                          const nlohmann::json& jwks) const {
  return AdminCall("POST", admin_base_ + "/__admin/clients",
                   {{"persona", persona}, {"client_id", client_id}, {"jwks", jwks}});
}

nlohmann::json SandboxEhr::ExpireTokens(const std::string& persona) const {
  return AdminCall("POST", admin_base_ + "/__admin/tokens/expire", {{"persona", persona}});
}

nlohmann::json SandboxEhr::SetFaults(const nlohmann::json& faults) const {
  return AdminCall("POST", admin_base_ + "/__admin/faults", faults);
}

nlohmann::json SandboxEhr::ClearFaults() const {
  return AdminCall("DELETE", admin_base_ + "/__admin/faults", nullptr);
}

nlohmann::json SandboxEhr::SetConditionalCreateMode(const std::string& mode) const {
  return AdminCall("POST", admin_base_ + "/__admin/conditional-create",
                   {{"mode", mode}, {"pause_ms", 50}});
}

nlohmann::json SandboxEhr::Duplicates(const std::string& persona, const std::string& system) const {
  return AdminCall("GET",
                   admin_base_ + "/__admin/duplicates?system=" + http::UrlEncode(system) +
                       "&persona=" + http::UrlEncode(persona),
                   nullptr);
}

std::unique_ptr<SandboxEhr> SandboxEhr::Start() {
  std::unique_ptr<SandboxEhr> sandbox(new SandboxEhr());
  std::string url = RunAndCapture("sandbox/ehr/run.sh start " + sandbox->state_.path());
  while (!url.empty() && (url.back() == '\n' || url.back() == '\r'))
    url.pop_back();
  if (url.rfind("http://127.0.0.1:", 0) != 0) {
    std::cerr << "the sandbox EHR did not start; its log is in " << sandbox->state_.path()
              << "/ehr.log\n";
    std::abort();
  }
  sandbox->fhir_base_ = url;
  sandbox->admin_base_ = url.substr(0, url.find("/fhir/"));
  return sandbox;
}

SandboxEhr::~SandboxEhr() {
  std::string command = "sandbox/ehr/run.sh stop " + state_.path() + " > /dev/null 2>&1";
  if (std::system(command.c_str()) != 0) {
    std::cerr << "the sandbox EHR did not stop cleanly\n";
  }
}

}  // namespace medulla::testing
