// The signing keys of one OIDC issuer, fetched over HTTP and cached.
//
// The key set URL is the configured jwks_uri, or the "jwks_uri" of
// <issuer>/.well-known/openid-configuration (whose "issuer" must equal the configured one;
// the discovered URL is remembered for the life of the cache). Both must be https://, except
// http:// on a loopback host for development and tests.
//
// A fetched set is fresh for the response's Cache-Control max-age (default 10 minutes, capped
// at a day; no-store and no-cache count as 0), but never less than the refresh interval.
// Fetches happen when the set is stale or a token names a kid the set lacks, and at most once
// per refresh interval (30 s) whatever the trigger, so that tokens with forged kids cannot make
// Medulla hammer the issuer. A failed fetch keeps the last good set. Rotation therefore works
// both ways: a kid new at the issuer is picked up by the first token that names it (once the
// interval since the last fetch has passed), and a kid the issuer dropped stops being found
// after the next successful fetch.
//
// Known limit: the last good set is kept without an upper age while the issuer stays
// unreachable, so a key the issuer withdrew during an outage verifies until it is back.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "auth/key_set.h"
#include "common/status.h"
#include "common/time.h"
#include "http/client.h"

namespace medulla::auth {

struct JwksCacheOptions {
  std::chrono::seconds default_max_age{600};
  std::chrono::seconds longest_max_age{86400};
  std::chrono::seconds refresh_interval{30};
  std::chrono::milliseconds fetch_timeout{5000};
};

// Thread-safe. One fetch runs at a time; callers needing a fetch wait for it, callers whose
// kid is in a fresh set never wait on the network. `client` and `clock` must outlive it.
class JwksCache {
 public:
  // Fails with kInvalidArgument for an empty issuer or a URL of a refused scheme or host.
  // Nothing is fetched until the first KeysFor().
  static Result<std::unique_ptr<JwksCache>> Create(std::string issuer, std::string jwks_uri,
                                                   http::Client& client,
                                                   const Clock& clock = SystemClock::Instance(),
                                                   JwksCacheOptions options = {});

  // Returns the current key set, fetching first when it is stale or lacks `kid` and the
  // refresh interval allows. The returned set may still lack `kid`: the caller refuses the
  // token then. Fails with kUnavailable only when no set was ever fetched.
  Result<KeySet> KeysFor(std::string_view kid);

  // How many fetches of the key set were attempted, successful or not.
  uint64_t fetch_attempts() const;

  const std::string& issuer() const { return issuer_; }

 private:
  struct Fetched {
    KeySet keys;
    std::chrono::seconds max_age;
  };

  JwksCache(std::string issuer, std::string jwks_uri, http::Client& client, const Clock& clock,
            JwksCacheOptions options);

  // Returns the held set when it is fresh and holds `kid`. REQUIRES: state_mutex_ held.
  std::optional<KeySet> UsableLocked(std::string_view kid, TimePoint now) const;
  // Returns whether a fetch may start now, and if so records the attempt.
  bool ClaimFetch(TimePoint now);
  Result<KeySet> CurrentOr(Status error) const;
  void Store(Fetched fetched, TimePoint now);

  Result<std::string> KeySetUrl();
  Result<Fetched> Fetch();
  Result<http::ClientResponse> Get(const std::string& url);

  const std::string issuer_;
  const std::string configured_jwks_uri_;
  http::Client& client_;
  const Clock& clock_;
  const JwksCacheOptions options_;

  // Serialises fetches; guards discovered_jwks_uri_.
  std::mutex fetch_mutex_;
  std::string discovered_jwks_uri_;

  mutable std::mutex state_mutex_;  // guards everything below
  std::optional<KeySet> keys_;
  TimePoint fresh_until_;
  std::optional<TimePoint> last_attempt_;
  uint64_t attempts_ = 0;
};

}  // namespace medulla::auth
