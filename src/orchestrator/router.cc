#include "orchestrator/router.h"

namespace medulla::orchestrator {

Result<RouteDecision> Router::Plan(const agents::TaskContext& task,
                                   const std::optional<std::string>& requested_agent,
                                   const auth::Principal& principal) const {
  if (requested_agent) {
    if (agents_->Find(*requested_agent) == nullptr) {
      return RouteDecision{{}, "no agent is named '" + *requested_agent + "'", 0, std::nullopt};
    }
    return RouteDecision{{*requested_agent}, "agent requested by the caller", 1.0, std::nullopt};
  }

  if (task.input.is_object() && task.input.contains("dialogue")) {
    return RouteDecision{kVisitRoute, "a visit with a dialogue takes the visit route", 1.0,
                         std::nullopt};
  }
  if (task.input.is_string())
    return Classify(task.input.get<std::string>(), principal);

  return RouteDecision{
      {"intake"}, "structured input without a dialogue goes to intake", 1.0, std::nullopt};
}

Result<RouteDecision> Router::Classify(const std::string& text,
                                       const auth::Principal& principal) const {
  model::ChatRequest request;
  request.purpose = "router.classify";
  request.messages = {
      {"system",
       "Route the clinic request to exactly one agent: intake, scribe, scheduling or billing.",
       {},
       ""},
      {"user", nlohmann::json{{"input", text}}.dump(), {}, ""}};
  request.tools = tools_->OffersFor({"route_to_agent"}, principal);

  ASSIGN_OR_RETURN(model::ChatResponse response, model_->Complete(request));

  RouteDecision decision;
  decision.model_response = response;
  decision.confidence = 0;
  decision.reason = "the model did not choose an agent";
  for (const model::ToolCall& call : response.tool_calls) {
    if (call.name != "route_to_agent" ||
        !tools_->ValidateArguments(call.name, call.arguments).ok()) {
      continue;
    }
    std::string agent = call.arguments["agent"];
    decision.confidence = call.arguments["confidence"];
    decision.reason = call.arguments.value("reason", "classified by the model");
    if (decision.confidence >= kMinimumRoutingConfidence)
      decision.agents = {agent};
    if (decision.confidence < kMinimumRoutingConfidence) {
      decision.reason = "the request could not be routed with confidence";
    }
    break;
  }
  return decision;
}

std::optional<std::string> Router::SkipNext(const std::string& finished, agents::Outcome outcome,
                                            const std::string& next) const {
  // A note a person must first review is no basis for booking what its plan says.
  if (finished == "scribe" && outcome == agents::Outcome::kEscalated && next == "scheduling") {
    return "the draft note awaits review, so its plan is not acted on";
  }
  return std::nullopt;
}

bool Router::EndsTask(const std::string& finished, agents::Outcome outcome) const {
  if (outcome == agents::Outcome::kFailed)
    return true;
  // Nothing may be done for a patient intake could not confirm.
  return finished == "intake" && outcome != agents::Outcome::kDone;
}

}  // namespace medulla::orchestrator
