#include "auth/claims.h"
#include "auth/jws.h"
#include "auth/jwt.h"
#include "common/ids.h"

namespace medulla::auth {

struct DevIssuer::Key {
  jws::SigningKey signing;
};

namespace {

// Scopes travel space separated, so a scope holding a space would turn into two.
Status CheckRequest(const TokenRequest& request) {
  if (request.subject.empty()) {
    return InvalidArgument("a token needs a subject");
  }
  if (request.tenant.empty()) {
    return InvalidArgument("a token needs a tenant");
  }
  if (request.ttl <= std::chrono::seconds::zero()) {
    return InvalidArgument("a token needs a positive lifetime");
  }
  for (const std::string& scope : request.scopes) {
    if (scope.empty() || scope.find(' ') != std::string::npos) {
      return InvalidArgument("a scope must be non-empty and free of spaces");
    }
  }
  return Status::Ok();
}

}  // namespace

Result<DevIssuer> DevIssuer::LoadOrCreate(const std::string& private_key_path, std::string issuer,
                                          std::string audience, const Clock& clock) {
  if (private_key_path.empty() || issuer.empty() || audience.empty()) {
    return InvalidArgument("the issuer needs a key path, an issuer and an audience");
  }

  ASSIGN_OR_RETURN(jws::SigningKey signing,
                   jws::LoadOrCreateSigningKey(private_key_path, JwsAlgorithm::kRs256));
  auto key = std::make_unique<Key>(Key{std::move(signing)});
  return DevIssuer(std::move(key), std::move(issuer), std::move(audience), clock);
}

Result<std::string> DevIssuer::Issue(const TokenRequest& request) const {
  RETURN_IF_ERROR(CheckRequest(request));

  int64_t now = claims::EpochSeconds(clock_->Now());
  nlohmann::json body = {
      {"iss", issuer_},
      {"aud", audience_},
      {"sub", request.subject},
      {"tenant", request.tenant},
      {"roles", request.roles},
      {"scope", claims::JoinScopes(request.scopes)},
      {"sid", request.session_id.empty() ? NewUuid() : request.session_id},
      {"jti", NewUuid()},
      {"iat", now},
      {"nbf", now},
      {"exp", now + request.ttl.count()},
  };
  return jws::SignCompact(key_->signing, body);
}

nlohmann::json DevIssuer::Jwks() const {
  return {{"keys", nlohmann::json::array({jws::PublicJwk(key_->signing)})}};
}

DevIssuer::DevIssuer(std::unique_ptr<Key> key, std::string issuer, std::string audience,
                     const Clock& clock)
    : key_(std::move(key)),
      issuer_(std::move(issuer)),
      audience_(std::move(audience)),
      clock_(&clock) {}

DevIssuer::DevIssuer(DevIssuer&&) noexcept = default;
DevIssuer& DevIssuer::operator=(DevIssuer&&) noexcept = default;
DevIssuer::~DevIssuer() = default;

}  // namespace medulla::auth
