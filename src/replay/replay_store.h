// An in-memory store for replay: it holds one task's replayed events and nothing else, so a
// replay never touches the durable log it is checking.
#pragma once

#include <map>
#include <mutex>
#include <optional>

#include "store/store.h"

namespace medulla::replay {

class ReplayStore final : public store::Store {
 public:
  explicit ReplayStore(const Clock& clock) : clock_(&clock) {}

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

  // A replay never writes to the EHR: it accepts write-backs and keeps none of them.
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
  store::Event Place(const store::NewEvent& event);

  const Clock* clock_;
  std::mutex mutex_;
  std::string task_id_;                                      // guarded by mutex_
  std::string tenant_;                                       // guarded by mutex_
  bool queued_ = false;                                      // guarded by mutex_
  std::vector<store::Event> events_;                         // guarded by mutex_
  std::map<std::string, store::WritebackEntry> writebacks_;  // guarded by mutex_
};

}  // namespace medulla::replay
