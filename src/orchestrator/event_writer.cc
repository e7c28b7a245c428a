#include "orchestrator/event_writer.h"

namespace medulla::orchestrator {

EventWriter::EventWriter(store::Store& store, store::Lease lease, int64_t last_task_seq,
                         nlohmann::json principal_actor)
    : store_(&store),
      lease_(std::move(lease)),
      last_task_seq_(last_task_seq),
      principal_actor_(std::move(principal_actor)) {}

void EventWriter::Stage(const std::string& type, nlohmann::json payload, const std::string& agent) {
  nlohmann::json actor = principal_actor_;
  if (!agent.empty())
    actor["agent"] = agent;
  staged_.push_back({type, std::move(actor), std::move(payload)});
}

Status EventWriter::Append(const std::string& type, nlohmann::json payload,
                           const std::string& agent) {
  Stage(type, std::move(payload), agent);
  return Flush();
}

Status EventWriter::Flush() {
  if (staged_.empty())
    return Status::Ok();
  std::vector<store::NewEvent> events;
  events.swap(staged_);
  Result<std::vector<store::Event>> stored =
      store_->Append(lease_.task_id, events, last_task_seq_, &lease_);
  if (!stored.ok() && stored.status().code() == StatusCode::kConflict && AdoptLateEvents()) {
    stored = store_->Append(lease_.task_id, std::move(events), last_task_seq_, &lease_);
  }
  if (!stored.ok())
    return stored.status();
  last_task_seq_ = stored->back().task_seq;
  return Status::Ok();
}

// Medulla's own services (the outbox drainer, reconciliation, the EHR change observer) and staff
// completing a work item record on a task without its lease, so a running task may find events
// after the last one it wrote. The worker carries on after them: whether it still holds the
// task is the lease's fence to decide, and the store checks it on the retried append.
bool EventWriter::AdoptLateEvents() {
  Result<std::vector<store::Event>> events = store_->ReadTask(lease_.task_id);
  if (!events.ok() || events->empty() || events->back().task_seq <= last_task_seq_)
    return false;
  last_task_seq_ = events->back().task_seq;
  return true;
}

Status EventWriter::Renew(std::chrono::milliseconds lease_for) {
  ASSIGN_OR_RETURN(lease_, store_->Renew(lease_, lease_for));
  return Status::Ok();
}

}  // namespace medulla::orchestrator
