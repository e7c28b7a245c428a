#include "fhir/fhir_client.h"

#include <ctime>

#include "fhir/resource_mapping.h"
#include "fhir/smart_backend_auth.h"
#include "http/client.h"

namespace medulla::fhir {
namespace {

using nlohmann::json;

constexpr char kFhirJson[] = "application/fhir+json";

// Collects the OperationOutcome's issue diagnostics. They name paths and rules, not values,
// in the engines Medulla talks to; they are kept off logs all the same.
std::string OutcomeDiagnostics(const std::string& body) {
  json outcome = json::parse(body, nullptr, false);
  if (!outcome.is_object() || !outcome.contains("issue") || !outcome["issue"].is_array())
    return "no OperationOutcome";
  std::string out;
  for (const json& issue : outcome["issue"]) {
    if (!issue.is_object())
      continue;
    if (!out.empty())
      out += "; ";
    out += issue.value("diagnostics", issue.value("code", "issue"));
    if (issue.contains("expression") && issue["expression"].is_array() &&
        !issue["expression"].empty() && issue["expression"][0].is_string()) {
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
  if (status == 405)
    return FailedPrecondition(what + " not supported by the EHR");
  if (status == 409 || status == 412) {
    return Conflict(what + " conflicted in the EHR (" + std::to_string(status) + ")");
  }
  if (status == 429 || status >= 500) {
    return Unavailable(what + " failed: EHR answered " + std::to_string(status));
  }
  return Internal(what + ": unexpected EHR status " + std::to_string(status));
}

std::optional<std::chrono::milliseconds> RetryAfterOf(const http::ClientResponse& response) {
  if (response.status != 429 && response.status != 503)
    return std::nullopt;
  return ParseRetryAfter(response.Header("Retry-After"), std::chrono::system_clock::now());
}

Result<json> ParseResource(const std::string& body) {
  json resource = json::parse(body, nullptr, false);
  if (!resource.is_object() || !resource.contains("resourceType")) {
    return Internal("EHR answered with something that is not a FHIR resource");
  }
  return resource;
}

// The version from meta.versionId, else from an ETag such as W/"3".
std::string VersionOf(const json& resource, const std::string& etag) {
  if (std::string version = VersionIdOf(resource); !version.empty())
    return version;
  const size_t open = etag.find('"');
  const size_t close = etag.rfind('"');
  if (open == std::string::npos || close <= open)
    return "";
  return etag.substr(open + 1, close - open - 1);
}

// "Type/id" out of a Location header "<base>/Type/id/_history/2", for EHRs that answer a
// create with no body.
std::string ReferenceFromLocation(const std::string& location, const std::string& type) {
  const std::string marker = "/" + type + "/";
  const size_t at = location.rfind(marker);
  if (at == std::string::npos)
    return "";
  std::string id = location.substr(at + marker.size());
  id = id.substr(0, id.find('/'));
  return id.empty() ? "" : type + "/" + id;
}

std::string NextLink(const json& bundle) {
  for (const json& link : bundle.value("link", json::array())) {
    if (link.is_object() && link.value("relation", "") == "next" && link.contains("url") &&
        link["url"].is_string()) {
      return link["url"].get<std::string>();
    }
  }
  return "";
}

WriteAnswer Refused(Status status) {
  WriteAnswer answer;
  answer.status = std::move(status);
  return answer;
}

}  // namespace

std::optional<std::chrono::milliseconds> ParseRetryAfter(
    const std::string& value, std::chrono::system_clock::time_point now) {
  if (value.empty())
    return std::nullopt;
  if (value.find_first_not_of("0123456789") == std::string::npos && value.size() < 9)
    return std::chrono::seconds(std::stol(value));

  std::tm parts{};
  const char* end = strptime(value.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &parts);
  if (end == nullptr || *end != '\0')
    return std::nullopt;
  const auto at = std::chrono::system_clock::from_time_t(timegm(&parts));
  if (at <= now)
    return std::chrono::milliseconds(0);
  return std::chrono::duration_cast<std::chrono::milliseconds>(at - now);
}

FhirClient::FhirClient(std::string base_url, http::Client& client)
    : FhirClient(std::move(base_url), client, FhirClientOptions{}) {}

FhirClient::FhirClient(std::string base_url, http::Client& client, FhirClientOptions options)
    : base_url_(std::move(base_url)), client_(&client), options_(options) {}

Result<http::ClientResponse> FhirClient::Send(http::ClientRequest request) {
  if (options_.tokens == nullptr)
    return client_->Send(request);

  ASSIGN_OR_RETURN(std::string token, options_.tokens->BearerToken());
  request.headers["Authorization"] = "Bearer " + token;
  ASSIGN_OR_RETURN(http::ClientResponse response, client_->Send(request));
  if (response.status != 401)
    return response;

  // The EHR may expire or revoke a token before the lifetime it announced.
  options_.tokens->Invalidate();
  ASSIGN_OR_RETURN(token, options_.tokens->BearerToken());
  request.headers["Authorization"] = "Bearer " + token;
  return client_->Send(request);
}

Result<json> FhirClient::Read(const std::string& reference) {
  http::ClientRequest request;
  request.url = base_url_ + "/" + reference;
  request.headers["Accept"] = kFhirJson;

  ASSIGN_OR_RETURN(http::ClientResponse response, Send(request));
  if (response.status != 200)
    return StatusForHttp(response.status, response.body, "read");
  return ParseResource(response.body);
}

Result<std::vector<json>> FhirClient::Search(const std::string& type,
                                             const std::map<std::string, std::string>& params) {
  SearchAnswer answer = SearchPages(type, params);
  if (!answer.status.ok())
    return answer.status;
  return std::move(answer.resources);
}

SearchAnswer FhirClient::SearchPages(const std::string& type,
                                     const std::map<std::string, std::string>& params) {
  std::string query;
  for (const auto& [name, value] : params) {
    query += query.empty() ? "?" : "&";
    query += name + "=" + http::UrlEncode(value);
  }
  SearchAnswer answer;
  std::string url = base_url_ + "/" + type + query;

  for (int page = 0; !url.empty(); ++page) {
    if (page > options_.page_cap) {
      answer.truncated = true;
      break;
    }
    http::ClientRequest request;
    request.url = url;
    request.headers["Accept"] = kFhirJson;

    Result<http::ClientResponse> response = Send(request);
    if (!response.ok()) {
      answer.status = response.status();
      return answer;
    }
    if (response->status != 200) {
      answer.status = StatusForHttp(response->status, response->body, "search");
      answer.retry_after = RetryAfterOf(*response);
      return answer;
    }
    Result<json> bundle = ParseResource(response->body);
    if (!bundle.ok()) {
      answer.status = bundle.status();
      return answer;
    }
    for (const json& entry : bundle->value("entry", json::array())) {
      if (entry.is_object() && entry.contains("resource"))
        answer.resources.push_back(entry["resource"]);
    }

    // A next link off this base would carry the bearer token elsewhere; it ends the search.
    url = NextLink(*bundle);
    if (!url.empty() && url.rfind(base_url_ + "/", 0) != 0 && url.rfind(base_url_ + "?", 0) != 0)
      url.clear();
  }
  return answer;
}

WriteAnswer FhirClient::Write(http::ClientRequest request, const std::string& what,
                              const std::string& known_reference) {
  request.headers["Content-Type"] = kFhirJson;
  request.headers["Accept"] = kFhirJson;
  if (options_.prefer_representation)
    request.headers["Prefer"] = "return=representation";

  WriteAnswer answer;
  Result<http::ClientResponse> response = Send(request);
  if (!response.ok()) {
    answer.status = response.status();
    return answer;
  }
  if (response->status != 200 && response->status != 201) {
    answer.status = StatusForHttp(response->status, response->body, what);
    answer.retry_after = RetryAfterOf(*response);
    return answer;
  }

  answer.created = response->status == 201;
  json stored = json::parse(response->body, nullptr, false);
  const std::string type = json::parse(request.body, nullptr, false).value("resourceType", "");
  if (stored.is_object() && stored.contains("id") && stored["id"].is_string()) {
    answer.reference = stored.value("resourceType", type) + "/" + stored["id"].get<std::string>();
    answer.resource = std::move(stored);
  } else if (!known_reference.empty()) {
    answer.reference = known_reference;
  } else {
    answer.reference = ReferenceFromLocation(response->Header("Location"), type);
  }
  if (answer.reference.empty()) {
    answer.status = Internal(what + ": the EHR answered without an id");
    return answer;
  }
  answer.version = VersionOf(answer.resource, response->Header("ETag"));
  return answer;
}

WriteAnswer FhirClient::CreateConditional(const json& resource, const Identifier& identifier) {
  const std::string type = resource.value("resourceType", "");
  if (type.empty())
    return Refused(InvalidArgument("resource lacks resourceType"));

  http::ClientRequest request;
  request.method = "POST";
  request.url = base_url_ + "/" + type;
  request.headers["If-None-Exist"] =
      "identifier=" + http::UrlEncode(identifier.system + "|" + identifier.value);
  request.body = resource.dump();
  return Write(std::move(request), "create " + type, "");
}

WriteAnswer FhirClient::Create(const json& resource) {
  const std::string type = resource.value("resourceType", "");
  if (type.empty())
    return Refused(InvalidArgument("resource lacks resourceType"));

  http::ClientRequest request;
  request.method = "POST";
  request.url = base_url_ + "/" + type;
  request.body = resource.dump();
  return Write(std::move(request), "create " + type, "");
}

WriteAnswer FhirClient::Update(const std::string& reference, const json& resource,
                               const std::string& if_match_version) {
  const size_t slash = reference.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 == reference.size())
    return Refused(InvalidArgument("update needs a reference of the form Type/id"));
  const std::string type = reference.substr(0, slash);
  if (resource.value("resourceType", "") != type)
    return Refused(InvalidArgument("update's resource is not a " + type));

  json body = resource;
  body["id"] = reference.substr(slash + 1);
  http::ClientRequest request;
  request.method = "PUT";
  request.url = base_url_ + "/" + reference;
  if (!if_match_version.empty())
    request.headers["If-Match"] = "W/\"" + if_match_version + "\"";
  request.body = body.dump();
  return Write(std::move(request), "update " + type, reference);
}

}  // namespace medulla::fhir
