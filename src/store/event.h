// Events are the unit of truth in Medulla: every step of a task is one, appended in order,
// never changed. The vocabulary below is closed; a new kind of step gets a new type here.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "common/time.h"

namespace medulla::store {

namespace event_type {
// {agent?, input, patient?, idempotency_key?}
inline constexpr char kTaskCreated[] = "task.created";
// {route: [agent...], reason, confidence}
inline constexpr char kTaskRouted[] = "task.routed";
// {agent, step}
inline constexpr char kAgentStarted[] = "agent.started";
// {agent, provider, model, purpose, content, tool_calls, confidence?}
inline constexpr char kModelResponded[] = "model.responded";
// {agent, resource, elements: [...]}
inline constexpr char kDataViewed[] = "data.viewed";
// {agent, call_id, tool, arguments}
inline constexpr char kToolCalled[] = "tool.called";
// {agent, call_id, tool, reason}
inline constexpr char kToolRefused[] = "tool.refused";
// {agent, call_id, tool, result}
inline constexpr char kToolCompleted[] = "tool.completed";
// {agent, call_id, tool, reason}
inline constexpr char kToolFailed[] = "tool.failed";
// {intent_id, agent, kind, resource_type, identifier, risk, resource}
inline constexpr char kIntentEmitted[] = "intent.emitted";
// {intent_id, reference, outcome: created|existing}
inline constexpr char kWritebackConfirmed[] = "writeback.confirmed";
// {intent_id, reason, retryable}
inline constexpr char kWritebackFailed[] = "writeback.failed";
// {intent_id, reason}: the step needs a person, so its write waits for review
inline constexpr char kWritebackHeld[] = "writeback.held";
// {agent, patient, purpose, permitted, consent?, reason?}
inline constexpr char kConsentChecked[] = "consent.checked";
// {agent?, point: orchestrator|integration, action, resource, effect, statement, source}
inline constexpr char kPolicyDecided[] = "policy.decided";
// {agent, call_id, tool, grant_id, scopes, audience, expires_at}
inline constexpr char kGrantIssued[] = "grant.issued";
// {agent, outcome: done|escalated|failed, reason?, output}
inline constexpr char kAgentCompleted[] = "agent.completed";
// {from, to}
inline constexpr char kHandoff[] = "handoff";
// {status: done|escalated|failed, reason?}
inline constexpr char kTaskCompleted[] = "task.completed";
}  // namespace event_type

// An event as stored. `seq` orders all events of the store; `task_seq` (1-based) orders the
// events of one task and is what optimistic appends check against.
struct Event {
  int64_t seq = 0;
  std::string task_id;
  int64_t task_seq = 0;
  std::string tenant;
  std::string type;
  TimePoint at;
  nlohmann::json actor;    // who acted: {"sub","tenant","roles"} and "agent" when an agent acted
  nlohmann::json payload;  // the type's fields, listed beside each type above
  std::string prev_hash;   // the hash of the tenant's previous event (see event_chain.h)
  std::string hash;        // this event's link in its tenant's chain

  nlohmann::json ToJson() const;
};

// An event before the log has placed it.
struct NewEvent {
  std::string type;
  nlohmann::json actor;
  nlohmann::json payload;
};

}  // namespace medulla::store
