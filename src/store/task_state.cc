#include "store/task_state.h"

namespace medulla::store {
namespace {

using nlohmann::json;

// Returns payload[key] when it is a string, else an empty string: events from older
// builds or from failing agents may leave fields out, and a fold must never throw.
std::string StringField(const json& object, const char* key) {
  if (!object.is_object())
    return {};
  auto found = object.find(key);
  if (found == object.end() || !found->is_string())
    return {};
  return found->get<std::string>();
}

std::optional<std::string> OptionalStringField(const json& object, const char* key) {
  if (!object.is_object())
    return std::nullopt;
  auto found = object.find(key);
  if (found == object.end() || !found->is_string())
    return std::nullopt;
  return found->get<std::string>();
}

TaskStatus FinalStatus(const std::string& name) {
  if (name == "done")
    return TaskStatus::kDone;
  if (name == "escalated")
    return TaskStatus::kEscalated;
  // A task that ended without saying it succeeded or was handed to a person did not succeed.
  return TaskStatus::kFailed;
}

void ApplyCreated(TaskState& state, const Event& event) {
  state.task_id = event.task_id;
  state.tenant = event.tenant;
  state.subject = StringField(event.actor, "sub");
  state.requested_agent = OptionalStringField(event.payload, "agent");
  state.patient = OptionalStringField(event.payload, "patient");
  state.created_at = event.at;
  state.status = TaskStatus::kQueued;
}

void ApplyRouted(TaskState& state, const Event& event) {
  state.route.clear();
  json route =
      event.payload.is_object() ? event.payload.value("route", json::array()) : json::array();
  if (!route.is_array())
    return;
  for (const json& agent : route) {
    if (agent.is_string())
      state.route.push_back(agent.get<std::string>());
  }
}

void ApplyAgentStarted(TaskState& state, const Event& event) {
  state.status = TaskStatus::kRunning;
  state.steps.push_back({StringField(event.payload, "agent"), "running", ""});
}

void ApplyAgentCompleted(TaskState& state, const Event& event) {
  std::string agent = StringField(event.payload, "agent");
  std::string outcome = StringField(event.payload, "outcome");
  std::string reason = StringField(event.payload, "reason");

  for (auto step = state.steps.rbegin(); step != state.steps.rend(); ++step) {
    if (step->agent != agent)
      continue;
    step->outcome = std::move(outcome);
    step->reason = std::move(reason);
    return;
  }
  // A completion without a start still happened; keep it rather than lose it.
  state.steps.push_back({std::move(agent), std::move(outcome), std::move(reason)});
}

void ApplyIntentEmitted(TaskState& state, const Event& event) {
  IntentState intent;
  intent.intent_id = StringField(event.payload, "intent_id");
  intent.agent = StringField(event.payload, "agent");
  intent.kind = StringField(event.payload, "kind");
  intent.resource_type = StringField(event.payload, "resource_type");
  state.intents[intent.intent_id] = std::move(intent);
}

IntentState& IntentFor(TaskState& state, const Event& event) {
  std::string intent_id = StringField(event.payload, "intent_id");
  IntentState& intent = state.intents[intent_id];
  intent.intent_id = std::move(intent_id);
  return intent;
}

void ApplyWritebackConfirmed(TaskState& state, const Event& event) {
  IntentState& intent = IntentFor(state, event);
  intent.status = "confirmed";
  intent.reference = StringField(event.payload, "reference");
  intent.outcome = StringField(event.payload, "outcome");
  intent.reason.clear();
}

void ApplyWritebackFailed(TaskState& state, const Event& event) {
  IntentState& intent = IntentFor(state, event);
  intent.status = "failed";
  intent.reason = StringField(event.payload, "reason");
}

void ApplyWritebackHeld(TaskState& state, const Event& event) {
  IntentState& intent = IntentFor(state, event);
  intent.status = "held";
  intent.reason = StringField(event.payload, "reason");
}

void ApplyTaskCompleted(TaskState& state, const Event& event) {
  state.status = FinalStatus(StringField(event.payload, "status"));
  state.reason = StringField(event.payload, "reason");
}

json StepJson(const AgentStep& step) {
  json out = {{"agent", step.agent}, {"outcome", step.outcome}};
  if (!step.reason.empty())
    out["reason"] = step.reason;
  return out;
}

json IntentJson(const IntentState& intent) {
  json out = {
      {"intent_id", intent.intent_id},         {"agent", intent.agent},   {"kind", intent.kind},
      {"resource_type", intent.resource_type}, {"status", intent.status},
  };
  if (!intent.reference.empty())
    out["reference"] = intent.reference;
  if (!intent.outcome.empty())
    out["outcome"] = intent.outcome;
  if (!intent.reason.empty())
    out["reason"] = intent.reason;
  return out;
}

}  // namespace

const char* TaskStatusName(TaskStatus status) {
  switch (status) {
    case TaskStatus::kQueued:
      return "queued";
    case TaskStatus::kRunning:
      return "running";
    case TaskStatus::kDone:
      return "done";
    case TaskStatus::kEscalated:
      return "escalated";
    case TaskStatus::kFailed:
      return "failed";
  }
  return "failed";
}

bool IsTerminal(TaskStatus status) {
  switch (status) {
    case TaskStatus::kQueued:
    case TaskStatus::kRunning:
      return false;
    case TaskStatus::kDone:
    case TaskStatus::kEscalated:
    case TaskStatus::kFailed:
      return true;
  }
  return true;
}

void Apply(TaskState& state, const Event& event) {
  state.updated_at = event.at;
  state.last_task_seq = event.task_seq;

  const std::string& type = event.type;
  if (type == event_type::kTaskCreated)
    return ApplyCreated(state, event);
  if (type == event_type::kTaskRouted)
    return ApplyRouted(state, event);
  if (type == event_type::kAgentStarted)
    return ApplyAgentStarted(state, event);
  if (type == event_type::kAgentCompleted)
    return ApplyAgentCompleted(state, event);
  if (type == event_type::kIntentEmitted)
    return ApplyIntentEmitted(state, event);
  if (type == event_type::kWritebackConfirmed)
    return ApplyWritebackConfirmed(state, event);
  if (type == event_type::kWritebackFailed)
    return ApplyWritebackFailed(state, event);
  if (type == event_type::kWritebackHeld)
    return ApplyWritebackHeld(state, event);
  if (type == event_type::kTaskCompleted)
    return ApplyTaskCompleted(state, event);
}

TaskState Fold(const std::vector<Event>& events) {
  TaskState state;
  for (const Event& event : events)
    Apply(state, event);
  return state;
}

nlohmann::json TaskState::ToJson() const {
  json out = {
      {"id", task_id},
      {"tenant", tenant},
      {"status", TaskStatusName(status)},
      {"subject", subject},
      {"route", route},
      {"steps", json::array()},
      {"intents", json::array()},
      {"created_at", FormatTimestamp(created_at)},
      {"updated_at", FormatTimestamp(updated_at)},
      {"last_event", last_task_seq},
  };
  if (!reason.empty())
    out["reason"] = reason;
  if (requested_agent)
    out["agent"] = *requested_agent;
  if (patient)
    out["patient"] = *patient;
  for (const AgentStep& step : steps)
    out["steps"].push_back(StepJson(step));
  for (const auto& [id, intent] : intents)
    out["intents"].push_back(IntentJson(intent));
  return out;
}

}  // namespace medulla::store
