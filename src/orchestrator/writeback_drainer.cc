#include "orchestrator/writeback_drainer.h"

#include "common/log.h"
#include "orchestrator/late_events.h"

namespace medulla::orchestrator {

WritebackDrainer::WritebackDrainer(fhir::IntegrationService& integration, store::Store& store,
                                   DrainerOptions options)
    : integration_(&integration), store_(&store), options_(options) {}

WritebackDrainer::~WritebackDrainer() {
  Stop();
}

void WritebackDrainer::Start() {
  thread_ = std::thread([this] { Loop(); });
}

void WritebackDrainer::Stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable())
    thread_.join();
}

Result<int> WritebackDrainer::DrainDue() {
  int attempts = 0;
  while (!stopping_) {
    ASSIGN_OR_RETURN(std::optional<fhir::AttemptResult> attempt, integration_->DrainOne());
    if (!attempt)
      break;
    ++attempts;
    const store::WritebackEntry& entry = attempt->entry;
    Status recorded =
        AppendLate(*store_, entry.task_id,
                   TransitionEvents("integration", entry.tenant, attempt->transitions));
    if (!recorded.ok()) {
      log::Error(
          "orchestrator", "writeback.record_failed",
          {{"task", entry.task_id}, {"intent", entry.intent_id}, {"reason", recorded.message()}});
    }
  }
  return attempts;
}

void WritebackDrainer::Loop() {
  while (!stopping_) {
    Result<int> drained = DrainDue();
    if (!drained.ok()) {
      log::Warn("orchestrator", "writeback.drain_failed", {{"reason", drained.status().message()}});
    }
    std::unique_lock<std::mutex> lock(mutex_);
    wake_.wait_for(lock, options_.idle_poll, [this] { return stopping_.load(); });
  }
}

}  // namespace medulla::orchestrator
