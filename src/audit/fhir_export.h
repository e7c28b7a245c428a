// Exports what Medulla recorded as FHIR R4 security records: one AuditEvent per significant
// event and one Provenance per confirmed write, gathered in a Bundle of type collection.
//
// Significant events and how they map:
//   data.viewed          AuditEvent rest/read, action R, entity = the resource viewed, with
//                        the elements viewed as entity detail
//   writeback.confirmed  AuditEvent rest/create, action C, entity = the written reference;
//                        and a Provenance: target = that reference, author = the human,
//                        performer = the AI agent on behalf of the human, source = the task
//   writeback.failed     AuditEvent rest/create, outcome 8, entity = the intent
//   tool.refused         AuditEvent security alert, action E, outcome 4
//   policy.decided deny  AuditEvent security alert, action E, outcome 8
// Every AuditEvent names the human (requestor true, who.identifier = subject) and, when an
// agent acted, the agent software (requestor false, who.display = agent name); source.observer
// is "Medulla" and source.site the tenant; recorded is the event's time.
//
// Output is checked by Validate* before it is returned: a record missing an element R4
// requires is an internal error, not a file written.
//
// Thread safety: pure functions apart from the store reads.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "common/time.h"
#include "store/event.h"
#include "store/store.h"

namespace medulla::audit {

// One task, or every event recorded in [from, to) (optionally of one tenant).
struct ExportSelection {
  std::optional<std::string> task_id;
  std::optional<TimePoint> from;
  std::optional<TimePoint> to;
  std::optional<std::string> tenant;
};

// Builds the Bundle for `events` (any order; output follows it). `generated_at` stamps the
// Bundle. Events that are not significant add nothing.
Result<nlohmann::json> AuditBundle(const std::vector<store::Event>& events, TimePoint generated_at);

// Reads the selected events and builds their Bundle. kInvalidArgument when the selection names
// neither a task nor both ends of a time range, or both; kNotFound for an unknown task.
// A time range reads the whole log in pages and keeps the events stamped inside it.
Result<nlohmann::json> ExportAudit(store::Store& store, const ExportSelection& selection,
                                   TimePoint generated_at);

// Minimal structural checks against R4's required elements; the message names the element.
Status ValidateAuditEvent(const nlohmann::json& resource);
Status ValidateProvenance(const nlohmann::json& resource);
Status ValidateBundle(const nlohmann::json& bundle);

}  // namespace medulla::audit
