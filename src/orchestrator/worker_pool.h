// Workers claim queued tasks under leases and run them. A worker that dies leaves its lease to
// expire, and another worker (in this process or another) picks the task up and resumes it.
#pragma once

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "orchestrator/router.h"
#include "orchestrator/services.h"

namespace medulla::orchestrator {

struct WorkerOptions {
  int threads = 2;
  std::chrono::milliseconds lease_for{std::chrono::seconds(60)};
  std::chrono::milliseconds idle_poll{50};
  int max_attempts = 5;  // a task claimed this often without finishing is ended as failed
  std::string node_id;   // names this process's workers in leases; minted when empty
};

class WorkerPool {
 public:
  WorkerPool(Services services, WorkerOptions options);
  ~WorkerPool();  // stops the workers

  void Start();

  // Asks workers to stop after their current task and joins them. Idempotent.
  void Stop();

 private:
  void WorkLoop(const std::string& worker);
  void RunClaimed(const store::Lease& lease);

  Services services_;
  Router router_;
  WorkerOptions options_;
  std::atomic<bool> stopping_{false};
  std::vector<std::thread> threads_;
};

}  // namespace medulla::orchestrator
