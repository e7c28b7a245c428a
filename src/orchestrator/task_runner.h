// Runs a claimed task to a terminal state, resuming where its events leave off: steps already
// concluded are not run again, and a step cut short by a crash is run again from its start.
// That is safe because every write it makes carries the same business identifier each time.
#pragma once

#include "orchestrator/router.h"
#include "orchestrator/services.h"
#include "store/store.h"
#include "store/task_state.h"

namespace medulla::orchestrator {

// Runs the task under `lease`. Returns the task's final status, or an error when its events
// could not be read or written (the lease was lost, the store failed); the task then stays
// queued and is claimed again once the lease expires.
Result<store::TaskStatus> RunTask(const Services& services, const Router& router,
                                  const store::Lease& lease);

// Ends the task as failed without running it, for tasks that keep failing to run.
Status AbandonTask(const Services& services, const store::Lease& lease, const std::string& reason);

// Rebuilds the principal recorded on the task's first event.
auth::Principal PrincipalFromTaskCreated(const store::Event& created);

}  // namespace medulla::orchestrator
