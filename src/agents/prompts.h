// Prompt versions: the instructions each agent gives the model, and the thresholds it judges
// the answers by, versioned together. Every model response records the version it was asked
// under, and replay can answer what another version would have decided.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "common/status.h"

namespace medulla::agents {

struct AgentPrompt {
  std::string instructions;
  double min_confidence = 0;  // below this the agent hands its step to a person
};

struct PromptSet {
  std::string version;
  std::map<std::string, AgentPrompt> agents;  // by agent name

  // The agent's prompt; an agent the set does not name gets empty instructions.
  const AgentPrompt& For(const std::string& agent) const;
};

// The version new tasks run under.
inline constexpr char kCurrentPromptVersion[] = "2026-12-01";

// The versions that ship with Medulla, oldest first.
std::vector<std::string> PromptVersions();

// kNotFound naming the known versions when `version` is not one of them.
Result<PromptSet> LoadPromptSet(const std::string& version);

}  // namespace medulla::agents
