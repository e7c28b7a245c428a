// The router owns every routing decision: which agents a task visits, in what order, and
// whether the next one runs after each step. Agents never hand work to each other directly.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "agents/agent.h"
#include "auth/principal.h"
#include "model/model.h"
#include "tools/tool_registry.h"

namespace medulla::orchestrator {

// The agents a clinic visit passes through, in order.
inline const std::vector<std::string> kVisitRoute = {"intake", "scribe", "scheduling", "billing"};

// A free-text request routed with less confidence than this goes to a person instead.
inline constexpr double kMinimumRoutingConfidence = 0.5;

struct RouteDecision {
  std::vector<std::string> agents;  // empty: nobody can take it; see reason
  std::string reason;
  double confidence = 1.0;
  std::optional<model::ChatResponse> model_response;  // when a model helped decide
};

class Router {
 public:
  Router(const agents::AgentCatalog& agents, const tools::ToolRegistry& tools,
         model::Provider& model)
      : agents_(&agents), tools_(&tools), model_(&model) {}

  // Chooses the route for a new task. An explicitly requested agent is honoured; a visit
  // (an input object with a dialogue) takes the visit route; free text is classified by the
  // model. Fails only when the model cannot be reached.
  Result<RouteDecision> Plan(const agents::TaskContext& task,
                             const std::optional<std::string>& requested_agent,
                             const auth::Principal& principal) const;

  // Whether the agent after `finished` should run, given how `finished` concluded. Returns
  // the reason to skip it, or nullopt to run it.
  std::optional<std::string> SkipNext(const std::string& finished, agents::Outcome outcome,
                                      const std::string& next) const;

  // Whether a step concluding with `outcome` ends the whole task.
  bool EndsTask(const std::string& finished, agents::Outcome outcome) const;

 private:
  Result<RouteDecision> Classify(const std::string& text, const auth::Principal& principal) const;

  const agents::AgentCatalog* agents_;
  const tools::ToolRegistry* tools_;
  model::Provider* model_;
};

}  // namespace medulla::orchestrator
