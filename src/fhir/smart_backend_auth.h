// Bearer tokens for EHR calls. A TokenSource hands out an access token that is valid now; the
// SMART backend-services implementation (SMART App Launch, "Backend Services") obtains one with a
// client_credentials grant authenticated by a signed JWT client assertion, and caches it.
//
// Neither tokens nor keys ever reach a log line or an error message.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/status.h"
#include "common/time.h"
#include "fhir/vendor_profile.h"

namespace medulla::http {
class Client;
}

namespace medulla::fhir {

class TokenSource {
 public:
  virtual ~TokenSource() = default;

  // Returns an access token valid now. kPermissionDenied when the token endpoint refuses the
  // client, kUnavailable / kDeadlineExceeded when it cannot be reached. Thread-safe.
  virtual Result<std::string> BearerToken() = 0;

  // Forgets the cached token, after the EHR answered 401 to it. Thread-safe.
  virtual void Invalidate() = 0;
};

struct BackendServicesConfig {
  std::string token_url;  // absolute; also the assertion's audience
  std::string client_id;
  std::string private_key_pem;  // PKCS#8 or traditional PEM; RSA for RS384, P-384 for ES384
  AssertionAlgorithm algorithm = AssertionAlgorithm::kRs384;
  std::vector<std::string> scopes;
  // A token is renewed this long before the endpoint said it expires.
  std::chrono::seconds refresh_margin{60};
  std::string kid;  // empty: the key's RFC 7638 thumbprint
};

class SmartBackendAuth final : public TokenSource {
 public:
  // `client` and `clock` must outlive the object. kInvalidArgument for a key that cannot be read
  // or does not match the algorithm.
  static Result<std::unique_ptr<SmartBackendAuth>> Create(BackendServicesConfig config,
                                                          http::Client& client, const Clock& clock);
  ~SmartBackendAuth() override;

  // Answers from the cache while the token has more than refresh_margin left; otherwise one
  // caller fetches and every concurrent caller waits for that same fetch and shares its result.
  Result<std::string> BearerToken() override;
  void Invalidate() override;

  // How many token requests were sent, for tests and metrics.
  uint64_t fetches() const;

 private:
  struct Key;
  struct Fetched {
    std::string token;
    TimePoint renew_at;
  };
  SmartBackendAuth(BackendServicesConfig config, std::unique_ptr<Key> key, http::Client& client,
                   const Clock& clock);
  Result<std::string> Assertion() const;
  Result<Fetched> Fetch();

  BackendServicesConfig config_;
  std::unique_ptr<Key> key_;
  http::Client* client_;
  const Clock* clock_;

  mutable std::mutex mutex_;
  std::condition_variable fetched_;
  std::string token_;        // guarded by mutex_; empty when none is cached
  TimePoint renew_at_;       // guarded by mutex_
  bool fetching_ = false;    // guarded by mutex_
  uint64_t generation_ = 0;  // guarded by mutex_; counts finished fetches
  Status last_fetch_;        // guarded by mutex_
  uint64_t fetches_ = 0;     // guarded by mutex_
};

// Reads a PEM file whole. kNotFound when it cannot be read.
Result<std::string> ReadPemFile(const std::string& path);

// Returns a fresh unencrypted PKCS#8 PEM private key for `alg`: RSA 3072 or P-384.
Result<std::string> GenerateClientKeyPem(AssertionAlgorithm alg);

// The public JWKS {"keys":[jwk]} a client registers with the EHR for its PEM private key, with
// kid (given, or the RFC 7638 thumbprint), alg and use "sig". Never includes private parts.
Result<nlohmann::json> PublicJwksForPem(const std::string& private_key_pem, AssertionAlgorithm alg,
                                        const std::string& kid = "");

}  // namespace medulla::fhir
