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
// {intent_id, route: fhir|vendor_api|work_item, status, resource_type, reason?}: the
// integration service took the intent into its outbox
inline constexpr char kWritebackQueued[] = "writeback.queued";
// {intent_id, reference, outcome: created|existing|revised|completed_by_staff, attempts?,
//  version?, by?}
inline constexpr char kWritebackConfirmed[] = "writeback.confirmed";
// {intent_id, attempts, reason, next_attempt_at}: an attempt failed in a way that may pass later
inline constexpr char kWritebackRetrying[] = "writeback.retrying";
// {intent_id, reason, retryable}
inline constexpr char kWritebackFailed[] = "writeback.failed";
// {intent_id, reason}: the write needs a person (the step escalated, validation failed, the EHR
// refused it or holds copies of it)
inline constexpr char kWritebackHeld[] = "writeback.held";
// {intent_id, reference, finding}: the EHR was found to hold what Medulla wrote
inline constexpr char kWritebackReconciled[] = "writeback.reconciled";
// {intent_id, finding, action}: reconciliation found the EHR differing from what Medulla
// believes it wrote; a signal for the people who run the clinic and for Medulla's improvement
inline constexpr char kWritebackFlagged[] = "writeback.flagged";
// {intent_id, reference, resource_type, change: signed|confirmed|cancelled|updated, version?,
//  via: subscription|poll}: something Medulla wrote was changed inside the EHR
inline constexpr char kEhrChanged[] = "ehr.changed";
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
