#include "replay/replay_ehr.h"

#include "fhir/consent.h"
#include "http/url.h"

namespace medulla::replay {
namespace {

using nlohmann::json;

http::ClientResponse Answer(int status, const json& body) {
  http::ClientResponse response;
  response.status = status;
  response.headers["Content-Type"] = "application/fhir+json";
  response.body = body.dump();
  return response;
}

json Outcome(const std::string& diagnostics) {
  return {{"resourceType", "OperationOutcome"},
          {"issue",
           json::array(
               {{{"severity", "error"}, {"code", "processing"}, {"diagnostics", diagnostics}}})}};
}

// The query value of `name` in a URL, decoded; empty when absent or malformed.
std::string QueryValue(const std::string& url, const std::string& name) {
  size_t query = url.find('?');
  if (query == std::string::npos)
    return "";
  Result<std::map<std::string, std::string>> params = http::ParseQuery(url.substr(query + 1));
  if (!params.ok() || params->count(name) == 0)
    return "";
  return params->at(name);
}

}  // namespace

Result<http::ClientResponse> ReplayEhr::Send(const http::ClientRequest& request) {
  if (request.method == "GET" && request.url.find("/Consent?") != std::string::npos)
    return ConsentSearch(QueryValue(request.url, "patient"));
  if (request.method == "POST")
    return ConditionalCreate(request);
  return Answer(404, Outcome("replay holds no recorded answer for this request"));
}

http::ClientResponse ReplayEhr::ConsentSearch(const std::string& patient) const {
  if (recording_->consent_unanswered.count(patient) > 0)
    return Answer(503, Outcome("the recorded consent check got no answer"));
  json bundle = {{"resourceType", "Bundle"}, {"type", "searchset"}, {"entry", json::array()}};
  auto permitted = recording_->permitted_purposes.find(patient);
  if (permitted == recording_->permitted_purposes.end())
    return Answer(200, bundle);

  json purposes = json::array();
  for (const std::string& purpose : permitted->second) {
    purposes.push_back({{"system", fhir::kActReasonSystem}, {"code", purpose}});
  }
  bundle["entry"].push_back({{"resource",
                              {{"resourceType", "Consent"},
                               {"id", "recorded"},
                               {"status", "active"},
                               {"provision", {{"type", "permit"}, {"purpose", purposes}}}}}});
  return Answer(200, bundle);
}

http::ClientResponse ReplayEhr::ConditionalCreate(const http::ClientRequest& request) const {
  auto header = request.headers.find("If-None-Exist");
  std::string identifier =
      header == request.headers.end() ? "" : QueryValue("?" + header->second, "identifier");
  std::string intent_id = identifier.substr(identifier.rfind('|') + 1);
  auto write = recording_->writes.find(intent_id);
  if (write == recording_->writes.end() || write->second.status == "held") {
    return Answer(503, Outcome("replay: this write was not made in the recording"));
  }
  const RecordedWrite& recorded = write->second;
  if (recorded.status == "failed") {
    return Answer(recorded.retryable ? 503 : 400, Outcome(recorded.reason));
  }
  json stored = json::parse(request.body, nullptr, false);
  stored["id"] = recorded.reference.substr(recorded.reference.find('/') + 1);
  return Answer(recorded.outcome == "created" ? 201 : 200, stored);
}

}  // namespace medulla::replay
