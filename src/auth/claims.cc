#include "auth/claims.h"

#include <algorithm>
#include <cmath>

namespace medulla::auth::claims {
namespace {

// NumericDates are clamped to about 300,000 years either side of the epoch, so that adding
// the skew can never overflow.
constexpr int64_t kNumericDateLimit = int64_t{1} << 43;

// Purposes of use are codes ("treatment", "TREAT", "payment"); anything longer or with other
// characters is refused so that free text never reaches an event's actor.
constexpr size_t kMaximumPurposeLength = 64;

Status Refuse(std::string reason) {
  return Unauthenticated(std::move(reason));
}

Result<std::vector<std::string>> Roles(const nlohmann::json& claims) {
  auto found = claims.find("roles");
  if (found == claims.end()) {
    return std::vector<std::string>{};
  }
  if (!found->is_array()) {
    return Refuse("token is malformed");
  }
  std::vector<std::string> roles;
  for (const nlohmann::json& role : *found) {
    if (!role.is_string()) {
      return Refuse("token is malformed");
    }
    roles.push_back(role.get<std::string>());
  }
  return roles;
}

bool IsCode(const std::string& text) {
  return !text.empty() && text.size() <= kMaximumPurposeLength &&
         std::all_of(text.begin(), text.end(), [](char c) {
           return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '_' || c == '-' || c == '.' || c == ':';
         });
}

Result<std::string> PurposeOfUse(const nlohmann::json& claims) {
  auto found = claims.find("purpose_of_use");
  if (found == claims.end()) {
    return std::string("treatment");
  }
  if (!found->is_string() || !IsCode(found->get<std::string>())) {
    return Refuse("token has an unreadable purpose_of_use");
  }
  return found->get<std::string>();
}

Result<std::string> Tenant(const nlohmann::json& claims, const std::string& configured) {
  std::string claimed = String(claims, "tenant");
  if (configured.empty()) {
    if (claimed.empty()) {
      return Refuse("token lacks tenant");
    }
    return claimed;
  }
  if (claims.contains("tenant") && claimed != configured) {
    return Refuse("token is for another tenant");
  }
  return configured;
}

}  // namespace

int64_t EpochSeconds(TimePoint at) {
  return std::chrono::duration_cast<std::chrono::seconds>(at.time_since_epoch()).count();
}

std::optional<int64_t> NumericDate(const nlohmann::json& claims, const char* name) {
  auto found = claims.find(name);
  if (found == claims.end() || !found->is_number()) {
    return std::nullopt;
  }

  double seconds = found->is_number_float()      ? found->get<double>()
                   : found->is_number_unsigned() ? static_cast<double>(found->get<uint64_t>())
                                                 : static_cast<double>(found->get<int64_t>());
  if (std::isnan(seconds)) {
    return std::nullopt;
  }
  double limit = static_cast<double>(kNumericDateLimit);
  return static_cast<int64_t>(std::floor(std::clamp(seconds, -limit, limit)));
}

std::string String(const nlohmann::json& claims, const char* name) {
  auto found = claims.find(name);
  if (found == claims.end() || !found->is_string()) {
    return "";
  }
  return found->get<std::string>();
}

bool AudienceMatches(const nlohmann::json& aud, const std::string& audience) {
  if (aud.is_string()) {
    return aud.get_ref<const std::string&>() == audience;
  }
  if (!aud.is_array()) {
    return false;
  }
  return std::any_of(aud.begin(), aud.end(), [&](const nlohmann::json& entry) {
    return entry.is_string() && entry.get_ref<const std::string&>() == audience;
  });
}

std::vector<std::string> SplitScopes(const std::string& scope) {
  std::vector<std::string> scopes;
  size_t start = 0;
  while (start < scope.size()) {
    size_t end = scope.find(' ', start);
    if (end == std::string::npos) {
      end = scope.size();
    }
    if (end > start) {
      scopes.push_back(scope.substr(start, end - start));
    }
    start = end + 1;
  }
  return scopes;
}

std::string JoinScopes(const std::vector<std::string>& scopes) {
  std::string joined;
  for (const std::string& scope : scopes) {
    if (!joined.empty()) {
      joined.push_back(' ');
    }
    joined += scope;
  }
  return joined;
}

Status CheckTimes(const nlohmann::json& claims, TimePoint now_at, std::chrono::seconds skew) {
  std::optional<int64_t> expires = NumericDate(claims, "exp");
  if (!expires) {
    return Refuse("token lacks exp");
  }

  int64_t now = EpochSeconds(now_at);
  if (now >= *expires + skew.count()) {
    return Refuse("token expired");
  }
  for (const char* name : {"nbf", "iat"}) {
    std::optional<int64_t> from = NumericDate(claims, name);
    if (from && *from > now + skew.count()) {
      return Refuse("token not yet valid");
    }
  }
  return Status::Ok();
}

Result<Principal> PrincipalFromClaims(const nlohmann::json& claims, const PrincipalRules& rules,
                                      TimePoint now) {
  RETURN_IF_ERROR(CheckTimes(claims, now, rules.skew));

  if (String(claims, "iss") != rules.issuer) {
    return Refuse("wrong issuer");
  }
  if (!AudienceMatches(claims.value("aud", nlohmann::json()), rules.audience)) {
    return Refuse("wrong audience");
  }

  Principal principal;
  principal.subject = String(claims, "sub");
  if (principal.subject.empty()) {
    return Refuse("token lacks sub");
  }
  ASSIGN_OR_RETURN(principal.tenant, Tenant(claims, rules.configured_tenant));

  ASSIGN_OR_RETURN(principal.roles, Roles(claims));
  ASSIGN_OR_RETURN(principal.purpose_of_use, PurposeOfUse(claims));
  principal.scopes = SplitScopes(String(claims, "scope"));
  principal.session_id = String(claims, "sid");
  principal.token_id = String(claims, "jti");
  principal.expires_at = TimePoint(std::chrono::seconds(*NumericDate(claims, "exp")));
  return principal;
}

}  // namespace medulla::auth::claims
