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

// Medulla's own services (the outbox drainer, reconciliation, the EHR change observer) and
// staff completing a work item record on a task without its lease, so a running task may find
// events after the last one it wrote. Those move the task's sequence on without taking the task
// over: the worker carries on after them. Anything else means another worker holds the task,
// and the append stays refused (as it would be anyway by the lease's fence).
bool EventWriter::AdoptLateEvents() {
  Result<std::vector<store::Event>> events = store_->ReadTask(lease_.task_id);
  if (!events.ok())
    return false;
  bool any = false;
  for (const store::Event& event : *events) {
    if (event.task_seq <= last_task_seq_)
      continue;
    const bool by_a_service = event.actor.value("sub", "").rfind(kServiceActorPrefix, 0) == 0;
    const bool by_staff = event.payload.value("outcome", "") == "completed_by_staff";
    if (!by_a_service && !by_staff)
      return false;
    any = true;
  }
  if (any)
    last_task_seq_ = events->back().task_seq;
  return any;
}

Status EventWriter::Renew(std::chrono::milliseconds lease_for) {
  ASSIGN_OR_RETURN(lease_, store_->Renew(lease_, lease_for));
  return Status::Ok();
}

}  // namespace medulla::orchestrator
