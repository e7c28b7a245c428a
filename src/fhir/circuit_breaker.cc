#include "fhir/circuit_breaker.h"

#include <algorithm>
#include <cassert>
#include <cmath>

namespace medulla::fhir {

CircuitBreaker::CircuitBreaker(BreakerOptions options, const Clock& clock)
    : options_(options), clock_(&clock) {}

CircuitBreaker::Admission CircuitBreaker::Admit() {
  std::lock_guard lock(mutex_);
  if (state_ == State::kClosed)
    return {};

  const TimePoint now = clock_->Now();
  if (state_ == State::kOpen && now >= open_until_) {
    state_ = State::kHalfOpen;
    probe_out_ = false;
  }
  if (state_ == State::kHalfOpen && !probe_out_) {
    probe_out_ = true;
    return {};
  }

  // Open, or half-open with the probe still out: come back after the cool-down at the latest.
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(open_until_ - now);
  if (state_ == State::kHalfOpen || left <= std::chrono::milliseconds(0))
    left = options_.cool_down;
  return {false, left};
}

void CircuitBreaker::RecordSuccess() {
  std::lock_guard lock(mutex_);
  state_ = State::kClosed;
  consecutive_failures_ = 0;
  probe_out_ = false;
}

void CircuitBreaker::RecordFailure() {
  std::lock_guard lock(mutex_);
  ++consecutive_failures_;
  const bool probe_failed = state_ == State::kHalfOpen;
  if (!probe_failed && consecutive_failures_ < options_.failure_threshold)
    return;

  state_ = State::kOpen;
  open_until_ = clock_->Now() + options_.cool_down;
  probe_out_ = false;
}

CircuitBreaker::State CircuitBreaker::state() const {
  std::lock_guard lock(mutex_);
  return state_;
}

RateLimiter::RateLimiter(double per_second, const Clock& clock)
    : per_second_(per_second),
      burst_(std::max(1.0, per_second)),
      clock_(&clock),
      tokens_(burst_),
      refilled_(clock.Now()) {
  assert(per_second > 0);
}

std::chrono::milliseconds RateLimiter::Reserve() {
  std::lock_guard lock(mutex_);
  RefillLocked(clock_->Now());
  tokens_ -= 1;
  if (tokens_ >= 0)
    return std::chrono::milliseconds(0);
  return std::chrono::milliseconds(
      static_cast<int64_t>(std::ceil(-tokens_ / per_second_ * 1000.0)));
}

void RateLimiter::RefillLocked(TimePoint now) {
  if (now <= refilled_)
    return;
  const double elapsed = std::chrono::duration<double>(now - refilled_).count();
  tokens_ = std::min(burst_, tokens_ + elapsed * per_second_);
  refilled_ = now;
}

}  // namespace medulla::fhir
