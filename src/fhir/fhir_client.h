// A FHIR R4 REST client for one EHR base URL. It speaks HTTP and FHIR only; deciding what
// may be written, and retrying, belong to the integration service above it.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "common/status.h"
#include "fhir/intent.h"

namespace medulla::http {
class Client;
}

namespace medulla::fhir {

struct CreateOutcome {
  std::string reference;  // "DocumentReference/123"
  bool created = false;   // false: the EHR already held a resource with this identifier
};

class FhirClient {
 public:
  // `client` must outlive this object. `base_url` has no trailing slash.
  FhirClient(std::string base_url, http::Client& client);

  // Reads "Type/id". kNotFound for 404 and 410.
  Result<nlohmann::json> Read(const std::string& reference);

  // Searches `type` with `params` and returns the resources of the first page.
  Result<std::vector<nlohmann::json>> Search(const std::string& type,
                                             const std::map<std::string, std::string>& params);

  // Creates `resource` unless one with `identifier` exists (If-None-Exist), so that a repeated
  // call never leaves a second resource. Errors: kInvalidArgument when the EHR refuses the
  // resource (400/422, with the OperationOutcome's diagnostics), kUnavailable for 429/5xx and
  // connection failures (retryable), kConflict for 409/412, kPermissionDenied for 401/403.
  Result<CreateOutcome> CreateIfNoneExist(const nlohmann::json& resource,
                                          const Identifier& identifier);

  const std::string& base_url() const { return base_url_; }

 private:
  std::string base_url_;
  http::Client* client_;
};

}  // namespace medulla::fhir
