// Per-call grants: for every tool call the orchestrator exchanges the user's verified token for
// a short-lived token that names exactly one call, in the spirit of OAuth 2.0 Token Exchange
// (RFC 8693). The grant's sub is the user, its act is the agent acting for them, and its scope
// is only what the tool needs. The FHIR integration service verifies the grant before it
// writes, so an agent can never do more than the user could, nor act for another task, patient
// or tenant.
//
// A grant is a compact JWS signed with the integration grant key, which is separate from any
// user-facing issuer key. Claims: iss "medulla-orchestrator", aud "medulla-integration", sub,
// tenant, act {"sub": "agent:<name>"}, scope (space separated), task_id, patient, tool,
// subject_jti (the user token's jti), sid, purpose_of_use, jti, iat, exp. No may_act claim is
// ever written.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "auth/jwt.h"
#include "auth/key_set.h"
#include "auth/principal.h"
#include "common/status.h"
#include "common/time.h"

namespace medulla::auth {

inline constexpr char kGrantIssuer[] = "medulla-orchestrator";
inline constexpr char kGrantAudience[] = "medulla-integration";
inline constexpr std::chrono::seconds kDefaultGrantTtl{120};
inline constexpr std::chrono::seconds kLongestGrantTtl{300};

struct GrantRequest {
  Principal principal;              // the verified user
  std::string subject_token_id;     // the user token's jti
  std::string agent;                // "scribe"; written as act.sub "agent:scribe"
  std::string tool;                 // "fhir.write_document_reference"
  std::vector<std::string> scopes;  // what the tool needs; each must be held by the user
  std::string task_id;
  std::string patient;  // FHIR Patient id the call is about; empty for calls about no patient
  std::chrono::seconds ttl = kDefaultGrantTtl;
};

struct MintedGrant {
  std::string token;     // compact JWS, for the Authorization header
  std::string grant_id;  // its jti, for the task's event log
  TimePoint expires_at;
};

// Mints grants. Mint() is thread-safe; `clock` must outlive the issuer.
class GrantIssuer {
 public:
  // Loads the PEM private key at `private_key_path`, or creates one there (mode 0600) of the
  // type `alg` signs with. A loaded key of the other type is kInvalidArgument.
  static Result<GrantIssuer> LoadOrCreate(const std::string& private_key_path,
                                          JwsAlgorithm alg = JwsAlgorithm::kEs256,
                                          const Clock& clock = SystemClock::Instance());

  // Creates an issuer with a fresh key kept only in memory, for tests and single-process use.
  static Result<GrantIssuer> Generate(JwsAlgorithm alg = JwsAlgorithm::kEs256,
                                      const Clock& clock = SystemClock::Instance());

  // Returns the grant, or:
  //   kInvalidArgument for a request lacking subject, tenant, agent, tool, task_id or scopes,
  //     a scope that is empty or holds a space, or a ttl outside (0, 5 min];
  //   kPermissionDenied "user lacks a scope the tool needs" when the principal does not hold
  //     every needed scope (HasScope), and "user token expired" when the principal's token has
  //     expired. The grant never outlives the user's token: exp is capped at its expiry.
  Result<MintedGrant> Mint(const GrantRequest& request) const;

  // The public key set to give GrantVerifier: {"keys": [jwk]}.
  nlohmann::json Jwks() const;

  GrantIssuer(GrantIssuer&&) noexcept;
  GrantIssuer& operator=(GrantIssuer&&) noexcept;
  ~GrantIssuer();

 private:
  struct Key;
  GrantIssuer(std::unique_ptr<Key> key, const Clock& clock);

  std::unique_ptr<Key> key_;
  const Clock* clock_;
};

// What the integration service is about to do, which the grant must cover exactly.
struct GrantExpectation {
  std::string tenant;
  std::string task_id;
  std::string patient;         // compared exactly; empty matches only a grant with no patient
  std::string required_scope;  // "user/DocumentReference.c"; covered per Principal::HasScope
  std::string audience = kGrantAudience;
  // A grant is good for one call. Reads and the write of one call may share it by passing
  // false for all but the last use; the last use is the one that consumes it. A grant already
  // used up is refused either way.
  bool single_use = true;
};

// What a verified grant says, for the integration service's audit trail.
struct VerifiedGrant {
  std::string grant_id;
  std::string subject;
  std::string tenant;
  std::string agent;  // act.sub, e.g. "agent:scribe"
  std::string tool;
  std::string task_id;
  std::string patient;
  std::vector<std::string> scopes;
  std::string subject_token_id;
  std::string session_id;
  std::string purpose_of_use;
  std::vector<std::string> roles;  // the user's roles, so policy can be decided where it writes
  TimePoint expires_at;

  // The actor of a write done under this grant: sub, tenant, act, sid, purpose_of_use, grant.
  nlohmann::json ToActorJson() const;
};

struct GrantVerifierOptions {
  std::chrono::seconds allowed_skew{5};
  // How many unexpired grant ids are remembered for replay refusal; beyond this, single-use
  // verification fails closed with kUnavailable until earlier grants expire.
  size_t max_remembered_grants = 100000;
};

// Verifies grants. Thread-safe; `clock` must outlive the verifier.
class GrantVerifier {
 public:
  // Fails with kInvalidArgument when the set holds no usable key.
  static Result<GrantVerifier> FromJwks(const nlohmann::json& jwks,
                                        const Clock& clock = SystemClock::Instance(),
                                        GrantVerifierOptions options = {});

  // Returns what the grant says, or kPermissionDenied with one of these messages:
  //   "token is malformed", "alg <X> is not accepted", "unknown signing key",
  //   "alg does not match the signing key", "signature does not verify",
  //   "grant is from another issuer", "grant is for another audience", "grant expired",
  //   "grant not yet valid", "grant is for another tenant", "grant is for another task",
  //   "grant is for another patient", "grant scope does not cover the call",
  //   "grant already used";
  // kInvalidArgument when the expectation lacks tenant, task_id or required_scope, and
  // kUnavailable when the replay memory is full. A grant is only consumed when every check
  // passes, so a refused attempt does not use it up.
  Result<VerifiedGrant> Verify(std::string_view token, const GrantExpectation& expected) const;

  GrantVerifier(GrantVerifier&&) noexcept;
  GrantVerifier& operator=(GrantVerifier&&) noexcept;
  ~GrantVerifier();

 private:
  struct SeenGrants;
  GrantVerifier(KeySet keys, const Clock& clock, GrantVerifierOptions options);
  Result<VerifiedGrant> Check(std::string_view token, const GrantExpectation& expected) const;
  // Refuses a grant already used up; with `use_up`, records it as used.
  Status Consume(const VerifiedGrant& grant, bool use_up) const;

  KeySet keys_;
  const Clock* clock_;
  GrantVerifierOptions options_;
  std::unique_ptr<SeenGrants> seen_;
};

}  // namespace medulla::auth
