#include "orchestrator/reconciliation_job.h"

#include "common/log.h"
#include "orchestrator/late_events.h"

namespace medulla::orchestrator {

ReconciliationJob::ReconciliationJob(fhir::Reconciler& reconciler, store::Store& store,
                                     std::chrono::milliseconds interval)
    : reconciler_(&reconciler), store_(&store), interval_(interval) {}

ReconciliationJob::~ReconciliationJob() {
  Stop();
}

Result<fhir::ReconciliationReport> ReconciliationJob::RunTenant(const std::string& tenant) {
  ASSIGN_OR_RETURN(fhir::ReconciliationReport report, reconciler_->Reconcile(tenant));
  for (const fhir::AttemptResult& change : report.changes) {
    Status recorded = AppendLate(*store_, change.entry.task_id,
                                 TransitionEvents("reconciliation", tenant, change.transitions));
    if (!recorded.ok()) {
      log::Error("orchestrator", "reconciliation.record_failed",
                 {{"task", change.entry.task_id},
                  {"intent", change.entry.intent_id},
                  {"reason", recorded.message()}});
    }
  }
  return report;
}

void ReconciliationJob::Start() {
  thread_ = std::thread([this] {
    while (!stopping_) {
      {
        std::unique_lock<std::mutex> lock(mutex_);
        wake_.wait_for(lock, interval_, [this] { return stopping_.load(); });
      }
      if (stopping_)
        break;
      Result<std::vector<std::string>> tenants = store_->Tenants();
      for (const std::string& tenant : tenants.ok() ? *tenants : std::vector<std::string>{}) {
        Result<fhir::ReconciliationReport> report = RunTenant(tenant);
        if (!report.ok()) {
          log::Warn("orchestrator", "reconciliation.failed",
                    {{"tenant", tenant}, {"reason", report.status().message()}});
        }
      }
    }
  });
}

void ReconciliationJob::Stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable())
    thread_.join();
}

}  // namespace medulla::orchestrator
