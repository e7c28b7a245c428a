#include "bench/orchestrator/observed_store.h"

namespace medulla::bench {

Tally ObservedStore::tally() const {
  std::lock_guard<std::mutex> lock(mu_);
  return {events_.load(), steps_.load(), done_.load(), not_done_.load(), finished_};
}

bool ObservedStore::WaitForFinished(int64_t finished, std::chrono::milliseconds wait) {
  std::unique_lock<std::mutex> lock(mu_);
  return finished_changed_.wait_for(lock, wait, [&] { return finished_ >= finished; });
}

void ObservedStore::Observe(const std::vector<store::Event>& stored) {
  events_.fetch_add(static_cast<int64_t>(stored.size()));
  for (const store::Event& event : stored) {
    if (event.type == store::event_type::kAgentCompleted)
      steps_.fetch_add(1);
    if (event.type != store::event_type::kTaskCompleted)
      continue;
    bool done = event.payload.value("status", "") == "done";
    (done ? done_ : not_done_).fetch_add(1);
  }
}

Result<store::CreatedTask> ObservedStore::CreateTask(const store::NewTask& task) {
  return inner_->CreateTask(task);
}

Result<std::vector<store::Event>> ObservedStore::Append(const std::string& task_id,
                                                        std::vector<store::NewEvent> events,
                                                        int64_t expected_last_task_seq,
                                                        const store::Lease* lease) {
  Result<std::vector<store::Event>> stored =
      inner_->Append(task_id, std::move(events), expected_last_task_seq, lease);
  if (stored.ok())
    Observe(*stored);
  return stored;
}

Result<std::vector<store::Event>> ObservedStore::ReadTask(const std::string& task_id) {
  return inner_->ReadTask(task_id);
}

Result<std::vector<store::Event>> ObservedStore::ReadSince(int64_t after_seq, size_t limit) {
  return inner_->ReadSince(after_seq, limit);
}

Result<std::vector<store::Event>> ObservedStore::ReadTenant(const std::string& tenant,
                                                            int64_t after_seq, size_t limit) {
  return inner_->ReadTenant(tenant, after_seq, limit);
}

Result<std::vector<std::string>> ObservedStore::Tenants() {
  return inner_->Tenants();
}

Result<std::vector<store::TaskSummary>> ObservedStore::ListTasks(const std::string& tenant,
                                                                 size_t limit) {
  return inner_->ListTasks(tenant, limit);
}

Result<std::optional<store::Lease>> ObservedStore::Claim(const std::string& worker,
                                                         std::chrono::milliseconds lease_for) {
  return inner_->Claim(worker, lease_for);
}

Result<store::Lease> ObservedStore::Renew(const store::Lease& lease,
                                          std::chrono::milliseconds lease_for) {
  return inner_->Renew(lease, lease_for);
}

Status ObservedStore::Finish(const store::Lease& lease) {
  Status finished = inner_->Finish(lease);
  if (!finished.ok())
    return finished;

  {
    std::lock_guard<std::mutex> lock(mu_);
    ++finished_;
  }
  finished_changed_.notify_all();
  return finished;
}

Result<int64_t> ObservedStore::QueueDepth() {
  return inner_->QueueDepth();
}

Result<bool> ObservedStore::EnqueueWriteback(const store::WritebackEntry& entry) {
  return inner_->EnqueueWriteback(entry);
}

Result<std::optional<store::WritebackEntry>> ObservedStore::ClaimWriteback(
    const std::string& worker, std::chrono::milliseconds lease_for) {
  return inner_->ClaimWriteback(worker, lease_for);
}

Result<std::optional<store::WritebackEntry>> ObservedStore::ClaimWritebackById(
    const std::string& tenant, const std::string& intent_id, const std::string& worker,
    std::chrono::milliseconds lease_for) {
  return inner_->ClaimWritebackById(tenant, intent_id, worker, lease_for);
}

Status ObservedStore::UpdateWriteback(const store::WritebackEntry& entry) {
  return inner_->UpdateWriteback(entry);
}

Result<std::optional<store::WritebackEntry>> ObservedStore::FindWriteback(
    const std::string& tenant, const std::string& intent_id) {
  return inner_->FindWriteback(tenant, intent_id);
}

Result<std::vector<store::WritebackEntry>> ObservedStore::ListWritebacks(
    const store::WritebackFilter& filter) {
  return inner_->ListWritebacks(filter);
}

}  // namespace medulla::bench
