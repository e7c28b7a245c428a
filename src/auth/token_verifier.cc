#include <algorithm>
#include <cmath>
#include <map>
#include <optional>

#include "auth/jwt.h"
#include "auth/rs256.h"
#include "common/log.h"

namespace medulla::auth {

struct TokenVerifier::Keys {
  std::map<std::string, rs256::KeyPtr, std::less<>> by_kid;
};

namespace {

// Bearer tokens from Medulla's issuers are well under 4 KiB; anything far larger is refused
// before any decoding work is spent on it.
constexpr size_t kMaximumTokenSize = size_t{16} * 1024;

// NumericDates are clamped to about 300,000 years either side of the epoch, so that adding
// the skew can never overflow.
constexpr int64_t kNumericDateLimit = int64_t{1} << 43;

Status Refuse(std::string reason) {
  return Unauthenticated(std::move(reason));
}

// The three dot-separated parts of a compact JWS, still encoded.
struct CompactParts {
  std::string_view header;
  std::string_view claims;
  std::string_view signature;
};

std::optional<CompactParts> SplitCompact(std::string_view token) {
  size_t first = token.find('.');
  if (first == std::string_view::npos) {
    return std::nullopt;
  }
  size_t second = token.find('.', first + 1);
  if (second == std::string_view::npos || token.find('.', second + 1) != std::string_view::npos) {
    return std::nullopt;
  }
  return CompactParts{token.substr(0, first), token.substr(first + 1, second - first - 1),
                      token.substr(second + 1)};
}

Result<nlohmann::json> DecodeJsonObject(std::string_view encoded) {
  Result<std::string> text = Base64UrlDecode(encoded);
  if (!text.ok()) {
    return Refuse("token is malformed");
  }
  nlohmann::json value = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (!value.is_object()) {
    return Refuse("token is malformed");
  }
  return value;
}

// The refusal names the algorithm so that a caller can see what they sent, but only when
// it looks like an algorithm name: arbitrary token text never reaches a message.
Status RefuseAlgorithm(const nlohmann::json& alg) {
  if (!alg.is_string()) {
    return Refuse("token is malformed");
  }
  const std::string& name = alg.get_ref<const std::string&>();
  bool printable =
      !name.empty() && name.size() <= 16 && std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
      });
  return Refuse(printable ? "alg " + name + " is not accepted" : "alg is not accepted");
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

std::string StringClaim(const nlohmann::json& claims, const char* name) {
  auto found = claims.find(name);
  if (found == claims.end() || !found->is_string()) {
    return "";
  }
  return found->get<std::string>();
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

// A JWK is usable when it is an RSA signing key for RS256 with a kid and sound numbers.
Result<rs256::KeyPtr> KeyFromJwk(const nlohmann::json& jwk) {
  auto text = [&](const char* name) { return StringClaim(jwk, name); };
  if (text("kty") != "RSA" || text("kid").empty()) {
    return InvalidArgument("not an RSA key with a kid");
  }
  if (jwk.contains("use") && text("use") != "sig") {
    return InvalidArgument("not a signing key");
  }
  if (jwk.contains("alg") && text("alg") != "RS256") {
    return InvalidArgument("not an RS256 key");
  }

  Result<std::string> modulus = Base64UrlDecode(text("n"));
  Result<std::string> exponent = Base64UrlDecode(text("e"));
  if (!modulus.ok() || !exponent.ok()) {
    return InvalidArgument("the key's n or e is not base64url");
  }
  return rs256::PublicKeyFromModulus(*modulus, *exponent);
}

}  // namespace

Result<TokenVerifier> TokenVerifier::FromJwks(const nlohmann::json& jwks, VerifierOptions options,
                                              const Clock& clock) {
  if (options.issuer.empty() || options.audience.empty()) {
    return InvalidArgument("the verifier needs an issuer and an audience");
  }
  if (!jwks.is_object() || !jwks.contains("keys") || !jwks["keys"].is_array()) {
    return InvalidArgument("the key set has no keys array");
  }

  auto keys = std::make_unique<Keys>();
  for (const nlohmann::json& jwk : jwks["keys"]) {
    if (!jwk.is_object()) {
      continue;
    }
    Result<rs256::KeyPtr> key = KeyFromJwk(jwk);
    if (!key.ok()) {
      log::Debug("auth", "auth.jwks.key_skipped", {{"reason", key.status().message()}});
      continue;
    }
    std::string kid = StringClaim(jwk, "kid");
    if (!keys->by_kid.emplace(kid, std::move(key).value()).second) {
      log::Warn("auth", "auth.jwks.duplicate_kid", {{"kid", kid}});
    }
  }
  if (keys->by_kid.empty()) {
    return InvalidArgument("the key set holds no usable RS256 key");
  }
  return TokenVerifier(std::move(keys), std::move(options), clock);
}

Result<Principal> TokenVerifier::Verify(std::string_view token) const {
  std::optional<CompactParts> parts = SplitCompact(token);
  if (token.size() > kMaximumTokenSize || !parts) {
    return Refuse("token is malformed");
  }

  ASSIGN_OR_RETURN(nlohmann::json header, DecodeJsonObject(parts->header));
  if (header.value("alg", nlohmann::json()) != "RS256") {
    return RefuseAlgorithm(header.value("alg", nlohmann::json()));
  }
  if (header.contains("crit")) {
    return Refuse("token has unsupported critical headers");
  }

  auto key = keys_->by_kid.find(StringClaim(header, "kid"));
  if (key == keys_->by_kid.end()) {
    return Refuse("unknown signing key");
  }

  Result<std::string> signature = Base64UrlDecode(parts->signature);
  std::string_view signing_input = token.substr(0, parts->header.size() + 1 + parts->claims.size());
  if (!signature.ok() || !rs256::Verify(key->second.get(), signing_input, *signature)) {
    return Refuse("signature does not verify");
  }

  ASSIGN_OR_RETURN(nlohmann::json claims, DecodeJsonObject(parts->claims));
  return PrincipalFromClaims(claims);
}

Result<Principal> TokenVerifier::PrincipalFromClaims(const nlohmann::json& claims) const {
  std::optional<int64_t> expires = NumericDate(claims, "exp");
  if (!expires) {
    return Refuse("token lacks exp");
  }

  int64_t now =
      std::chrono::duration_cast<std::chrono::seconds>(clock_->Now().time_since_epoch()).count();
  int64_t skew = options_.allowed_skew.count();
  if (now >= *expires + skew) {
    return Refuse("token expired");
  }
  for (const char* name : {"nbf", "iat"}) {
    std::optional<int64_t> from = NumericDate(claims, name);
    if (from && *from > now + skew) {
      return Refuse("token not yet valid");
    }
  }

  if (StringClaim(claims, "iss") != options_.issuer) {
    return Refuse("wrong issuer");
  }
  if (!AudienceMatches(claims.value("aud", nlohmann::json()), options_.audience)) {
    return Refuse("wrong audience");
  }

  Principal principal;
  principal.subject = StringClaim(claims, "sub");
  principal.tenant = StringClaim(claims, "tenant");
  if (principal.subject.empty()) {
    return Refuse("token lacks sub");
  }
  if (principal.tenant.empty()) {
    return Refuse("token lacks tenant");
  }

  ASSIGN_OR_RETURN(principal.roles, Roles(claims));
  principal.scopes = SplitScopes(StringClaim(claims, "scope"));
  principal.session_id = StringClaim(claims, "sid");
  principal.token_id = StringClaim(claims, "jti");
  principal.expires_at = TimePoint(std::chrono::seconds(*expires));
  return principal;
}

TokenVerifier::TokenVerifier(std::unique_ptr<Keys> keys, VerifierOptions options,
                             const Clock& clock)
    : keys_(std::move(keys)), options_(std::move(options)), clock_(&clock) {}

TokenVerifier::TokenVerifier(TokenVerifier&&) noexcept = default;
TokenVerifier& TokenVerifier::operator=(TokenVerifier&&) noexcept = default;
TokenVerifier::~TokenVerifier() = default;

}  // namespace medulla::auth
