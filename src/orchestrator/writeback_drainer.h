// Drains the write-back outbox: intents whose task has finished and that are due (an EHR that
// was down, a Retry-After that passed) are attempted again, oldest first and in order per
// patient, and each attempt is recorded on the intent's task. Runs on every node; the outbox's
// leases keep two nodes from attempting one intent at the same time.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "fhir/integration_service.h"
#include "store/store.h"

namespace medulla::orchestrator {

struct DrainerOptions {
  std::chrono::milliseconds idle_poll{200};  // how often an idle drainer looks for due intents
};

class WritebackDrainer {
 public:
  // `integration` and `store` must outlive the drainer.
  WritebackDrainer(fhir::IntegrationService& integration, store::Store& store,
                   DrainerOptions options = {});
  ~WritebackDrainer();  // stops

  void Start();
  void Stop();  // idempotent

  // Attempts every intent due now, for tests and `medulla writeback drain`; returns how many
  // attempts were made.
  Result<int> DrainDue();

 private:
  void Loop();

  fhir::IntegrationService* integration_;
  store::Store* store_;
  DrainerOptions options_;
  std::atomic<bool> stopping_{false};
  std::mutex mutex_;
  std::condition_variable wake_;
  std::thread thread_;
};

}  // namespace medulla::orchestrator
