// Reading registered and Medulla claims out of a verified JWT body. Internal to the auth
// part. Refusals carry kUnauthenticated and a short message safe to show the caller.
#pragma once

#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "auth/principal.h"
#include "common/status.h"
#include "common/time.h"

namespace medulla::auth::claims {

int64_t EpochSeconds(TimePoint at);

// Returns a NumericDate claim in whole seconds, or nullopt when absent or not a number.
std::optional<int64_t> NumericDate(const nlohmann::json& claims, const char* name);

// Returns a string claim, or "" when absent or not a string.
std::string String(const nlohmann::json& claims, const char* name);

// True when `aud` is `audience` or an array containing it.
bool AudienceMatches(const nlohmann::json& aud, const std::string& audience);

std::vector<std::string> SplitScopes(const std::string& scope);
std::string JoinScopes(const std::vector<std::string>& scopes);

// Refuses a missing exp ("token lacks exp"), now at or past exp + skew ("token expired") and
// nbf or iat later than now + skew ("token not yet valid").
Status CheckTimes(const nlohmann::json& claims, TimePoint now, std::chrono::seconds skew);

struct PrincipalRules {
  std::string issuer;
  std::string audience;
  std::chrono::seconds skew{60};
  // When set, the tenant the principal acts in regardless of the token; a tenant claim that
  // names another is refused. When empty, the token's tenant claim is required.
  std::string configured_tenant;
};

// Checks times, iss and aud, then reads sub, tenant, roles, scope, sid, jti and
// purpose_of_use into a principal.
Result<Principal> PrincipalFromClaims(const nlohmann::json& claims, const PrincipalRules& rules,
                                      TimePoint now);

}  // namespace medulla::auth::claims
