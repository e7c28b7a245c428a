#include "agents/step_record_queries.h"

#include <algorithm>

namespace medulla::agents {

const ToolResult* LastResultOf(const StepRecord& step, const std::string& tool) {
  for (auto it = step.tool_results.rbegin(); it != step.tool_results.rend(); ++it) {
    if (it->tool == tool)
      return &*it;
  }
  return nullptr;
}

std::optional<nlohmann::json> LastArgumentsFor(const StepRecord& step, const std::string& tool) {
  for (auto response = step.responses.rbegin(); response != step.responses.rend(); ++response) {
    for (const model::ToolCall& call : response->tool_calls) {
      if (call.name == tool)
        return call.arguments;
    }
  }
  return std::nullopt;
}

Conclusion MissingToolConclusion(const StepRecord& step, const std::string& tool) {
  if (step.refused_tool) {
    return {Outcome::kEscalated, "the model asked for a tool it was not offered", {}};
  }
  const ToolResult* result = LastResultOf(step, tool);
  if (result != nullptr && !result->ok) {
    // A tool refusing the request (wrong patient, missing data) needs a person; a tool that
    // could not reach what it depends on has failed.
    bool needs_person = result->code == StatusCode::kFailedPrecondition ||
                        result->code == StatusCode::kPermissionDenied ||
                        result->code == StatusCode::kInvalidArgument;
    return {needs_person ? Outcome::kEscalated : Outcome::kFailed,
            tool + " did not complete: " + result->error,
            {}};
  }
  return {Outcome::kEscalated, "the model did not call " + tool, {}};
}

}  // namespace medulla::agents
