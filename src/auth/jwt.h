// JSON Web Tokens signed with RS256 or ES256 (RFC 7519, RFC 7515, RFC 7518): Medulla's
// development issuer mints them, and the gateway verifies every bearer token against a JWKS.
// For tokens from real OIDC issuers with key rotation see multi_issuer.h; for per-call grants
// see grant.h.
#pragma once

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "auth/principal.h"
#include "common/status.h"
#include "common/time.h"

namespace medulla::auth {

// The JWS algorithms Medulla accepts. "none", the HMAC family and everything else are refused
// wherever a token is read.
enum class JwsAlgorithm { kRs256, kEs256 };

// Returns "RS256" or "ES256".
const char* JwsAlgorithmName(JwsAlgorithm alg);

// Parses "RS256" or "ES256"; anything else is kInvalidArgument.
Result<JwsAlgorithm> ParseJwsAlgorithm(std::string_view name);

struct TokenRequest {
  std::string subject;
  std::string tenant;
  std::vector<std::string> roles;
  std::vector<std::string> scopes;
  std::string session_id;  // minted when empty
  std::chrono::seconds ttl{3600};
};

// A development OIDC-style issuer with one RSA key, kept as PEM at a path of the caller's
// choosing so that tokens minted by the CLI verify on the server.
class DevIssuer {
 public:
  // Loads the key at `private_key_path`, or creates a 2048-bit RSA key there (mode 0600).
  // `clock` must outlive the issuer. Issue() is thread-safe.
  static Result<DevIssuer> LoadOrCreate(const std::string& private_key_path, std::string issuer,
                                        std::string audience,
                                        const Clock& clock = SystemClock::Instance());

  // Returns a compact JWS with claims iss, aud, sub, tenant, roles, scope (space separated),
  // sid, jti, iat, nbf and exp, and header {alg: RS256, typ: JWT, kid}.
  Result<std::string> Issue(const TokenRequest& request) const;

  // Returns the public key set: {"keys": [{kty, kid, use, alg, n, e}]}.
  nlohmann::json Jwks() const;

  const std::string& issuer() const { return issuer_; }
  const std::string& audience() const { return audience_; }

  DevIssuer(DevIssuer&&) noexcept;
  DevIssuer& operator=(DevIssuer&&) noexcept;
  ~DevIssuer();

 private:
  struct Key;
  DevIssuer(std::unique_ptr<Key> key, std::string issuer, std::string audience, const Clock& clock);

  std::unique_ptr<Key> key_;
  std::string issuer_;
  std::string audience_;
  const Clock* clock_;
};

struct VerifierOptions {
  std::string issuer;
  std::string audience;
  std::chrono::seconds allowed_skew{60};
  std::vector<JwsAlgorithm> allowed_algs{JwsAlgorithm::kRs256, JwsAlgorithm::kEs256};
};

// Verifies compact JWS bearer tokens against a JWKS holding RSA (RS256) and P-256 (ES256) keys.
// Refuses, each with its own message: malformed tokens, an alg outside allowed_algs (including
// "none" and HMAC), an alg that does not match the type of the key its kid names (an RS256
// token against an EC key or the reverse), unknown kid, bad signatures, expired or
// not-yet-valid tokens beyond the allowed skew, wrong iss or aud, tokens missing sub or
// tenant, and a purpose_of_use that is not a short code. Thread-safe after construction;
// `clock` must outlive it.
class TokenVerifier {
 public:
  static Result<TokenVerifier> FromJwks(const nlohmann::json& jwks, VerifierOptions options,
                                        const Clock& clock = SystemClock::Instance());

  // Returns the principal, or kUnauthenticated with a reason safe to show the caller.
  Result<Principal> Verify(std::string_view token) const;

  TokenVerifier(TokenVerifier&&) noexcept;
  TokenVerifier& operator=(TokenVerifier&&) noexcept;
  ~TokenVerifier();

 private:
  struct Keys;
  TokenVerifier(std::unique_ptr<Keys> keys, VerifierOptions options, const Clock& clock);
  Result<Principal> PrincipalFromClaims(const nlohmann::json& claims) const;

  std::unique_ptr<Keys> keys_;
  VerifierOptions options_;
  const Clock* clock_;
};

// Base64url without padding (RFC 4648 section 5).
std::string Base64UrlEncode(std::string_view bytes);
Result<std::string> Base64UrlDecode(std::string_view text);

}  // namespace medulla::auth
