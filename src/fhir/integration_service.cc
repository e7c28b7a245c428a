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
                                       RetryPolicy policy, Sleeper sleep)
    : ehr_(&ehr), grants_(&grants), policy_(policy), sleep_(std::move(sleep)) {
  if (!sleep_)
    sleep_ = [](std::chrono::milliseconds d) { std::this_thread::sleep_for(d); };
}

std::chrono::milliseconds IntegrationService::BackoffBefore(int attempt) const {
  thread_local std::mt19937 jitter_source{std::random_device{}()};
  auto ceiling = std::min(policy_.max_backoff, policy_.first_backoff * (1 << (attempt - 1)));
  std::uniform_int_distribution<int64_t> jitter(ceiling.count() / 2, ceiling.count());
  return std::chrono::milliseconds(jitter(jitter_source));
}

Status IntegrationService::CheckGrant(const WriteIntent& intent,
                                      const std::string& resource_type) const {
  auth::GrantExpectation expected;
  expected.tenant = intent.tenant;
  expected.task_id = intent.task_id;
  expected.patient = intent.patient;
  expected.required_scope = "user/" + resource_type + ".c";

  Result<auth::VerifiedGrant> grant = grants_->Verify(intent.grant, expected);
  if (grant.ok())
    return Status::Ok();
  log::Warn("fhir", "writeback.grant_refused",
            {{"task", intent.task_id},
             {"intent", intent.intent_id},
             {"reason", grant.status().message()}});
  return PermissionDenied("write refused: " + grant.status().message());
}

Result<WriteOutcome> IntegrationService::Write(const WriteIntent& intent) {
  ASSIGN_OR_RETURN(nlohmann::json resource, ToResource(intent));
  RETURN_IF_ERROR(CheckGrant(intent, resource["resourceType"].get<std::string>()));

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
