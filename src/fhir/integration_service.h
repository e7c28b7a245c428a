// The integration service: the only way anything reaches an EHR. It maps an intent to a
// resource, checks it, and writes it with a conditional create on the intent's business
// identifier, retrying what may be retried, so that a write is confirmed at most once.
#pragma once

#include <chrono>
#include <functional>
#include <string>

#include "auth/grant.h"
#include "common/status.h"
#include "fhir/fhir_client.h"
#include "fhir/intent.h"
#include "policy/policy.h"

namespace medulla::fhir {

struct RetryPolicy {
  int max_attempts = 4;
  std::chrono::milliseconds first_backoff{100};
  std::chrono::milliseconds max_backoff{2000};
};

// What the integration service decided on the way to a write, for the task's event log.
struct WriteAudit {
  std::string grant_id;   // the verified grant, when it verified
  nlohmann::json policy;  // the policy decision at this point, when one was made
};

struct WriteOutcome {
  std::string reference;
  bool created = false;  // false: the EHR already held it (a repeat of an earlier write)
  int attempts = 0;
};

class IntegrationService {
 public:
  using Sleeper = std::function<void(std::chrono::milliseconds)>;

  // `ehr` and `grants` must outlive this object. `sleep` is injectable so tests need not wait.
  IntegrationService(FhirClient& ehr, const auth::GrantVerifier& grants,
                     const policy::PolicyStore& policy, RetryPolicy retry, Sleeper sleep = nullptr);

  // Writes `intent`. First verifies the intent's grant again, here where the EHR is written:
  // it must be unexpired, unused, for this audience, tenant, task and patient, and cover
  // creating the resource type (kPermissionDenied otherwise, and nothing is sent). Then asks
  // policy again, for the grant's user, whether it may create this resource type for this
  // patient (kPermissionDenied naming the deciding statement otherwise). Retries
  // kUnavailable and kDeadlineExceeded with exponential backoff and jitter; any other error
  // is final and returned as is. Thread-safe.
  Result<WriteOutcome> Write(const WriteIntent& intent, WriteAudit* audit = nullptr);

 private:
  std::chrono::milliseconds BackoffBefore(int attempt) const;

  Result<auth::VerifiedGrant> CheckGrant(const WriteIntent& intent,
                                         const std::string& resource_type) const;
  Status CheckPolicy(const WriteIntent& intent, const auth::VerifiedGrant& grant,
                     const std::string& resource_type, WriteAudit& audit) const;

  FhirClient* ehr_;
  const auth::GrantVerifier* grants_;
  const policy::PolicyStore* policy_store_;
  RetryPolicy policy_;
  Sleeper sleep_;
};

// True for errors that a later attempt may not meet again.
bool IsRetryable(const Status& status);

}  // namespace medulla::fhir
