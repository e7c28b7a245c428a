// The integration service: the only way anything reaches an EHR. It maps an intent to a
// resource, checks it, and writes it with a conditional create on the intent's business
// identifier, retrying what may be retried, so that a write is confirmed at most once.
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "common/status.h"
#include "fhir/fhir_client.h"
#include "fhir/intent.h"

namespace medulla::fhir {

struct RetryPolicy {
  int max_attempts = 4;
  std::chrono::milliseconds first_backoff{100};
  std::chrono::milliseconds max_backoff{2000};
};

struct WriteOutcome {
  std::string reference;
  bool created = false;  // false: the EHR already held it (a repeat of an earlier write)
  int attempts = 0;
};

class IntegrationService {
 public:
  using Sleeper = std::function<void(std::chrono::milliseconds)>;

  // `ehr` must outlive this object. `sleep` is injectable so tests need not wait.
  IntegrationService(FhirClient& ehr, RetryPolicy policy, Sleeper sleep = nullptr);

  // Writes `intent`. Retries kUnavailable and kDeadlineExceeded with exponential backoff and
  // jitter; any other error is final and returned as is. Thread-safe.
  Result<WriteOutcome> Write(const WriteIntent& intent);

 private:
  std::chrono::milliseconds BackoffBefore(int attempt) const;

  FhirClient* ehr_;
  RetryPolicy policy_;
  Sleeper sleep_;
};

// True for errors that a later attempt may not meet again.
bool IsRetryable(const Status& status);

}  // namespace medulla::fhir
