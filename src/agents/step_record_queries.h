// Small questions agents ask of a step record when they judge it.
#pragma once

#include <optional>
#include <string>

#include "agents/agent.h"

namespace medulla::agents {

// The last result of `tool` in the step, if it ran.
const ToolResult* LastResultOf(const StepRecord& step, const std::string& tool);

// The arguments of the last call the model made to `tool`, if any.
std::optional<nlohmann::json> LastArgumentsFor(const StepRecord& step, const std::string& tool);

// A step that ended without the tool it needed: refused, failed or never called.
Conclusion MissingToolConclusion(const StepRecord& step, const std::string& tool);

}  // namespace medulla::agents
