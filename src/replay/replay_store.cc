#include "replay/replay_store.h"

#include <algorithm>

namespace medulla::replay {

store::Event ReplayStore::Place(const store::NewEvent& event) {
  store::Event placed;
  placed.seq = static_cast<int64_t>(events_.size()) + 1;
  placed.task_id = task_id_;
  placed.task_seq = placed.seq;
  placed.tenant = tenant_;
  placed.type = event.type;
  placed.at = clock_->Now();
  placed.actor = event.actor;
  placed.payload = event.payload;
  return placed;
}

Result<store::CreatedTask> ReplayStore::CreateTask(const store::NewTask& task) {
  std::lock_guard lock(mutex_);
  if (!task_id_.empty())
    return FailedPrecondition("a replay store holds one task");
  task_id_ = task.task_id;
  tenant_ = task.tenant;
  queued_ = true;
  events_.push_back(Place(task.created));
  return store::CreatedTask{task.task_id, true};
}

Result<std::vector<store::Event>> ReplayStore::Append(const std::string& task_id,
                                                      std::vector<store::NewEvent> events,
                                                      int64_t expected_last_task_seq,
                                                      const store::Lease*) {
  std::lock_guard lock(mutex_);
  if (task_id != task_id_)
    return NotFound("task not found");
  if (expected_last_task_seq != static_cast<int64_t>(events_.size()))
    return Conflict("replay appended out of order");

  std::vector<store::Event> stored;
  for (const store::NewEvent& event : events) {
    events_.push_back(Place(event));
    stored.push_back(events_.back());
  }
  return stored;
}

Result<std::vector<store::Event>> ReplayStore::ReadTask(const std::string& task_id) {
  std::lock_guard lock(mutex_);
  if (task_id != task_id_)
    return NotFound("task not found");
  return events_;
}

Result<std::vector<store::Event>> ReplayStore::ReadSince(int64_t after_seq, size_t limit) {
  std::lock_guard lock(mutex_);
  std::vector<store::Event> out;
  for (const store::Event& event : events_) {
    if (event.seq > after_seq && out.size() < limit)
      out.push_back(event);
  }
  return out;
}

Result<std::vector<store::Event>> ReplayStore::ReadTenant(const std::string& tenant,
                                                          int64_t after_seq, size_t limit) {
  if (tenant != tenant_)
    return std::vector<store::Event>{};
  return ReadSince(after_seq, limit);
}

Result<std::vector<std::string>> ReplayStore::Tenants() {
  std::lock_guard lock(mutex_);
  return std::vector<std::string>{tenant_};
}

Result<std::vector<store::TaskSummary>> ReplayStore::ListTasks(const std::string& tenant, size_t) {
  std::lock_guard lock(mutex_);
  if (tenant != tenant_ || events_.empty())
    return std::vector<store::TaskSummary>{};
  return std::vector<store::TaskSummary>{{task_id_, tenant_, events_.front().at}};
}

Result<std::optional<store::Lease>> ReplayStore::Claim(const std::string& worker,
                                                       std::chrono::milliseconds lease_for) {
  std::lock_guard lock(mutex_);
  if (!queued_)
    return std::optional<store::Lease>();
  queued_ = false;
  return std::optional<store::Lease>(
      store::Lease{task_id_, worker, 1, clock_->Now() + lease_for, 1});
}

Result<store::Lease> ReplayStore::Renew(const store::Lease& lease,
                                        std::chrono::milliseconds lease_for) {
  store::Lease renewed = lease;
  renewed.expires_at = clock_->Now() + lease_for;
  return renewed;
}

Status ReplayStore::Finish(const store::Lease&) {
  return Status::Ok();
}

Result<int64_t> ReplayStore::QueueDepth() {
  std::lock_guard lock(mutex_);
  return queued_ ? 1 : 0;
}

// The replayed task's write-backs live only as long as the replay; one task, one worker, so
// claims need no leases.
Result<bool> ReplayStore::EnqueueWriteback(const store::WritebackEntry& entry) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (writebacks_.count(entry.intent_id) > 0)
    return false;
  store::WritebackEntry stored = entry;
  stored.order = static_cast<int64_t>(writebacks_.size()) + 1;
  stored.created_at = stored.updated_at = clock_->Now();
  writebacks_[entry.intent_id] = stored;
  return true;
}

Result<std::optional<store::WritebackEntry>> ReplayStore::ClaimWriteback(
    const std::string&, std::chrono::milliseconds) {
  return std::optional<store::WritebackEntry>();  // nothing drains after a replayed task
}

Result<std::optional<store::WritebackEntry>> ReplayStore::ClaimWritebackById(
    const std::string&, const std::string& intent_id, const std::string&,
    std::chrono::milliseconds) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto found = writebacks_.find(intent_id);
  if (found == writebacks_.end())
    return NotFound("no such write-back in this replay");
  return std::optional<store::WritebackEntry>(found->second);
}

Status ReplayStore::UpdateWriteback(const store::WritebackEntry& entry) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto found = writebacks_.find(entry.intent_id);
  if (found == writebacks_.end())
    return NotFound("no such write-back in this replay");
  found->second = entry;
  found->second.updated_at = clock_->Now();
  return Status::Ok();
}

Result<std::optional<store::WritebackEntry>> ReplayStore::FindWriteback(
    const std::string&, const std::string& intent_id) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto found = writebacks_.find(intent_id);
  if (found == writebacks_.end())
    return std::optional<store::WritebackEntry>();
  return std::optional<store::WritebackEntry>(found->second);
}

Result<std::vector<store::WritebackEntry>> ReplayStore::ListWritebacks(
    const store::WritebackFilter& filter) {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<store::WritebackEntry> listed;
  for (const auto& [intent_id, entry] : writebacks_) {
    if (filter.status && entry.status != *filter.status)
      continue;
    if (!filter.patient.empty() && entry.patient != filter.patient)
      continue;
    if (filter.route && entry.route != *filter.route)
      continue;
    listed.push_back(entry);
  }
  std::sort(listed.begin(), listed.end(),
            [](const auto& a, const auto& b) { return a.order < b.order; });
  return listed;
}

}  // namespace medulla::replay
