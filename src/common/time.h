// Time as Medulla sees it: UTC, RFC 3339 on the wire, and an injectable clock so that
// leases, token expiry and backoff can be tested without sleeping.
#pragma once

#include <chrono>
#include <string>

#include "common/status.h"

namespace medulla {

using TimePoint = std::chrono::system_clock::time_point;

// Formats as "2026-12-04T15:45:52.123Z".
std::string FormatTimestamp(TimePoint at);

// Parses an RFC 3339 timestamp or a FHIR date/dateTime ("2026-12-04", "2026-12-04T10:00:00Z",
// with or without offset and fraction).
Result<TimePoint> ParseTimestamp(const std::string& text);

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint Now() const = 0;
};

// The wall clock.
class SystemClock final : public Clock {
 public:
  TimePoint Now() const override { return std::chrono::system_clock::now(); }
  static const SystemClock& Instance();
};

// A clock tests move by hand. Thread-compatible: set it before sharing.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(TimePoint start) : now_(start) {}
  TimePoint Now() const override { return now_; }
  void Advance(std::chrono::milliseconds by) { now_ += by; }
  void Set(TimePoint at) { now_ = at; }

 private:
  TimePoint now_;
};

}  // namespace medulla
