#include "api/ehr_notifications.h"

#include <openssl/crypto.h>

#include "common/log.h"
#include "common/metrics.h"

namespace medulla::api {
namespace {

using nlohmann::json;

bool SameSecret(const std::string& presented, const std::string& expected) {
  return !expected.empty() && presented.size() == expected.size() &&
         CRYPTO_memcmp(presented.data(), expected.data(), expected.size()) == 0;
}

bool Authorised(const EhrNotificationSettings& settings, const std::string& tenant,
                const http::Request& request) {
  auto secret = settings.secrets.find(tenant);
  if (secret == settings.secrets.end())
    return false;
  const std::string header = request.Header("Authorization");
  const std::string prefix = "Bearer ";
  if (header.compare(0, prefix.size(), prefix) != 0)
    return false;
  return SameSecret(header.substr(prefix.size()), secret->second);
}

http::Response Receive(const EhrNotificationSettings& settings, const std::string& tenant,
                       const http::Request& request) {
  if (!Authorised(settings, tenant, request)) {
    log::Warn("api", "ehr.notification_refused", {{"reason", "unknown tenant or wrong secret"}});
    return http::Response::Problem(401, "Unauthenticated",
                                   "the notification's credentials were not accepted");
  }
  if (request.body.empty())
    return http::Response::Json(200, {{"recorded", 0}});  // a heartbeat or an id-only ping

  json body = json::parse(request.body, nullptr, false);
  if (body.is_discarded() || !body.is_object()) {
    return http::Response::Problem(400, "Bad notification",
                                   "the notification body is not a FHIR resource");
  }
  Result<int> recorded = settings.observe(tenant, body);
  if (!recorded.ok())
    return http::Response::Problem(recorded.status());
  metrics::Increment("medulla_ehr_notifications_total", "EHR notifications received.",
                     {{"tenant", tenant}});
  return http::Response::Json(200, {{"recorded", *recorded}});
}

}  // namespace

void AddEhrNotificationRoutes(http::Router& router, EhrNotificationSettings settings) {
  auto shared = std::make_shared<const EhrNotificationSettings>(std::move(settings));
  router.Add("POST", "/v1/ehr/notifications/{tenant}",
             [shared](const http::Request& request, const http::PathParams& params) {
               return Receive(*shared, params.at("tenant"), request);
             });
}

}  // namespace medulla::api
