#include "auth/multi_issuer.h"

#include "auth/claims.h"
#include "auth/jws.h"

namespace medulla::auth {
namespace {

Status CheckConfig(const IssuerConfig& config) {
  if (config.issuer.empty() || config.audience.empty() || config.tenant.empty()) {
    return InvalidArgument("each issuer needs an issuer URL, an audience and a tenant");
  }
  if (config.allowed_algs.empty()) {
    return InvalidArgument("each issuer needs at least one allowed algorithm");
  }
  if (config.allowed_skew < std::chrono::seconds(0) ||
      config.allowed_skew > std::chrono::seconds(60)) {
    return InvalidArgument("the allowed clock skew must be between 0 and 60 seconds");
  }
  return Status::Ok();
}

}  // namespace

Result<MultiIssuerVerifier> MultiIssuerVerifier::Create(std::vector<IssuerConfig> issuers,
                                                        http::Client& client, const Clock& clock,
                                                        JwksCacheOptions cache_options) {
  if (issuers.empty()) {
    return InvalidArgument("at least one issuer must be configured");
  }

  std::map<std::string, Issuer, std::less<>> by_issuer;
  for (IssuerConfig& config : issuers) {
    RETURN_IF_ERROR(CheckConfig(config));
    if (by_issuer.count(config.issuer) > 0) {
      return InvalidArgument("an issuer is configured twice");
    }

    ASSIGN_OR_RETURN(
        std::unique_ptr<JwksCache> keys,
        JwksCache::Create(config.issuer, config.jwks_uri, client, clock, cache_options));
    std::string name = config.issuer;
    by_issuer.emplace(std::move(name), Issuer{std::move(config), std::move(keys)});
  }
  return MultiIssuerVerifier(std::move(by_issuer), clock);
}

Result<Principal> MultiIssuerVerifier::Verify(std::string_view token) const {
  // Every supported algorithm passes parsing; the issuer's own list is applied once the
  // issuer is known.
  ASSIGN_OR_RETURN(jws::ParsedToken parsed,
                   jws::ParseCompact(token, {JwsAlgorithm::kRs256, JwsAlgorithm::kEs256}));

  // The issuer is read before the signature is checked, only to choose whose keys to check
  // against; the claims are trusted after CheckSignature.
  ASSIGN_OR_RETURN(nlohmann::json unverified, jws::DecodeClaims(parsed));
  auto issuer = issuers_.find(claims::String(unverified, "iss"));
  if (issuer == issuers_.end()) {
    return Unauthenticated("unknown issuer");
  }
  const IssuerConfig& config = issuer->second.config;
  ASSIGN_OR_RETURN(parsed, jws::ParseCompact(token, config.allowed_algs));

  ASSIGN_OR_RETURN(KeySet keys, issuer->second.keys->KeysFor(parsed.kid));
  RETURN_IF_ERROR(jws::CheckSignature(parsed, keys));

  claims::PrincipalRules rules{config.issuer, config.audience, config.allowed_skew, config.tenant};
  return claims::PrincipalFromClaims(unverified, rules, clock_->Now());
}

MultiIssuerVerifier::MultiIssuerVerifier(std::map<std::string, Issuer, std::less<>> issuers,
                                         const Clock& clock)
    : issuers_(std::move(issuers)), clock_(&clock) {}

MultiIssuerVerifier::MultiIssuerVerifier(MultiIssuerVerifier&&) noexcept = default;
MultiIssuerVerifier& MultiIssuerVerifier::operator=(MultiIssuerVerifier&&) noexcept = default;
MultiIssuerVerifier::~MultiIssuerVerifier() = default;

}  // namespace medulla::auth
