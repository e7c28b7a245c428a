// An agent is a narrow workflow: what it asks the model, which tools it may be offered, what
// part of the task it may see, and how it judges the outcome of its step. Agents hold no state
// and perform no I/O; the orchestrator runs the model and tool loop for them.
#pragma once

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "agents/prompts.h"
#include "common/status.h"
#include "fhir/intent.h"
#include "model/model.h"

namespace medulla::agents {

// Task-scoped state handed to an agent step. `handoff` holds what earlier steps of the same
// task passed on, by agent name; each agent reads only the keys it needs.
struct TaskContext {
  std::string task_id;
  std::string tenant;
  std::string patient;
  std::string encounter;
  nlohmann::json input;
  std::map<std::string, nlohmann::json> handoff;
};

struct ToolResult {
  std::string tool;
  bool ok = false;
  nlohmann::json result;  // when ok
  std::string error;      // when not
  StatusCode code = StatusCode::kOk;
};

// What happened during one agent step, for the agent to judge.
struct StepRecord {
  std::vector<model::ChatResponse> responses;
  std::vector<ToolResult> tool_results;
  std::vector<fhir::WriteIntent> intents;
  bool refused_tool = false;         // the model asked for a tool it was not offered
  std::vector<std::string> offered;  // the tools the asking person's scopes and policy allow
};

enum class Outcome { kDone, kEscalated, kFailed };
const char* OutcomeName(Outcome outcome);

struct Conclusion {
  Outcome outcome = Outcome::kDone;
  std::string reason;     // why it escalated or failed; no PHI
  nlohmann::json output;  // passed on to later steps through TaskContext::handoff
};

class Agent {
 public:
  virtual ~Agent() = default;

  virtual std::string name() const = 0;
  virtual std::string purpose() const = 0;       // the model request's purpose
  virtual std::string instructions() const = 0;  // the system prompt
  virtual std::string prompt_version() const = 0;
  virtual std::vector<std::string> tools() const = 0;

  // The purpose of use (v3 ActReason code) under which the agent touches patient data; the
  // patient's consent must permit it.
  virtual std::string purpose_of_use() const { return "TREAT"; }

  // The model's view of the task: only the elements this workflow needs.
  virtual Result<nlohmann::json> BuildContext(const TaskContext& task) const = 0;

  // Judges the step once the model has stopped calling tools.
  virtual Conclusion Conclude(const TaskContext& task, const StepRecord& step) const = 0;
};

// The agents Medulla ships, by name.
class AgentCatalog {
 public:
  AgentCatalog();  // the current prompt version
  explicit AgentCatalog(const PromptSet& prompts);
  const Agent* Find(const std::string& name) const;
  std::vector<std::string> names() const;

 private:
  std::map<std::string, std::unique_ptr<Agent>> agents_;
};

std::unique_ptr<Agent> MakeIntakeAgent(const PromptSet& prompts);
std::unique_ptr<Agent> MakeScribeAgent(const PromptSet& prompts);
std::unique_ptr<Agent> MakeSchedulingAgent(const PromptSet& prompts);
std::unique_ptr<Agent> MakeBillingAgent(const PromptSet& prompts);

}  // namespace medulla::agents
