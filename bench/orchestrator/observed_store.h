// A Store that passes every call to the real one and watches what goes through: how many
// events were appended, how many agent steps and tasks concluded and how, and when the
// expected number of tasks has left the queue. The benchmark needs these to time a drain
// without polling the store, which would contend with the workers for its one connection.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>

#include "store/store.h"

namespace medulla::bench {

struct Tally {
  int64_t events = 0;  // appended by workers (task.created is not counted)
  int64_t steps = 0;   // agent.completed events
  int64_t done = 0;    // task.completed with status done
  int64_t not_done = 0;
  int64_t finished = 0;  // tasks removed from the queue
};

// Thread-safe, as the store it wraps.
class ObservedStore final : public store::Store {
 public:
  explicit ObservedStore(std::unique_ptr<store::Store> inner) : inner_(std::move(inner)) {}

  Tally tally() const;

  // Waits until `finished` tasks in all have left the queue or `wait` passes. Returns whether
  // they have.
  bool WaitForFinished(int64_t finished, std::chrono::milliseconds wait);

  Result<store::CreatedTask> CreateTask(const store::NewTask& task) override;
  Result<std::vector<store::Event>> Append(const std::string& task_id,
                                           std::vector<store::NewEvent> events,
                                           int64_t expected_last_task_seq,
                                           const store::Lease* lease) override;
  Result<std::vector<store::Event>> ReadTask(const std::string& task_id) override;
  Result<std::vector<store::Event>> ReadSince(int64_t after_seq, size_t limit) override;
  Result<std::vector<store::Event>> ReadTenant(const std::string& tenant, int64_t after_seq,
                                               size_t limit) override;
  Result<std::vector<std::string>> Tenants() override;
  Result<std::vector<store::TaskSummary>> ListTasks(const std::string& tenant,
                                                    size_t limit) override;
  Result<std::optional<store::Lease>> Claim(const std::string& worker,
                                            std::chrono::milliseconds lease_for) override;
  Result<store::Lease> Renew(const store::Lease& lease,
                             std::chrono::milliseconds lease_for) override;
  Status Finish(const store::Lease& lease) override;
  Result<int64_t> QueueDepth() override;

  Result<bool> EnqueueWriteback(const store::WritebackEntry& entry) override;
  Result<std::optional<store::WritebackEntry>> ClaimWriteback(
      const std::string& worker, std::chrono::milliseconds lease_for) override;
  Result<std::optional<store::WritebackEntry>> ClaimWritebackById(
      const std::string& tenant, const std::string& intent_id, const std::string& worker,
      std::chrono::milliseconds lease_for) override;
  Status UpdateWriteback(const store::WritebackEntry& entry) override;
  Result<std::optional<store::WritebackEntry>> FindWriteback(const std::string& tenant,
                                                             const std::string& intent_id) override;
  Result<std::vector<store::WritebackEntry>> ListWritebacks(
      const store::WritebackFilter& filter) override;

 private:
  void Observe(const std::vector<store::Event>& stored);

  std::unique_ptr<store::Store> inner_;
  std::atomic<int64_t> events_{0};
  std::atomic<int64_t> steps_{0};
  std::atomic<int64_t> done_{0};
  std::atomic<int64_t> not_done_{0};

  mutable std::mutex mu_;
  std::condition_variable finished_changed_;
  int64_t finished_ = 0;  // guarded by mu_
};

}  // namespace medulla::bench
