#include "auth/grant.h"

#include <algorithm>
#include <map>
#include <mutex>
#include <unordered_map>

#include "auth/claims.h"
#include "auth/jws.h"
#include "common/ids.h"

namespace medulla::auth {

struct GrantIssuer::Key {
  jws::SigningKey signing;
};

// Grant ids already used, each kept until its grant could no longer verify anyway.
struct GrantVerifier::SeenGrants {
  std::mutex mutex;  // guards both maps
  std::unordered_map<std::string, TimePoint> expiry_by_id;
  std::multimap<TimePoint, std::string> ids_by_expiry;
};

namespace {

constexpr char kAgentPrefix[] = "agent:";

Status Deny(std::string reason) {
  return PermissionDenied(std::move(reason));
}

// The shared JWS checks speak of bearer tokens with kUnauthenticated; for a grant the same
// reasons are authorisation failures of the call.
Status AsDenied(const Status& status) {
  return status.code() == StatusCode::kUnauthenticated ? Deny(status.message()) : status;
}

Status CheckRequest(const GrantRequest& request) {
  if (request.principal.subject.empty() || request.principal.tenant.empty()) {
    return InvalidArgument("a grant needs the user's subject and tenant");
  }
  if (request.agent.empty() || request.tool.empty() || request.task_id.empty()) {
    return InvalidArgument("a grant needs an agent, a tool and a task");
  }
  if (request.scopes.empty()) {
    return InvalidArgument("a grant needs at least one scope");
  }
  for (const std::string& scope : request.scopes) {
    if (scope.empty() || scope.find(' ') != std::string::npos) {
      return InvalidArgument("a scope must be non-empty and free of spaces");
    }
  }
  if (request.ttl <= std::chrono::seconds(0) || request.ttl > kLongestGrantTtl) {
    return InvalidArgument("a grant lives more than 0 and at most 300 seconds");
  }
  return Status::Ok();
}

// The grant can only narrow: every scope it carries must be one the user already holds.
Status CheckUserHolds(const GrantRequest& request) {
  for (const std::string& scope : request.scopes) {
    if (!request.principal.HasScope(scope)) {
      return Deny("user lacks a scope the tool needs");
    }
  }
  return Status::Ok();
}

Result<TimePoint> GrantExpiry(const GrantRequest& request, TimePoint now) {
  TimePoint expiry = now + request.ttl;
  TimePoint user_expiry = request.principal.expires_at;
  if (user_expiry == TimePoint{}) {
    return expiry;
  }
  if (user_expiry <= now) {
    return Deny("user token expired");
  }
  return std::min(expiry, user_expiry);
}

Result<std::string> Agent(const nlohmann::json& grant) {
  auto act = grant.find("act");
  if (act == grant.end() || !act->is_object()) {
    return Deny("token is malformed");
  }
  std::string agent = claims::String(*act, "sub");
  if (agent.rfind(kAgentPrefix, 0) != 0 || agent.size() == sizeof(kAgentPrefix) - 1) {
    return Deny("token is malformed");
  }
  return agent;
}

Status CheckTimes(const nlohmann::json& grant, TimePoint now, std::chrono::seconds skew) {
  Status times = claims::CheckTimes(grant, now, skew);
  if (times.ok()) {
    return times;
  }
  if (times.message() == "token expired") {
    return Deny("grant expired");
  }
  if (times.message() == "token not yet valid") {
    return Deny("grant not yet valid");
  }
  return Deny("token is malformed");
}

Status CheckBinding(const VerifiedGrant& grant, const GrantExpectation& expected) {
  if (grant.tenant != expected.tenant) {
    return Deny("grant is for another tenant");
  }
  if (grant.task_id != expected.task_id) {
    return Deny("grant is for another task");
  }
  if (grant.patient != expected.patient) {
    return Deny("grant is for another patient");
  }

  Principal holder;
  holder.scopes = grant.scopes;
  if (!holder.HasScope(expected.required_scope)) {
    return Deny("grant scope does not cover the call");
  }
  return Status::Ok();
}

Result<VerifiedGrant> ReadGrant(const nlohmann::json& body) {
  VerifiedGrant grant;
  grant.grant_id = claims::String(body, "jti");
  grant.subject = claims::String(body, "sub");
  grant.tenant = claims::String(body, "tenant");
  if (grant.grant_id.empty() || grant.subject.empty() || grant.tenant.empty()) {
    return Deny("token is malformed");
  }

  ASSIGN_OR_RETURN(grant.agent, Agent(body));
  grant.tool = claims::String(body, "tool");
  grant.task_id = claims::String(body, "task_id");
  grant.patient = claims::String(body, "patient");
  grant.scopes = claims::SplitScopes(claims::String(body, "scope"));
  grant.subject_token_id = claims::String(body, "subject_jti");
  grant.session_id = claims::String(body, "sid");
  grant.purpose_of_use = claims::String(body, "purpose_of_use");
  if (body.contains("roles") && body["roles"].is_array()) {
    for (const nlohmann::json& role : body["roles"]) {
      if (role.is_string())
        grant.roles.push_back(role.get<std::string>());
    }
  }
  grant.expires_at = TimePoint(std::chrono::seconds(*claims::NumericDate(body, "exp")));
  return grant;
}

}  // namespace

// --- issuing ----------------------------------------------------------------------------------

Result<GrantIssuer> GrantIssuer::LoadOrCreate(const std::string& private_key_path, JwsAlgorithm alg,
                                              const Clock& clock) {
  if (private_key_path.empty()) {
    return InvalidArgument("the grant issuer needs a key path");
  }
  ASSIGN_OR_RETURN(jws::SigningKey signing, jws::LoadOrCreateSigningKey(private_key_path, alg));
  return GrantIssuer(std::make_unique<Key>(Key{std::move(signing)}), clock);
}

Result<GrantIssuer> GrantIssuer::Generate(JwsAlgorithm alg, const Clock& clock) {
  ASSIGN_OR_RETURN(jws::SigningKey signing, jws::GenerateSigningKey(alg));
  return GrantIssuer(std::make_unique<Key>(Key{std::move(signing)}), clock);
}

Result<MintedGrant> GrantIssuer::Mint(const GrantRequest& request) const {
  RETURN_IF_ERROR(CheckRequest(request));
  RETURN_IF_ERROR(CheckUserHolds(request));
  TimePoint now = clock_->Now();
  ASSIGN_OR_RETURN(TimePoint expires_at, GrantExpiry(request, now));

  MintedGrant grant{"", NewUuid(), expires_at};
  nlohmann::json body = {
      {"iss", kGrantIssuer},
      {"aud", kGrantAudience},
      {"sub", request.principal.subject},
      {"tenant", request.principal.tenant},
      {"act", {{"sub", kAgentPrefix + request.agent}}},
      {"scope", claims::JoinScopes(request.scopes)},
      {"task_id", request.task_id},
      {"patient", request.patient},
      {"tool", request.tool},
      {"subject_jti", request.subject_token_id},
      {"sid", request.principal.session_id},
      {"purpose_of_use", request.principal.purpose_of_use},
      {"roles", request.principal.roles},
      {"jti", grant.grant_id},
      {"iat", claims::EpochSeconds(now)},
      {"exp", claims::EpochSeconds(expires_at)},
  };
  ASSIGN_OR_RETURN(grant.token, jws::SignCompact(key_->signing, body));
  return grant;
}

nlohmann::json GrantIssuer::Jwks() const {
  return {{"keys", nlohmann::json::array({jws::PublicJwk(key_->signing)})}};
}

GrantIssuer::GrantIssuer(std::unique_ptr<Key> key, const Clock& clock)
    : key_(std::move(key)), clock_(&clock) {}

GrantIssuer::GrantIssuer(GrantIssuer&&) noexcept = default;
GrantIssuer& GrantIssuer::operator=(GrantIssuer&&) noexcept = default;
GrantIssuer::~GrantIssuer() = default;

// --- verifying --------------------------------------------------------------------------------

nlohmann::json VerifiedGrant::ToActorJson() const {
  return {{"sub", subject},
          {"tenant", tenant},
          {"act", {{"sub", agent}}},
          {"sid", session_id},
          {"purpose_of_use", purpose_of_use},
          {"grant", grant_id}};
}

Result<GrantVerifier> GrantVerifier::FromJwks(const nlohmann::json& jwks, const Clock& clock,
                                              GrantVerifierOptions options) {
  if (options.max_remembered_grants == 0) {
    return InvalidArgument("the grant verifier must remember at least one grant");
  }
  ASSIGN_OR_RETURN(KeySet keys, KeySet::FromJwks(jwks));
  return GrantVerifier(std::move(keys), clock, options);
}

Result<VerifiedGrant> GrantVerifier::Verify(std::string_view token,
                                            const GrantExpectation& expected) const {
  if (expected.tenant.empty() || expected.task_id.empty() || expected.required_scope.empty()) {
    return InvalidArgument("a grant check needs a tenant, a task and the scope of the call");
  }

  ASSIGN_OR_RETURN(VerifiedGrant grant, Check(token, expected));
  RETURN_IF_ERROR(Consume(grant, expected.single_use));
  return grant;
}

Result<VerifiedGrant> GrantVerifier::Check(std::string_view token,
                                           const GrantExpectation& expected) const {
  Result<jws::ParsedToken> parsed =
      jws::ParseCompact(token, {JwsAlgorithm::kRs256, JwsAlgorithm::kEs256});
  if (!parsed.ok()) {
    return AsDenied(parsed.status());
  }
  RETURN_IF_ERROR(AsDenied(jws::CheckSignature(*parsed, keys_)));
  Result<nlohmann::json> body = jws::DecodeClaims(*parsed);
  if (!body.ok()) {
    return AsDenied(body.status());
  }

  if (claims::String(*body, "iss") != kGrantIssuer) {
    return Deny("grant is from another issuer");
  }
  if (!claims::AudienceMatches(body->value("aud", nlohmann::json()), expected.audience)) {
    return Deny("grant is for another audience");
  }
  RETURN_IF_ERROR(CheckTimes(*body, clock_->Now(), options_.allowed_skew));

  ASSIGN_OR_RETURN(VerifiedGrant grant, ReadGrant(*body));
  RETURN_IF_ERROR(CheckBinding(grant, expected));
  return grant;
}

Status GrantVerifier::Consume(const VerifiedGrant& grant, bool use_up) const {
  TimePoint now = clock_->Now();
  std::lock_guard<std::mutex> lock(seen_->mutex);

  // Past exp plus skew a grant is refused as expired, so its id need not be kept.
  auto& by_expiry = seen_->ids_by_expiry;
  while (!by_expiry.empty() && by_expiry.begin()->first + options_.allowed_skew <= now) {
    seen_->expiry_by_id.erase(by_expiry.begin()->second);
    by_expiry.erase(by_expiry.begin());
  }

  if (seen_->expiry_by_id.count(grant.grant_id) > 0) {
    return Deny("grant already used");
  }
  if (!use_up) {
    return Status::Ok();
  }
  if (seen_->expiry_by_id.size() >= options_.max_remembered_grants) {
    return Unavailable("too many live grants to remember; retry shortly");
  }
  seen_->expiry_by_id.emplace(grant.grant_id, grant.expires_at);
  by_expiry.emplace(grant.expires_at, grant.grant_id);
  return Status::Ok();
}

GrantVerifier::GrantVerifier(KeySet keys, const Clock& clock, GrantVerifierOptions options)
    : keys_(std::move(keys)),
      clock_(&clock),
      options_(options),
      seen_(std::make_unique<SeenGrants>()) {}

GrantVerifier::GrantVerifier(GrantVerifier&&) noexcept = default;
GrantVerifier& GrantVerifier::operator=(GrantVerifier&&) noexcept = default;
GrantVerifier::~GrantVerifier() = default;

}  // namespace medulla::auth
