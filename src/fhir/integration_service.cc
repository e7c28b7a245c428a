#include "fhir/integration_service.h"

#include <algorithm>
#include <random>
#include <thread>

#include "common/log.h"
#include "fhir/resource_mapping.h"

namespace medulla::fhir {

bool IsRetryable(const Status& status) {
  return status.code() == StatusCode::kUnavailable ||
         status.code() == StatusCode::kDeadlineExceeded;
}

IntegrationService::IntegrationService(FhirClient& ehr, const auth::GrantVerifier& grants,
                                       const policy::PolicyStore& policy, RetryPolicy retry,
                                       Sleeper sleep)
    : ehr_(&ehr),
      grants_(&grants),
      policy_store_(&policy),
      policy_(retry),
      sleep_(std::move(sleep)) {
  if (!sleep_)
    sleep_ = [](std::chrono::milliseconds d) { std::this_thread::sleep_for(d); };
}

std::chrono::milliseconds IntegrationService::BackoffBefore(int attempt) const {
  thread_local std::mt19937 jitter_source{std::random_device{}()};
  auto ceiling = std::min(policy_.max_backoff, policy_.first_backoff * (1 << (attempt - 1)));
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

Status IntegrationService::CheckPolicy(const WriteIntent& intent, const auth::VerifiedGrant& grant,
                                       const std::string& resource_type, WriteAudit& audit) const {
  policy::Request request;
  request.principal.subject = grant.subject;
  request.principal.tenant = grant.tenant;
  request.principal.roles = grant.roles;
  request.principal.scopes = grant.scopes;
  request.principal.purpose_of_use = grant.purpose_of_use;
  request.action = "fhir:create:" + resource_type;
  request.resource = policy::ResourceFor(intent.tenant, intent.patient);
  request.context = {{"request.purpose_of_use", grant.purpose_of_use},
                     {"request.agent", grant.agent},
                     {"principal.scopes", grant.scopes}};

  policy::Decision decision = policy_store_->Evaluate(request);
  audit.policy = policy::DecisionRecord(decision);
  audit.policy["point"] = "integration";
  audit.policy["action"] = request.action;
  audit.policy["resource"] = request.resource;
  if (decision.effect == policy::Effect::kAllow)
    return Status::Ok();
  std::string by = decision.sid.empty() ? std::string(decision.reason)
                                        : "statement " + std::string(decision.sid);
  return PermissionDenied("write refused by policy (" + by + ")");
}

Result<WriteOutcome> IntegrationService::Write(const WriteIntent& intent, WriteAudit* audit) {
  WriteAudit local_audit;
  WriteAudit& recorded = audit != nullptr ? *audit : local_audit;
  ASSIGN_OR_RETURN(nlohmann::json resource, ToResource(intent));
  const std::string resource_type = resource["resourceType"].get<std::string>();
  ASSIGN_OR_RETURN(auth::VerifiedGrant grant, CheckGrant(intent, resource_type));
  recorded.grant_id = grant.grant_id;
  RETURN_IF_ERROR(CheckPolicy(intent, grant, resource_type, recorded));

  Status last_error = Internal("no attempt made");
  for (int attempt = 1; attempt <= policy_.max_attempts; ++attempt) {
    if (attempt > 1)
      sleep_(BackoffBefore(attempt - 1));

    Result<CreateOutcome> outcome = ehr_->CreateIfNoneExist(resource, intent.identifier());
    if (outcome.ok()) {
      log::Info("fhir", "writeback.confirmed",
                {{"task", intent.task_id},
                 {"intent", intent.intent_id},
                 {"resource_type", resource["resourceType"]},
                 {"created", outcome->created},
                 {"attempts", attempt}});
      return WriteOutcome{outcome->reference, outcome->created, attempt};
    }

    last_error = outcome.status();
    log::Warn("fhir", "writeback.attempt_failed",
              {{"task", intent.task_id},
               {"intent", intent.intent_id},
               {"attempt", attempt},
               {"code", StatusCodeName(last_error.code())}});
    if (!IsRetryable(last_error))
      break;
  }
  return last_error;
}

}  // namespace medulla::fhir
