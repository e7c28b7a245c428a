#include "fhir/integration_service.h"

#include <algorithm>
#include <random>
#include <thread>

#include "common/ids.h"
#include "common/log.h"
#include "fhir/resource_mapping.h"
#include "fhir/validation/validator.h"
#include "fhir/vendor_profile.h"
#include "store/event.h"

namespace medulla::fhir {
namespace {

using nlohmann::json;
using store::WritebackEntry;
using store::WritebackStatus;
namespace event_type = store::event_type;

bool IsUnfinished(const WritebackEntry& entry) {
  return entry.status == WritebackStatus::kPending || entry.status == WritebackStatus::kRetrying;
}

bool IsAttemptable(const WritebackEntry& entry) {
  return IsUnfinished(entry) && entry.route != store::WritebackRoute::kWorkItem;
}

// What the outbox keeps of an intent: enough to attempt it later, when its grant is long spent,
// and to say on whose behalf it was written.
// Who a write is made for, as the grant said: what policy is asked about at every attempt.
json PrincipalRecord(const auth::VerifiedGrant& grant) {
  return {{"sub", grant.subject},
          {"roles", grant.roles},
          {"scopes", grant.scopes},
          {"purpose_of_use", grant.purpose_of_use},
          {"agent", grant.agent}};
}

json OutboxRecord(const WriteIntent& intent, const json& resource, const auth::VerifiedGrant& grant,
                  const WriteAudit& audit) {
  json record = intent.ToJson();
  record["resource"] = resource;
  record["grant_id"] = grant.grant_id;
  record["principal"] = PrincipalRecord(grant);
  record["policy"] = audit.policy;
  return record;
}

WritebackEntry NewEntry(const WriteIntent& intent, const json& record, store::WritebackRoute route,
                        TimePoint now) {
  WritebackEntry entry;
  entry.tenant = intent.tenant;
  entry.intent_id = intent.intent_id;
  entry.task_id = intent.task_id;
  entry.patient = intent.patient;
  entry.kind = IntentKindName(intent.kind);
  entry.resource_type = record["resource"].value("resourceType", ResourceTypeFor(intent.kind));
  entry.route = route;
  entry.intent = record;
  entry.next_attempt_at = now;
  return entry;
}

}  // namespace

IntegrationService::IntegrationService(EhrDirectory& ehrs, store::Store& outbox,
                                       const auth::GrantVerifier& grants,
                                       const policy::PolicyStore& policy,
                                       std::shared_ptr<const validation::Validator> validator,
                                       const Clock& clock, IntegrationOptions options,
                                       Sleeper sleep)
    : ehrs_(&ehrs),
      outbox_(&outbox),
      grants_(&grants),
      policy_store_(&policy),
      validator_(std::move(validator)),
      clock_(&clock),
      options_(std::move(options)),
      sleep_(std::move(sleep)) {
  if (!sleep_)
    sleep_ = [](std::chrono::milliseconds d) { std::this_thread::sleep_for(d); };
  if (options_.worker.empty())
    options_.worker = "integration";
}

// Each claim has its own name: two threads of one node must not mistake each other's lease for
// their own.
std::string IntegrationService::Claimant() const {
  return options_.worker + "/" + NewUuid().substr(0, 8);
}

std::chrono::milliseconds IntegrationService::BackoffBefore(int attempt) const {
  thread_local std::mt19937 jitter_source{std::random_device{}()};
  const RetryPolicy& retry = options_.retry;
  int doublings = std::clamp(attempt - 1, 0, 20);
  auto ceiling = std::min(retry.max_backoff, retry.first_backoff * (int64_t{1} << doublings));
  std::uniform_int_distribution<int64_t> jitter(ceiling.count() / 2, ceiling.count());
  return std::chrono::milliseconds(jitter(jitter_source));
}

Result<auth::VerifiedGrant> IntegrationService::CheckGrant(const WriteIntent& intent,
                                                           const std::string& resource_type) const {
  auth::GrantExpectation expected;
  expected.tenant = intent.tenant;
  expected.task_id = intent.task_id;
  expected.patient = intent.patient;
  expected.required_scope = "user/" + resource_type + ".c";

  Result<auth::VerifiedGrant> grant = grants_->Verify(intent.grant, expected);
  if (grant.ok())
    return grant;
  log::Warn("fhir", "writeback.grant_refused",
            {{"task", intent.task_id},
             {"intent", intent.intent_id},
             {"reason", grant.status().message()}});
  return PermissionDenied("write refused: " + grant.status().message());
}

// Policy decides a write for the person it is made for (`principal`, a PrincipalRecord), when it
// is accepted and again at every attempt.
Status IntegrationService::AskPolicy(const json& principal, const std::string& tenant,
                                     const std::string& patient, const std::string& resource_type,
                                     WriteAudit* audit) const {
  policy::Request request;
  request.principal.subject = principal.value("sub", "");
  request.principal.tenant = tenant;
  request.principal.roles = principal.value("roles", std::vector<std::string>{});
  request.principal.scopes = principal.value("scopes", std::vector<std::string>{});
  request.principal.purpose_of_use = principal.value("purpose_of_use", "");
  request.action = "fhir:create:" + resource_type;
  request.resource = policy::ResourceFor(tenant, patient);
  request.context = {{"request.purpose_of_use", request.principal.purpose_of_use},
                     {"request.agent", principal.value("agent", "")},
                     {"principal.scopes", request.principal.scopes}};

  policy::Decision decision = policy_store_->Evaluate(request);
  if (audit != nullptr) {
    audit->policy = policy::DecisionRecord(decision);
    audit->policy["point"] = "integration";
    audit->policy["action"] = request.action;
    audit->policy["resource"] = request.resource;
  }
  if (decision.effect == policy::Effect::kAllow)
    return Status::Ok();
  std::string by = decision.sid.empty() ? std::string(decision.reason)
                                        : "statement " + std::string(decision.sid);
  return PermissionDenied("write refused by policy (" + by + ")");
}

// Element paths and rule names only: the values that broke a rule may be PHI.
// A staff work item is checked against FHIR alone: the vendor's own rules apply to what the
// vendor's API receives.
std::string IntegrationService::ValidationProblems(const EhrAdapter& ehr, const json& resource,
                                                   store::WritebackRoute route) const {
  std::vector<std::string> problems;
  Status required = route == store::WritebackRoute::kWorkItem
                        ? Status::Ok()
                        : CheckRequiredElements(ehr.profile(), resource);
  if (!required.ok())
    problems.push_back(required.message());
  if (validator_) {
    for (const validation::Issue& issue : validator_->Validate(resource))
      problems.push_back(issue.path + " (" + issue.rule + ")");
  }
  std::string joined;
  for (const std::string& problem : problems)
    joined += (joined.empty() ? "" : "; ") + problem;
  return joined;
}

Result<WritebackEntry> IntegrationService::Accept(const WriteIntent& intent, WriteAudit* audit) {
  WriteAudit local_audit;
  WriteAudit& recorded = audit != nullptr ? *audit : local_audit;
  ASSIGN_OR_RETURN(json resource, ToResource(intent));
  const std::string resource_type = resource["resourceType"].get<std::string>();
  ASSIGN_OR_RETURN(auth::VerifiedGrant grant, CheckGrant(intent, resource_type));
  recorded.grant_id = grant.grant_id;
  RETURN_IF_ERROR(
      AskPolicy(PrincipalRecord(grant), intent.tenant, intent.patient, resource_type, &recorded));

  EhrAdapter& ehr = ehrs_->For(intent.tenant);
  WritebackEntry entry = NewEntry(intent, OutboxRecord(intent, resource, grant, recorded),
                                  ehr.RouteFor(intent.kind), clock_->Now());
  std::string problems = ValidationProblems(ehr, resource, entry.route);
  if (!problems.empty()) {
    entry.status = WritebackStatus::kHeld;
    entry.reason = "failed validation: " + problems;
  }

  // An intent to be attempted at once is enqueued already claimed for that attempt, which
  // saves the attempt a synced commit of its own.
  if (entry.status == WritebackStatus::kPending &&
      entry.route != store::WritebackRoute::kWorkItem) {
    entry.lease_owner = Claimant();
    entry.lease_until = clock_->Now() + options_.lease_for;
  }
  ASSIGN_OR_RETURN(bool queued, outbox_->EnqueueWriteback(entry));
  ASSIGN_OR_RETURN(std::optional<WritebackEntry> stored,
                   outbox_->FindWriteback(intent.tenant, intent.intent_id));
  if (stored && !(queued && !entry.lease_owner.empty()))
    stored->lease_owner.clear();  // the claim, if any, is not this caller's
  const bool taken_up_again = stored && (stored->status == WritebackStatus::kHeld ||
                                         stored->status == WritebackStatus::kFailed);
  if (stored && !queued &&
      (taken_up_again || ClinicalContentOf(stored->intent.value("resource", json::object())) !=
                             ClinicalContentOf(resource))) {
    ASSIGN_OR_RETURN(stored, Revise(entry));
  }
  if (!stored)
    return Internal("the outbox lost an intent it accepted");
  log::Info("fhir", queued ? "writeback.queued" : "writeback.already_queued",
            {{"task", intent.task_id},
             {"intent", intent.intent_id},
             {"route", store::WritebackRouteName(stored->route)},
             {"status", store::WritebackStatusName(stored->status)}});
  return *stored;
}

// The same intent again with different content (the task that made it ran again and drafted
// anew): the revision replaces the queued one, to be attempted afresh; the write then updates
// the EHR's copy if it is still Medulla's draft (see writeback_attempt.cc).
Result<std::optional<WritebackEntry>> IntegrationService::Revise(const WritebackEntry& revision) {
  ASSIGN_OR_RETURN(std::optional<WritebackEntry> claimed,
                   outbox_->ClaimWritebackById(revision.tenant, revision.intent_id, Claimant(),
                                               options_.lease_for));
  if (!claimed)
    return Unavailable("the intent is being written; its revision can be sent again shortly");

  WritebackEntry revised = std::move(*claimed);
  revised.task_id = revision.task_id;
  revised.intent = revision.intent;
  revised.status = revision.status;
  revised.reason = revision.reason.empty() ? "revised" : revision.reason;
  revised.attempts = 0;
  revised.next_attempt_at = clock_->Now();
  RETURN_IF_ERROR(outbox_->UpdateWriteback(revised));
  log::Info("fhir", "writeback.revised",
            {{"task", revised.task_id}, {"intent", revised.intent_id}});
  return outbox_->FindWriteback(revised.tenant, revised.intent_id);
}

Status IntegrationService::RecordUnsent(const WriteIntent& intent, WritebackStatus status,
                                        const std::string& reason) {
  Result<json> resource = ToResource(intent);
  json record = intent.ToJson();
  record["resource"] = resource.ok() ? *resource : json::object();
  EhrAdapter& ehr = ehrs_->For(intent.tenant);
  WritebackEntry entry = NewEntry(intent, record, ehr.RouteFor(intent.kind), clock_->Now());
  entry.status = status;
  entry.reason = reason;
  ASSIGN_OR_RETURN(bool queued, outbox_->EnqueueWriteback(entry));
  if (queued)
    return Status::Ok();

  // The intent was seen before (a task run again): it now stands as this run left it.
  ASSIGN_OR_RETURN(
      std::optional<WritebackEntry> claimed,
      outbox_->ClaimWritebackById(intent.tenant, intent.intent_id, Claimant(), options_.lease_for));
  if (!claimed || claimed->status == WritebackStatus::kConfirmed ||
      claimed->status == WritebackStatus::kReconciled) {
    return claimed ? outbox_->UpdateWriteback(*claimed) : Status::Ok();
  }
  claimed->task_id = intent.task_id;
  claimed->status = status;
  claimed->reason = reason;
  return outbox_->UpdateWriteback(*claimed);
}

bool IntegrationService::WaitsBehindEarlierWrite(const WritebackEntry& entry) {
  for (WritebackStatus status : {WritebackStatus::kPending, WritebackStatus::kRetrying}) {
    for (store::WritebackRoute route :
         {store::WritebackRoute::kFhir, store::WritebackRoute::kVendorApi}) {
      store::WritebackFilter filter;
      filter.tenant = entry.tenant;
      filter.patient = entry.patient;
      filter.status = status;
      filter.route = route;
      filter.limit = 1;  // listed lowest order first: the first says whether any is earlier
      Result<std::vector<WritebackEntry>> unfinished = outbox_->ListWritebacks(filter);
      if (!unfinished.ok())
        return true;  // unsure: leave it to the drainer, which keeps the order
      if (!unfinished->empty() && unfinished->front().order < entry.order)
        return true;
    }
  }
  return false;
}

Result<AttemptResult> IntegrationService::AttemptNow(const std::string& tenant,
                                                     const std::string& intent_id) {
  ASSIGN_OR_RETURN(std::optional<WritebackEntry> claimed,
                   outbox_->ClaimWritebackById(tenant, intent_id, Claimant(), options_.lease_for));
  if (!claimed) {
    ASSIGN_OR_RETURN(std::optional<WritebackEntry> current,
                     outbox_->FindWriteback(tenant, intent_id));
    return AttemptResult{*current, {}};
  }
  return AttemptClaimed(std::move(*claimed));
}

Result<AttemptResult> IntegrationService::AttemptNow(const WritebackEntry& accepted) {
  // A claim that lapsed (a caller slower than the lease) may already be another's.
  if (accepted.lease_owner.empty() || accepted.lease_until <= clock_->Now())
    return AttemptNow(accepted.tenant, accepted.intent_id);
  return AttemptClaimed(accepted);
}

Result<AttemptResult> IntegrationService::AttemptClaimed(WritebackEntry entry) {
  if (!IsAttemptable(entry) || WaitsBehindEarlierWrite(entry)) {
    RETURN_IF_ERROR(outbox_->UpdateWriteback(entry));
    return AttemptResult{entry, {}};
  }

  std::vector<WritebackTransition> transitions;
  for (int attempt = 1;; ++attempt) {
    std::optional<std::chrono::milliseconds> retry_after;
    AttemptOnce(entry, transitions, retry_after);
    if (entry.status != WritebackStatus::kRetrying || attempt >= options_.retry.max_attempts)
      break;
    // A long Retry-After, or an open breaker, is the drainer's to wait out, not the task's.
    if (retry_after && *retry_after > options_.retry.max_backoff)
      break;
    sleep_(std::max(BackoffBefore(attempt), retry_after.value_or(std::chrono::milliseconds(0))));
  }
  RETURN_IF_ERROR(outbox_->UpdateWriteback(entry));
  return AttemptResult{entry, std::move(transitions)};
}

Result<std::optional<AttemptResult>> IntegrationService::DrainOne() {
  ASSIGN_OR_RETURN(std::optional<WritebackEntry> claimed,
                   outbox_->ClaimWriteback(Claimant(), options_.lease_for));
  if (!claimed)
    return std::optional<AttemptResult>();

  std::vector<WritebackTransition> transitions;
  std::optional<std::chrono::milliseconds> retry_after;
  AttemptOnce(*claimed, transitions, retry_after);
  RETURN_IF_ERROR(outbox_->UpdateWriteback(*claimed));
  return std::optional<AttemptResult>(AttemptResult{*claimed, std::move(transitions)});
}

}  // namespace medulla::fhir
