// Runs reconciliation over every tenant's write-backs now and then, and records what it found
// and repaired on the tasks that made them.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "fhir/reconciliation.h"
#include "store/store.h"

namespace medulla::orchestrator {

class ReconciliationJob {
 public:
  // `reconciler` and `store` must outlive the job.
  ReconciliationJob(fhir::Reconciler& reconciler, store::Store& store,
                    std::chrono::milliseconds interval);
  ~ReconciliationJob();

  void Start();  // the first run comes one interval after the start
  void Stop();   // idempotent

  // Reconciles one tenant now and records the changes; what `medulla writeback reconcile` runs.
  Result<fhir::ReconciliationReport> RunTenant(const std::string& tenant);

 private:
  fhir::Reconciler* reconciler_;
  store::Store* store_;
  std::chrono::milliseconds interval_;
  std::atomic<bool> stopping_{false};
  std::mutex mutex_;
  std::condition_variable wake_;
  std::thread thread_;
};

}  // namespace medulla::orchestrator
