// Protection for an EHR endpoint and for Medulla's standing with it: a circuit breaker that stops
// calling an endpoint that keeps failing, and a token bucket that keeps calls under the vendor's
// rate limit. Both read time from an injectable Clock, and both are thread-safe.
#pragma once

#include <chrono>
#include <mutex>

#include "common/time.h"

namespace medulla::fhir {

struct BreakerOptions {
  int failure_threshold = 5;                   // consecutive retryable failures that open it
  std::chrono::milliseconds cool_down{30000};  // how long it stays open before a probe
};

// closed --N consecutive retryable failures--> open --cool-down--> half-open (one probe call)
// --probe succeeds--> closed, --probe fails--> open again for another cool-down.
class CircuitBreaker {
 public:
  enum class State { kClosed, kOpen, kHalfOpen };

  struct Admission {
    bool allowed = true;
    std::chrono::milliseconds retry_after{0};  // when refused: time until a call may go
  };

  // `clock` must outlive the breaker.
  CircuitBreaker(BreakerOptions options, const Clock& clock);

  // Asks to make one call. While half-open only the first asker gets through, as the probe;
  // the others are refused until it reports.
  Admission Admit();

  // Reports the admitted call's result. A non-retryable failure (the EHR refused the content)
  // shows the endpoint is alive and counts as a success here.
  void RecordSuccess();
  void RecordFailure();

  State state() const;

 private:
  BreakerOptions options_;
  const Clock* clock_;
  mutable std::mutex mutex_;
  State state_ = State::kClosed;  // guarded by mutex_
  int consecutive_failures_ = 0;  // guarded by mutex_
  TimePoint open_until_;          // guarded by mutex_
  bool probe_out_ = false;        // guarded by mutex_
};

// A token bucket holding up to `burst` calls, refilled at `per_second`. Callers reserve a call
// and are told how long to wait before making it, so reservations queue fairly.
class RateLimiter {
 public:
  // `clock` must outlive the limiter. REQUIRES: per_second > 0.
  RateLimiter(double per_second, const Clock& clock);

  // Reserves one call; returns how long the caller must wait before making it (zero when a
  // token was available).
  std::chrono::milliseconds Reserve();

 private:
  void RefillLocked(TimePoint now);

  double per_second_;
  double burst_;
  const Clock* clock_;
  std::mutex mutex_;
  double tokens_;       // guarded by mutex_; negative while reservations wait
  TimePoint refilled_;  // guarded by mutex_
};

}  // namespace medulla::fhir
