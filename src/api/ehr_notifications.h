// The door EHRs call back through: FHIR R4 rest-hook Subscription notifications. The EHR sends
// the shared secret it was given when Medulla subscribed, as a bearer token; the notification
// carries the changed resource (or a Bundle of them), which the observer records on the task
// that wrote it. Nothing but the secret is trusted: the observer reads only Medulla's own
// write-backs out of a notification and ignores everything else in it.
#pragma once

#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "common/status.h"
#include "http/server.h"

namespace medulla::api {

struct EhrNotificationSettings {
  std::map<std::string, std::string> secrets;  // tenant -> the secret its EHR presents
  // Records the changes a notification shows; returns how many it recorded.
  std::function<Result<int>(const std::string& tenant, const nlohmann::json& body)> observe;
};

// POST /v1/ehr/notifications/{tenant}: 200 {recorded}; 401 problem+json for an unknown tenant
// or a wrong secret (the two are not told apart); 400 for a body that is not JSON.
void AddEhrNotificationRoutes(http::Router& router, EhrNotificationSettings settings);

}  // namespace medulla::api
