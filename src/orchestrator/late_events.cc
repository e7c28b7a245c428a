#include "orchestrator/late_events.h"

namespace medulla::orchestrator {

nlohmann::json ServiceActor(const std::string& service, const std::string& tenant) {
  return {{"sub", "medulla:" + service}, {"tenant", tenant}, {"roles", {"service"}}};
}

Status AppendLate(store::Store& store, const std::string& task_id,
                  std::vector<store::NewEvent> events) {
  if (events.empty())
    return Status::Ok();

  constexpr int kTries = 8;
  Status last = Status::Ok();
  for (int attempt = 0; attempt < kTries; ++attempt) {
    ASSIGN_OR_RETURN(std::vector<store::Event> current, store.ReadTask(task_id));
    int64_t last_seq = current.empty() ? 0 : current.back().task_seq;
    Result<std::vector<store::Event>> appended =
        store.Append(task_id, events, last_seq, /*lease=*/nullptr);
    if (appended.ok())
      return Status::Ok();
    last = appended.status();
    if (last.code() != StatusCode::kConflict)
      return last;
  }
  return last;
}

std::vector<store::NewEvent> TransitionEvents(
    const std::string& service, const std::string& tenant,
    const std::vector<fhir::WritebackTransition>& transitions) {
  std::vector<store::NewEvent> events;
  for (const fhir::WritebackTransition& transition : transitions)
    events.push_back({transition.event_type, ServiceActor(service, tenant), transition.payload});
  return events;
}

}  // namespace medulla::orchestrator
