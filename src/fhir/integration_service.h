// The integration service: the only way anything reaches an EHR. It accepts an intent into the
// durable outbox after checking everything that decides whether it may be written (the grant,
// policy, validation against the FHIR R4 definitions), then attempts it through the tenant's
// EHR adapter, so that every intent ends confirmed, or held or failed with a reason, and an
// EHR that is down only delays its writes.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "auth/grant.h"
#include "common/status.h"
#include "common/time.h"
#include "fhir/ehr_directory.h"
#include "fhir/intent.h"
#include "policy/policy.h"
#include "store/outbox.h"
#include "store/store.h"

namespace medulla::fhir {

namespace validation {
class Validator;
}

struct RetryPolicy {
  int max_attempts = 4;  // attempts made at once, while the task that made the intent waits
  std::chrono::milliseconds first_backoff{100};
  std::chrono::milliseconds max_backoff{2000};
  // After these, a still-failing intent stops being retried and is marked failed.
  int max_total_attempts = 40;
  std::chrono::milliseconds give_up_after = std::chrono::hours(24);
};

// What the integration service decided on the way into the outbox, for the task's event log.
struct WriteAudit {
  std::string grant_id;   // the verified grant, when it verified
  nlohmann::json policy;  // the policy decision at this point, when one was made
};

// One change an attempt made to an outbox entry, for the task's event log.
struct WritebackTransition {
  std::string event_type;  // a store::event_type::kWriteback* name
  nlohmann::json payload;  // {intent_id, ...}: no PHI
};

struct AttemptResult {
  store::WritebackEntry entry;                   // as it stands after the attempt
  std::vector<WritebackTransition> transitions;  // what to record, in order
};

struct IntegrationOptions {
  RetryPolicy retry;
  std::chrono::milliseconds lease_for{30000};  // how long an attempt may hold an intent
  std::string worker;                          // names this node's claims
};

class IntegrationService {
 public:
  using Sleeper = std::function<void(std::chrono::milliseconds)>;

  // Everything passed by reference must outlive this object. `validator` may be null, in which
  // case only the vendor profile's required elements are checked. `sleep` is injectable so
  // tests need not wait.
  IntegrationService(EhrDirectory& ehrs, store::Store& outbox, const auth::GrantVerifier& grants,
                     const policy::PolicyStore& policy,
                     std::shared_ptr<const validation::Validator> validator, const Clock& clock,
                     IntegrationOptions options, Sleeper sleep = nullptr);

  // Takes `intent` into the outbox. First verifies and spends its grant, here where the EHR is
  // written: unexpired, unused, for this audience, tenant, task and patient, covering the
  // resource type (kPermissionDenied otherwise, and nothing is queued); then asks policy again
  // for the grant's user (kPermissionDenied naming the statement). A resource that fails
  // validation is queued held, with the reasons (element paths and rules, never values). An
  // intent already in the outbox is returned as it stands, unless its resource now differs, or
  // it was held or failed: then this acceptance replaces it and is attempted afresh.
  // Thread-safe.
  Result<store::WritebackEntry> Accept(const WriteIntent& intent, WriteAudit* audit = nullptr);

  // Records an intent that will not be sent (`status` held or failed, with `reason`): one whose
  // step went to a person, or one refused on its way in. It is listed with the others, and a
  // later Accept of the same intent (the task run again) takes it up. Its grant is neither
  // verified nor spent. Thread-safe.
  Status RecordUnsent(const WriteIntent& intent, store::WritebackStatus status,
                      const std::string& reason);

  // Attempts an accepted intent now, up to retry.max_attempts times with backoff, unless
  // another worker holds it or an earlier intent for the same patient is still unfinished
  // (then it is left for the drainer, which keeps each patient's writes in order).
  Result<AttemptResult> AttemptNow(const std::string& tenant, const std::string& intent_id);

  // The same, for an entry as Accept returned it: when Accept enqueued it claimed for this
  // caller, that claim is used and no other is made.
  Result<AttemptResult> AttemptNow(const store::WritebackEntry& accepted);

  // Claims the next due intent of any tenant and attempts it once; nullopt when none is due.
  Result<std::optional<AttemptResult>> DrainOne();

 private:
  Result<auth::VerifiedGrant> CheckGrant(const WriteIntent& intent,
                                         const std::string& resource_type) const;
  Status AskPolicy(const nlohmann::json& principal, const std::string& tenant,
                   const std::string& patient, const std::string& resource_type,
                   WriteAudit* audit) const;
  std::string ValidationProblems(const EhrAdapter& ehr, const nlohmann::json& resource,
                                 store::WritebackRoute route) const;
  bool WaitsBehindEarlierWrite(const store::WritebackEntry& entry);
  Result<AttemptResult> AttemptClaimed(store::WritebackEntry entry);
  Result<std::optional<store::WritebackEntry>> Revise(const store::WritebackEntry& revision);

  // One attempt on a claimed entry: sends it, and moves its status by what the EHR said.
  void AttemptOnce(store::WritebackEntry& entry, std::vector<WritebackTransition>& transitions,
                   std::optional<std::chrono::milliseconds>& retry_after);
  std::chrono::milliseconds BackoffBefore(int attempt) const;
  std::string Claimant() const;

  EhrDirectory* ehrs_;
  store::Store* outbox_;
  const auth::GrantVerifier* grants_;
  const policy::PolicyStore* policy_store_;
  std::shared_ptr<const validation::Validator> validator_;
  const Clock* clock_;
  IntegrationOptions options_;
  Sleeper sleep_;
};

}  // namespace medulla::fhir
