#include "fhir/fhir_client.h"

#include "http/client.h"

namespace medulla::fhir {
namespace {

using nlohmann::json;

constexpr char kFhirJson[] = "application/fhir+json";

// Collects the OperationOutcome's issue diagnostics. They name paths and rules, not values,
// in the engines Medulla talks to; they are kept off logs all the same.
std::string OutcomeDiagnostics(const std::string& body) {
  json outcome = json::parse(body, nullptr, false);
  if (!outcome.is_object() || !outcome.contains("issue"))
    return "no OperationOutcome";
  std::string out;
  for (const json& issue : outcome["issue"]) {
    if (!out.empty())
      out += "; ";
    out += issue.value("diagnostics", issue.value("code", "issue"));
    if (issue.contains("expression") && issue["expression"].is_array() &&
        !issue["expression"].empty()) {
      out += " at " + issue["expression"][0].get<std::string>();
    }
  }
  return out;
}

Status StatusForHttp(int status, const std::string& body, const std::string& what) {
  if (status == 400 || status == 422) {
    return InvalidArgument(what + " refused by the EHR: " + OutcomeDiagnostics(body));
  }
  if (status == 401 || status == 403)
    return PermissionDenied(what + " not authorised by EHR");
  if (status == 404 || status == 410)
    return NotFound(what + " not found in the EHR");
  if (status == 409 || status == 412) {
    return Conflict(what + " conflicted in the EHR (" + std::to_string(status) + ")");
  }
  if (status == 429 || status >= 500) {
    return Unavailable(what + " failed: EHR answered " + std::to_string(status));
  }
  return Internal(what + ": unexpected EHR status " + std::to_string(status));
}

Result<json> ParseResource(const std::string& body) {
  json resource = json::parse(body, nullptr, false);
  if (!resource.is_object() || !resource.contains("resourceType")) {
    return Internal("EHR answered with something that is not a FHIR resource");
  }
  return resource;
}

}  // namespace

FhirClient::FhirClient(std::string base_url, http::Client& client)
    : base_url_(std::move(base_url)), client_(&client) {}

Result<json> FhirClient::Read(const std::string& reference) {
  http::ClientRequest request;
  request.url = base_url_ + "/" + reference;
  request.headers["Accept"] = kFhirJson;

  ASSIGN_OR_RETURN(http::ClientResponse response, client_->Send(request));
  if (response.status != 200)
    return StatusForHttp(response.status, response.body, "read");
  return ParseResource(response.body);
}

Result<std::vector<json>> FhirClient::Search(const std::string& type,
                                             const std::map<std::string, std::string>& params) {
  std::string query;
  for (const auto& [name, value] : params) {
    query += query.empty() ? "?" : "&";
    query += name + "=" + http::UrlEncode(value);
  }
  http::ClientRequest request;
  request.url = base_url_ + "/" + type + query;
  request.headers["Accept"] = kFhirJson;

  ASSIGN_OR_RETURN(http::ClientResponse response, client_->Send(request));
  if (response.status != 200)
    return StatusForHttp(response.status, response.body, "search");
  ASSIGN_OR_RETURN(json bundle, ParseResource(response.body));

  std::vector<json> resources;
  for (const json& entry : bundle.value("entry", json::array())) {
    if (entry.contains("resource"))
      resources.push_back(entry["resource"]);
  }
  return resources;
}

Result<CreateOutcome> FhirClient::CreateIfNoneExist(const json& resource,
                                                    const Identifier& identifier) {
  const std::string type = resource.value("resourceType", "");
  if (type.empty())
    return InvalidArgument("resource lacks resourceType");

  http::ClientRequest request;
  request.method = "POST";
  request.url = base_url_ + "/" + type;
  request.headers["Content-Type"] = kFhirJson;
  request.headers["Accept"] = kFhirJson;
  request.headers["If-None-Exist"] =
      "identifier=" + http::UrlEncode(identifier.system + "|" + identifier.value);
  request.headers["Prefer"] = "return=representation";
  request.body = resource.dump();

  ASSIGN_OR_RETURN(http::ClientResponse response, client_->Send(request));
  if (response.status != 200 && response.status != 201) {
    return StatusForHttp(response.status, response.body, "create " + type);
  }
  ASSIGN_OR_RETURN(json stored, ParseResource(response.body));
  if (!stored.contains("id"))
    return Internal("EHR created a resource without an id");

  return CreateOutcome{type + "/" + stored["id"].get<std::string>(), response.status == 201};
}

}  // namespace medulla::fhir
