// A task's state is nothing but a fold over its events: Fold(events) is the only way to
// learn where a task stands, so what the API shows and what replay sees cannot disagree.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "store/event.h"

namespace medulla::store {

enum class TaskStatus { kQueued, kRunning, kDone, kEscalated, kFailed };

const char* TaskStatusName(TaskStatus status);
bool IsTerminal(TaskStatus status);

struct AgentStep {
  std::string agent;
  std::string outcome;  // "running" until agent.completed, then done|escalated|failed
  std::string reason;
};

struct IntentState {
  std::string intent_id;
  std::string agent;
  std::string kind;
  std::string resource_type;
  std::string status = "pending";  // pending | confirmed | held | failed
  std::string reference;           // "DocumentReference/123" once confirmed
  std::string outcome;             // created | existing, once confirmed
  std::string reason;              // why it failed
};

struct TaskState {
  std::string task_id;
  std::string tenant;
  TaskStatus status = TaskStatus::kQueued;
  std::string reason;  // why it escalated or failed
  std::optional<std::string> requested_agent;
  std::optional<std::string> patient;
  std::string subject;  // the principal who asked
  std::vector<std::string> route;
  std::vector<AgentStep> steps;
  std::map<std::string, IntentState> intents;  // by intent id
  TimePoint created_at;
  TimePoint updated_at;
  int64_t last_task_seq = 0;

  nlohmann::json ToJson() const;
};

// Folds `events`, which must all belong to one task and be in task_seq order.
TaskState Fold(const std::vector<Event>& events);

// Applies one more event to `state`. Every event moves updated_at and last_task_seq, so that
// last_task_seq is always the right expectation for the next append; beyond that, event types
// that do not shape the state (tool calls, model responses) and unknown types change nothing.
// Never fails: missing or mistyped payload fields read as empty.
void Apply(TaskState& state, const Event& event);

}  // namespace medulla::store
