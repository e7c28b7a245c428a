// Verifies bearer tokens from several OIDC issuers, one per tenant (a hospital's identity
// provider), each with its own audience, allowed algorithms and rotating keys.
//
// The token's iss picks the issuer; the token is then checked exactly as TokenVerifier does
// (alg allowed and matching the key, kid known to that issuer's JwksCache, signature, exp/nbf/
// iat within the skew, iss, aud, sub) and its tenant is bound: a "tenant" claim, when present,
// must equal the tenant configured for the issuer, and the principal always carries the
// configured tenant, never one the token asserts.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "auth/jwks_cache.h"
#include "auth/jwt.h"
#include "auth/principal.h"
#include "common/status.h"
#include "common/time.h"
#include "http/client.h"

namespace medulla::auth {

struct IssuerConfig {
  std::string issuer{};    // the exact iss value, e.g. "https://login.hospital-a.example/realms/x"
  std::string audience{};  // the aud Medulla is registered as at that issuer
  std::string tenant{};    // the Medulla tenant every principal from this issuer acts in
  std::string jwks_uri{};  // optional; discovered from the issuer when empty
  std::vector<JwsAlgorithm> allowed_algs{JwsAlgorithm::kRs256, JwsAlgorithm::kEs256};
  std::chrono::seconds allowed_skew{60};  // at most 60 s
};

// Thread-safe after creation. `client` and `clock` must outlive the verifier.
class MultiIssuerVerifier {
 public:
  // Fails with kInvalidArgument when the list is empty, an issuer appears twice, or an entry
  // lacks issuer, audience or tenant, has no allowed algorithm, a skew outside 0..60 s, or a
  // URL JwksCache refuses.
  static Result<MultiIssuerVerifier> Create(std::vector<IssuerConfig> issuers, http::Client& client,
                                            const Clock& clock = SystemClock::Instance(),
                                            JwksCacheOptions cache_options = {});

  // Returns the principal, kUnauthenticated with a reason safe to show the caller ("unknown
  // issuer", "token is for another tenant", and every TokenVerifier reason), or kUnavailable
  // when the issuer's keys have never been fetched successfully.
  Result<Principal> Verify(std::string_view token) const;

  MultiIssuerVerifier(MultiIssuerVerifier&&) noexcept;
  MultiIssuerVerifier& operator=(MultiIssuerVerifier&&) noexcept;
  ~MultiIssuerVerifier();

 private:
  struct Issuer {
    IssuerConfig config;
    std::unique_ptr<JwksCache> keys;
  };

  MultiIssuerVerifier(std::map<std::string, Issuer, std::less<>> issuers, const Clock& clock);

  std::map<std::string, Issuer, std::less<>> issuers_;
  const Clock* clock_;
};

}  // namespace medulla::auth
