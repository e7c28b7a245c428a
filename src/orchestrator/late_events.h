// Events that reach a task after its run: write-backs drained from the outbox, reconciliation
// findings, changes made inside the EHR. They are appended without a lease, after the task's
// last event, by whoever observed them.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "fhir/integration_service.h"
#include "store/store.h"

namespace medulla::orchestrator {

// The actor of events Medulla's own services record: {"sub": "medulla:<service>", "tenant"}.
nlohmann::json ServiceActor(const std::string& service, const std::string& tenant);

// Appends `events` to the task in one commit after its current last event, re-reading and
// trying again when another writer got there first.
Status AppendLate(store::Store& store, const std::string& task_id,
                  std::vector<store::NewEvent> events);

// The transitions of one write-back attempt, as events of `service`.
std::vector<store::NewEvent> TransitionEvents(
    const std::string& service, const std::string& tenant,
    const std::vector<fhir::WritebackTransition>& transitions);

}  // namespace medulla::orchestrator
