#include "orchestrator/worker_pool.h"

#include "common/ids.h"
#include "common/log.h"
#include "orchestrator/task_runner.h"
#include "store/task_state.h"

namespace medulla::orchestrator {

WorkerPool::WorkerPool(Services services, WorkerOptions options)
    : services_(services),
      router_(*services.agents, *services.tools, *services.model),
      options_(std::move(options)) {
  if (options_.node_id.empty())
    options_.node_id = "node-" + NewUuid().substr(0, 8);
}

WorkerPool::~WorkerPool() {
  Stop();
}

void WorkerPool::Start() {
  for (int i = 0; i < options_.threads; ++i) {
    std::string worker = options_.node_id + "/" + std::to_string(i);
    threads_.emplace_back([this, worker] { WorkLoop(worker); });
  }
}

void WorkerPool::Stop() {
  stopping_ = true;
  for (std::thread& thread : threads_) {
    if (thread.joinable())
      thread.join();
  }
  threads_.clear();
}

void WorkerPool::WorkLoop(const std::string& worker) {
  while (!stopping_) {
    Result<std::optional<store::Lease>> claimed =
        services_.store->Claim(worker, options_.lease_for);
    if (!claimed.ok()) {
      log::Error("orchestrator", "queue.claim_failed",
                 {{"worker", worker}, {"code", StatusCodeName(claimed.status().code())}});
    }
    if (!claimed.ok() || !claimed->has_value()) {
      std::this_thread::sleep_for(options_.idle_poll);
      continue;
    }
    RunClaimed(**claimed);
  }
}

void WorkerPool::RunClaimed(const store::Lease& lease) {
  if (lease.attempts > options_.max_attempts) {
    Status abandoned = AbandonTask(services_, lease, "the task could not be run to completion");
    if (abandoned.ok())
      (void)services_.store->Finish(lease);
    return;
  }

  Result<store::TaskStatus> status = RunTask(services_, router_, lease);
  if (!status.ok()) {
    // The task stays queued; its lease expires and it is claimed again.
    log::Warn("orchestrator", "task.interrupted",
              {{"task", lease.task_id},
               {"attempt", lease.attempts},
               {"code", StatusCodeName(status.status().code())}});
    return;
  }

  Status finished = services_.store->Finish(lease);
  if (!finished.ok()) {
    log::Warn("orchestrator", "queue.finish_failed",
              {{"task", lease.task_id}, {"code", StatusCodeName(finished.code())}});
  }
}

}  // namespace medulla::orchestrator
