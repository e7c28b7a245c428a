// Reads are safe to repeat, so a read that meets a passing outage (a 429, a 503, a dropped
// connection) is tried again a few times, briefly: long enough to ride out a blip, short enough
// that a step does not stall on an EHR that is really down. A read that timed out is not tried
// again, so that deadlines do not stack; writes never come here, they wait in the outbox.
#pragma once

#include <chrono>
#include <thread>

#include "common/status.h"

namespace medulla::fhir {

// Calls `read` until it succeeds, fails in a way another try would not mend, or three more
// tries (after 50, 200 and 800 ms) have failed too; returns its last result.
template <typename Read>
auto RetryRead(Read&& read) -> decltype(read()) {
  using namespace std::chrono_literals;
  constexpr std::chrono::milliseconds kWaits[] = {50ms, 200ms, 800ms};
  auto result = read();
  for (std::chrono::milliseconds wait : kWaits) {
    if (result.ok() || result.status().code() != StatusCode::kUnavailable)
      break;
    std::this_thread::sleep_for(wait);
    result = read();
  }
  return result;
}

}  // namespace medulla::fhir
