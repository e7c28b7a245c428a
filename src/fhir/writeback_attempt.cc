// One attempt at an outbox entry, and what the EHR's answer does to it. Split from
// integration_service.cc, which decides what enters the outbox.
#include "common/log.h"
#include "fhir/integration_service.h"
#include "fhir/resource_mapping.h"
#include "fhir/vendor_profile.h"
#include "store/event.h"

namespace medulla::fhir {
namespace {

using nlohmann::json;
using store::WritebackEntry;
using store::WritebackStatus;
namespace event_type = store::event_type;

WritebackTransition Transition(const char* type, const WritebackEntry& entry, json fields) {
  fields["intent_id"] = entry.intent_id;
  return {type, std::move(fields)};
}

Result<EhrWrite> WriteFor(const WritebackEntry& entry) {
  ASSIGN_OR_RETURN(IntentKind kind, ParseIntentKind(entry.kind));
  EhrWrite write;
  write.kind = kind;
  write.resource = entry.intent.value("resource", json::object());
  write.identifier = {kWritebackIdentifierSystem, entry.intent_id};
  write.patient = entry.patient;
  write.encounter = entry.intent.value("encounter", "");
  return write;
}

void Confirm(WritebackEntry& entry, const std::string& reference, const std::string& version,
             const char* outcome, std::vector<WritebackTransition>& transitions) {
  entry.status = WritebackStatus::kConfirmed;
  entry.reason.clear();
  entry.reference = reference;
  entry.version = version;
  json fields = {{"reference", reference}, {"outcome", outcome}, {"attempts", entry.attempts}};
  if (!version.empty())
    fields["version"] = version;
  transitions.push_back(Transition(event_type::kWritebackConfirmed, entry, std::move(fields)));
}

void Hold(WritebackEntry& entry, std::string reason,
          std::vector<WritebackTransition>& transitions) {
  entry.status = WritebackStatus::kHeld;
  entry.reason = std::move(reason);
  transitions.push_back(Transition(event_type::kWritebackHeld, entry, {{"reason", entry.reason}}));
}

void Fail(WritebackEntry& entry, std::string reason,
          std::vector<WritebackTransition>& transitions) {
  entry.status = WritebackStatus::kFailed;
  entry.reason = std::move(reason);
  transitions.push_back(Transition(event_type::kWritebackFailed, entry,
                                   {{"reason", entry.reason}, {"retryable", false}}));
}

}  // namespace

// The EHR already holds a resource with this intent's identifier. If it is what Medulla would
// write now, the write is confirmed. If the draft was revised since (a task run again), the
// revision replaces it, checked against the version read; a 409/412 re-reads and re-applies
// while the EHR's copy is still Medulla's draft, and holds the intent once somebody in the EHR
// has taken it over (signed the note, booked the slot, submitted the claim).
static void ApplyRevision(EhrAdapter& ehr, WritebackEntry& entry, const json& resource,
                          const EhrOutcome& created,
                          std::vector<WritebackTransition>& transitions) {
  constexpr int kRevisionAttempts = 3;
  for (int attempt = 1; attempt <= kRevisionAttempts; ++attempt) {
    Result<json> held = ehr.fhir().Read(created.reference);
    if (!held.ok()) {
      Confirm(entry, created.reference, created.version, "existing", transitions);
      return;
    }
    if (ClinicalContentOf(*held) == ClinicalContentOf(resource)) {
      Confirm(entry, created.reference, VersionIdOf(*held), "existing", transitions);
      return;
    }
    if (!IsStillMedullaDraft(*held)) {
      Hold(entry, "the EHR's copy was changed in the EHR; the revised draft needs review",
           transitions);
      return;
    }

    json revised = resource;
    revised["id"] = (*held)["id"];
    EhrOutcome updated = ehr.Update(created.reference, revised, VersionIdOf(*held));
    if (updated.status.ok()) {
      Confirm(entry, created.reference, updated.version, "revised", transitions);
      return;
    }
    if (updated.status.code() != StatusCode::kConflict) {
      Hold(entry, "revision refused: " + updated.status.message(), transitions);
      return;
    }
    log::Info("fhir", "writeback.revision_conflict",
              {{"task", entry.task_id}, {"intent", entry.intent_id}, {"attempt", attempt}});
  }
  Hold(entry, "the EHR's copy kept changing while the revision was applied", transitions);
}

void IntegrationService::AttemptOnce(WritebackEntry& entry,
                                     std::vector<WritebackTransition>& transitions,
                                     std::optional<std::chrono::milliseconds>& retry_after) {
  // Asked again at every attempt, for the user the intent was accepted for: an intent that
  // waited out an outage is not written if the clinic has since withdrawn the permission.
  Status allowed = AskPolicy(entry.intent.value("principal", json::object()), entry.tenant,
                             entry.patient, entry.resource_type, nullptr);
  if (!allowed.ok()) {
    Hold(entry, allowed.message(), transitions);
    return;
  }
  Result<EhrWrite> write = WriteFor(entry);
  if (!write.ok()) {
    Fail(entry, write.status().message(), transitions);
    return;
  }

  EhrAdapter& ehr = ehrs_->For(entry.tenant);
  ++entry.attempts;
  EhrOutcome outcome = ehr.Create(*write);
  log::Info("fhir", "writeback.attempted",
            {{"task", entry.task_id},
             {"intent", entry.intent_id},
             {"vendor", ehr.profile().vendor},
             {"attempt", entry.attempts},
             {"code", StatusCodeName(outcome.status.code())}});

  if (outcome.status.ok()) {
    if (!outcome.duplicates.empty()) {
      entry.reference = outcome.reference;
      Hold(entry,
           "the EHR holds " + std::to_string(outcome.duplicates.size() + 1) +
               " copies of this write; the extra ones need removing in the EHR",
           transitions);
      return;
    }
    if (!outcome.created && entry.route == store::WritebackRoute::kFhir) {
      ApplyRevision(ehr, entry, write->resource, outcome, transitions);
      return;
    }
    Confirm(entry, outcome.reference, outcome.version, outcome.created ? "created" : "existing",
            transitions);
    return;
  }

  const Status& status = outcome.status;
  const std::string why = status.message();
  switch (status.code()) {
    case StatusCode::kInvalidArgument:
      Hold(entry, "the EHR refused the content: " + why, transitions);
      return;
    case StatusCode::kPermissionDenied:
    case StatusCode::kUnauthenticated:
      Hold(entry, "the EHR refused Medulla's client: " + why, transitions);
      return;
    case StatusCode::kFailedPrecondition:
    case StatusCode::kNotFound:
      Hold(entry, "the EHR cannot take this write: " + why, transitions);
      return;
    default:
      break;  // outages, timeouts, conflicts and garbled answers: a later attempt may pass
  }

  bool out_of_attempts = entry.attempts >= options_.retry.max_total_attempts;
  bool out_of_time = clock_->Now() - entry.created_at >= options_.retry.give_up_after;
  if (out_of_attempts || out_of_time) {
    Fail(entry, "gave up after " + std::to_string(entry.attempts) + " attempts: " + why,
         transitions);
    return;
  }

  retry_after = outcome.retry_after;
  auto wait = std::max(BackoffBefore(entry.attempts),
                       outcome.retry_after.value_or(std::chrono::milliseconds(0)));
  entry.status = WritebackStatus::kRetrying;
  entry.reason = why;
  entry.next_attempt_at = clock_->Now() + wait;
  transitions.push_back(Transition(event_type::kWritebackRetrying, entry,
                                   {{"attempts", entry.attempts},
                                    {"reason", why},
                                    {"next_attempt_at", FormatTimestamp(entry.next_attempt_at)}}));
}

}  // namespace medulla::fhir
