#include "agents/agent.h"

namespace medulla::agents {

const char* OutcomeName(Outcome outcome) {
  switch (outcome) {
    case Outcome::kDone:
      return "done";
    case Outcome::kEscalated:
      return "escalated";
    case Outcome::kFailed:
      return "failed";
  }
  return "failed";
}

AgentCatalog::AgentCatalog() : AgentCatalog(LoadPromptSet(kCurrentPromptVersion).value()) {}

AgentCatalog::AgentCatalog(const PromptSet& prompts) {
  std::unique_ptr<Agent> shipped[] = {MakeIntakeAgent(prompts), MakeScribeAgent(prompts),
                                      MakeSchedulingAgent(prompts), MakeBillingAgent(prompts)};
  for (std::unique_ptr<Agent>& agent : shipped) {
    std::string name = agent->name();
    agents_.emplace(std::move(name), std::move(agent));
  }
}

const Agent* AgentCatalog::Find(const std::string& name) const {
  auto found = agents_.find(name);
  return found == agents_.end() ? nullptr : found->second.get();
}

std::vector<std::string> AgentCatalog::names() const {
  std::vector<std::string> out;
  for (const auto& [name, agent] : agents_)
    out.push_back(name);
  return out;
}

}  // namespace medulla::agents
