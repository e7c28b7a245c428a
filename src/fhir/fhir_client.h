// A FHIR R4 REST client for one EHR base URL. It speaks HTTP and FHIR only; deciding what
// may be written, and retrying, belong to the integration service and the adapters above it.
//
// With a TokenSource every call carries `Authorization: Bearer`; a 401 invalidates the token,
// and the call is sent once more with a fresh one. Error codes, for every method:
// kInvalidArgument when the EHR refuses the content (400/422, with the OperationOutcome's
// diagnostics), kPermissionDenied for 401/403, kNotFound for 404/410, kConflict for 409/412,
// kFailedPrecondition for 405 (the EHR does not support the interaction), kUnavailable for
// 429/5xx and connection failures, kDeadlineExceeded on timeouts. Thread-safe when the
// http::Client and TokenSource are.
#pragma once

#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "fhir/intent.h"

namespace medulla::http {
class Client;
struct ClientRequest;
struct ClientResponse;
}  // namespace medulla::http

namespace medulla::fhir {

class TokenSource;

// What a write came to, with the EHR's Retry-After when it asked the caller to wait.
struct WriteAnswer {
  Status status = Status::Ok();
  std::optional<std::chrono::milliseconds> retry_after;
  std::string reference;  // "Type/id"
  std::string version;    // meta.versionId or the ETag's; empty when the EHR does not version
  bool created = false;
  nlohmann::json resource;  // the stored resource when the EHR returned it
};

struct SearchAnswer {
  Status status = Status::Ok();
  std::optional<std::chrono::milliseconds> retry_after;
  std::vector<nlohmann::json> resources;
  bool truncated = false;  // more pages existed beyond the page cap
};

struct FhirClientOptions {
  TokenSource* tokens = nullptr;  // not owned; must outlive the client
  bool prefer_representation = true;
  int page_cap = 20;  // next links followed at most this many times per search
};

class FhirClient {
 public:
  // `client` must outlive this object. `base_url` has no trailing slash.
  FhirClient(std::string base_url, http::Client& client);
  FhirClient(std::string base_url, http::Client& client, FhirClientOptions options);

  // Reads "Type/id". kNotFound for 404 and 410.
  Result<nlohmann::json> Read(const std::string& reference);

  // Searches `type` with `params` and returns the resources of every page, following `next`
  // links (offset or cursor style, on this base URL only) up to the page cap.
  Result<std::vector<nlohmann::json>> Search(const std::string& type,
                                             const std::map<std::string, std::string>& params);
  SearchAnswer SearchPages(const std::string& type,
                           const std::map<std::string, std::string>& params);

  // Creates `resource` unless one with `identifier` exists (If-None-Exist), so that a repeated
  // call never leaves a second resource.
  WriteAnswer CreateConditional(const nlohmann::json& resource, const Identifier& identifier);

  // Creates `resource` without a condition, for servers that lack conditional create: the
  // caller is responsible for not writing a copy.
  WriteAnswer Create(const nlohmann::json& resource);

  // Replaces "Type/id" with `resource` (its id set to match). With a non-empty
  // `if_match_version` the EHR refuses (kConflict) when its version differs.
  WriteAnswer Update(const std::string& reference, const nlohmann::json& resource,
                     const std::string& if_match_version);

  const std::string& base_url() const { return base_url_; }

 private:
  // Sends with the bearer token, retrying once with a fresh one after a 401.
  Result<http::ClientResponse> Send(http::ClientRequest request);
  // `known_reference` names the resource when the answer may not (an update without a body).
  WriteAnswer Write(http::ClientRequest request, const std::string& what,
                    const std::string& known_reference);

  std::string base_url_;
  http::Client* client_;
  FhirClientOptions options_;
};

// Parses a Retry-After value: delay seconds or an HTTP date (relative to `now`).
std::optional<std::chrono::milliseconds> ParseRetryAfter(const std::string& value,
                                                         std::chrono::system_clock::time_point now);

}  // namespace medulla::fhir
