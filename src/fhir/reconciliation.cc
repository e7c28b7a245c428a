#include "fhir/reconciliation.h"

#include <map>

#include "common/ids.h"
#include "common/log.h"
#include "common/metrics.h"
#include "fhir/resource_mapping.h"
#include "store/event.h"

namespace medulla::fhir {
namespace {

using nlohmann::json;
using store::WritebackEntry;
using store::WritebackStatus;
namespace event_type = store::event_type;

constexpr std::chrono::seconds kLease{30};

std::string ReferenceOf(const json& resource) {
  return resource.value("resourceType", "") + "/" + resource.value("id", "");
}

WritebackTransition Reconciled(const WritebackEntry& entry, const std::string& finding) {
  return {event_type::kWritebackReconciled,
          {{"intent_id", entry.intent_id}, {"reference", entry.reference}, {"finding", finding}}};
}

WritebackTransition Flagged(const WritebackEntry& entry, const std::string& finding,
                            const std::string& action) {
  metrics::Increment("medulla_reconciliation_findings_total",
                     "What reconciliation found the EHR holding, by finding.",
                     {{"finding", finding}});
  return {event_type::kWritebackFlagged,
          {{"intent_id", entry.intent_id}, {"finding", finding}, {"action", action}}};
}

bool IsReconcilable(const WritebackEntry& entry) {
  if (entry.route == store::WritebackRoute::kWorkItem)
    return false;
  return entry.status == WritebackStatus::kConfirmed ||
         entry.status == WritebackStatus::kReconciled || entry.status == WritebackStatus::kFailed;
}

}  // namespace

Reconciler::Reconciler(EhrDirectory& ehrs, store::Store& outbox, const Clock& clock,
                       std::string worker)
    : ehrs_(&ehrs), outbox_(&outbox), clock_(&clock), worker_(std::move(worker)) {}

Result<ReconciliationReport> Reconciler::Reconcile(const std::string& tenant, size_t limit) {
  // Listed before any is changed, so that an entry reconciled now is not met again below.
  std::vector<WritebackEntry> candidates;
  for (WritebackStatus status :
       {WritebackStatus::kConfirmed, WritebackStatus::kReconciled, WritebackStatus::kFailed}) {
    store::WritebackFilter filter;
    filter.tenant = tenant;
    filter.status = status;
    filter.limit = limit;
    ASSIGN_OR_RETURN(std::vector<WritebackEntry> listed, outbox_->ListWritebacks(filter));
    candidates.insert(candidates.end(), listed.begin(), listed.end());
  }

  ReconciliationReport report;
  std::map<std::string, bool> finished;  // by task: asked once per run
  for (const WritebackEntry& candidate : candidates) {
    if (!IsReconcilable(candidate))
      continue;
    auto known = finished.find(candidate.task_id);
    if (known == finished.end())
      known = finished.emplace(candidate.task_id, TaskFinished(candidate.task_id)).first;
    if (!known->second)
      continue;  // its task is still at work on it; reconciled once the task has finished
    Result<std::optional<WritebackEntry>> claimed =
        outbox_->ClaimWritebackById(tenant, candidate.intent_id, worker_ + "/" + NewUuid(), kLease);
    if (!claimed.ok() || !*claimed) {
      ++report.skipped;
      continue;
    }

    WritebackEntry entry = std::move(**claimed);
    std::vector<WritebackTransition> transitions;
    ++report.checked;
    ReconcileEntry(entry, report, transitions);
    RETURN_IF_ERROR(outbox_->UpdateWriteback(entry));
    if (!transitions.empty())
      report.changes.push_back({entry, std::move(transitions)});
  }
  log::Info("fhir", "reconciliation.finished",
            {{"tenant", tenant},
             {"checked", report.checked},
             {"as_written", report.as_written},
             {"repaired", report.repaired},
             {"flagged", report.flagged},
             {"skipped", report.skipped}});
  return report;
}

// A write is compared with the EHR only once its task has finished: while it runs, the task's
// own worker is still writing and recording it.
bool Reconciler::TaskFinished(const std::string& task_id) {
  Result<std::vector<store::Event>> events = outbox_->ReadTask(task_id);
  if (!events.ok())
    return events.status().code() == StatusCode::kNotFound;  // nothing left to wait for
  for (const store::Event& event : *events) {
    if (event.type == event_type::kTaskCompleted)
      return true;
  }
  return false;
}

void Reconciler::ReconcileEntry(WritebackEntry& entry, ReconciliationReport& report,
                                std::vector<WritebackTransition>& transitions) {
  EhrAdapter& ehr = ehrs_->For(entry.tenant);
  const Identifier identifier{kWritebackIdentifierSystem, entry.intent_id};
  Result<std::vector<json>> held = ehr.FindWritten(entry.resource_type, identifier, entry.patient);
  if (!held.ok()) {
    ++report.skipped;
    return;
  }

  if (held->empty()) {
    if (entry.status == WritebackStatus::kFailed) {
      ++report.as_written;  // Medulla believes it unwritten, and so it is
      return;
    }
    entry.status = WritebackStatus::kRetrying;
    entry.reason = "missing from the EHR; queued to be written again";
    entry.next_attempt_at = clock_->Now();
    transitions.push_back(Flagged(entry, "missing", "rewrite"));
    ++report.repaired;
    return;
  }

  if (held->size() > 1) {
    entry.status = WritebackStatus::kHeld;
    entry.reason = "the EHR holds " + std::to_string(held->size()) +
                   " copies of this write; the extra ones need removing in the EHR";
    transitions.push_back(Flagged(entry, "duplicates", "hold"));
    transitions.push_back(
        {event_type::kWritebackHeld, {{"intent_id", entry.intent_id}, {"reason", entry.reason}}});
    ++report.flagged;
    return;
  }

  const json& copy = held->front();
  const bool was_failed = entry.status == WritebackStatus::kFailed;
  // An entry reconciled before, at the version the EHR still holds, has nothing new to say.
  const bool unchanged_since_last_time =
      entry.status == WritebackStatus::kReconciled && entry.version == VersionIdOf(copy);
  if (entry.reference.empty() || was_failed)
    entry.reference = ReferenceOf(copy);
  entry.status = WritebackStatus::kReconciled;
  entry.reason.clear();

  if (was_failed) {
    transitions.push_back(Flagged(entry, "written_though_failed", "confirm"));
    transitions.push_back(Reconciled(entry, "written though its answer was lost"));
    ++report.repaired;
    return;
  }
  // Vendor APIs reshape what they store; only presence and uniqueness can be compared there.
  const json written = entry.intent.value("resource", json::object());
  if (entry.route != store::WritebackRoute::kFhir ||
      ClinicalContentOf(copy) == ClinicalContentOf(written)) {
    ++report.as_written;
    if (!unchanged_since_last_time)
      transitions.push_back(Reconciled(entry, "as written"));
    if (!VersionIdOf(copy).empty())
      entry.version = VersionIdOf(copy);
    return;
  }

  if (!IsStillMedullaDraft(copy)) {
    ++report.as_written;
    if (unchanged_since_last_time)
      return;
    entry.version = VersionIdOf(copy);
    transitions.push_back(Flagged(entry, "edited_in_ehr", "none"));
    transitions.push_back(Reconciled(entry, "taken over and edited in the EHR"));
    return;
  }

  json restored = written;
  restored["id"] = copy["id"];
  EhrOutcome outcome = ehr.Update(ReferenceOf(copy), restored, VersionIdOf(copy));
  if (outcome.status.ok()) {
    entry.version = outcome.version;
    ++report.repaired;
    transitions.push_back(Flagged(entry, "draft_altered", "restored"));
    transitions.push_back(Reconciled(entry, "restored to what Medulla wrote"));
    return;
  }
  entry.status = WritebackStatus::kHeld;
  entry.reason =
      "the EHR's copy of the draft differs and could not be restored: " + outcome.status.message();
  ++report.flagged;
  transitions.push_back(Flagged(entry, "draft_altered", "hold"));
  transitions.push_back(
      {event_type::kWritebackHeld, {{"intent_id", entry.intent_id}, {"reason", entry.reason}}});
}

}  // namespace medulla::fhir
