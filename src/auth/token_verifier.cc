#include "auth/claims.h"
#include "auth/jws.h"
#include "auth/jwt.h"

namespace medulla::auth {

struct TokenVerifier::Keys {
  KeySet set;
};

Result<TokenVerifier> TokenVerifier::FromJwks(const nlohmann::json& jwks, VerifierOptions options,
                                              const Clock& clock) {
  if (options.issuer.empty() || options.audience.empty()) {
    return InvalidArgument("the verifier needs an issuer and an audience");
  }
  if (options.allowed_skew < std::chrono::seconds(0) ||
      options.allowed_skew > std::chrono::seconds(60)) {
    return InvalidArgument("the allowed clock skew must be between 0 and 60 seconds");
  }
  if (options.allowed_algs.empty()) {
    return InvalidArgument("the verifier needs at least one allowed algorithm");
  }

  ASSIGN_OR_RETURN(KeySet set, KeySet::FromJwks(jwks));
  auto keys = std::make_unique<Keys>(Keys{std::move(set)});
  return TokenVerifier(std::move(keys), std::move(options), clock);
}

Result<Principal> TokenVerifier::Verify(std::string_view token) const {
  ASSIGN_OR_RETURN(jws::ParsedToken parsed, jws::ParseCompact(token, options_.allowed_algs));
  RETURN_IF_ERROR(jws::CheckSignature(parsed, keys_->set));

  ASSIGN_OR_RETURN(nlohmann::json claims, jws::DecodeClaims(parsed));
  return PrincipalFromClaims(claims);
}

Result<Principal> TokenVerifier::PrincipalFromClaims(const nlohmann::json& claims) const {
  claims::PrincipalRules rules{options_.issuer, options_.audience, options_.allowed_skew, ""};
  return claims::PrincipalFromClaims(claims, rules, clock_->Now());
}

TokenVerifier::TokenVerifier(std::unique_ptr<Keys> keys, VerifierOptions options,
                             const Clock& clock)
    : keys_(std::move(keys)), options_(std::move(options)), clock_(&clock) {}

TokenVerifier::TokenVerifier(TokenVerifier&&) noexcept = default;
TokenVerifier& TokenVerifier::operator=(TokenVerifier&&) noexcept = default;
TokenVerifier::~TokenVerifier() = default;

}  // namespace medulla::auth
