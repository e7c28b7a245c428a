// Runs one agent's step of a task: the loop of model turns and tool calls, each recorded as
// an event before the next begins, ending in the agent's own judgement of the step.
#pragma once

#include "agents/agent.h"
#include "auth/principal.h"
#include "orchestrator/event_writer.h"
#include "orchestrator/services.h"

namespace medulla::orchestrator {

// A step that keeps calling tools past this many model turns is stopped and escalated.
inline constexpr int kMaxModelTurns = 6;

struct StepResult {
  agents::Conclusion conclusion;
  agents::StepRecord record;
};

// Runs `agent` for `task`. Returns an error only when the task's events can no longer be
// written (the lease was lost); every other failure is the step's conclusion.
Result<StepResult> RunAgentStep(const Services& services, const agents::Agent& agent,
                                const agents::TaskContext& task, const auth::Principal& principal,
                                EventWriter& events);

}  // namespace medulla::orchestrator
