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
  ASSIGN_OR_RETURN(std::vector<store::Event> stored,
                   store_->Append(lease_.task_id, std::move(events), last_task_seq_, &lease_));
  last_task_seq_ = stored.back().task_seq;
  return Status::Ok();
}

Status EventWriter::Renew(std::chrono::milliseconds lease_for) {
  ASSIGN_OR_RETURN(lease_, store_->Renew(lease_, lease_for));
  return Status::Ok();
}

}  // namespace medulla::orchestrator
