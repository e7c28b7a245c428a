#include "agents/agent.h"
#include "agents/step_record_queries.h"

namespace medulla::agents {
namespace {

class BillingAgent final : public Agent {
 public:
  explicit BillingAgent(const PromptSet& prompts)
      : prompt_(prompts.For("billing")), version_(prompts.version) {}

  std::string name() const override { return "billing"; }
  std::string purpose() const override { return "billing.claim"; }
  std::string instructions() const override { return prompt_.instructions; }
  std::string prompt_version() const override { return version_; }
  std::vector<std::string> tools() const override { return {"read_encounter", "draft_claim"}; }
  std::string purpose_of_use() const override { return "HPAYMT"; }

  Result<nlohmann::json> BuildContext(const TaskContext& task) const override {
    if (task.encounter.empty())
      return FailedPrecondition("billing needs an encounter");
    return nlohmann::json{{"encounter", task.encounter}, {"patient", task.patient}};
  }

  Conclusion Conclude(const TaskContext&, const StepRecord& step) const override {
    const ToolResult* claim = LastResultOf(step, "draft_claim");
    if (claim != nullptr && claim->ok)
      return {Outcome::kDone, "", {}};
    if (claim != nullptr || step.refused_tool)
      return MissingToolConclusion(step, "draft_claim");

    const ToolResult* encounter = LastResultOf(step, "read_encounter");
    if (encounter == nullptr || !encounter->ok)
      return MissingToolConclusion(step, "read_encounter");
    return {Outcome::kEscalated, "the encounter carries no codes a claim can use", {}};
  }

 private:
  AgentPrompt prompt_;
  std::string version_;
};

}  // namespace

std::unique_ptr<Agent> MakeBillingAgent(const PromptSet& prompts) {
  return std::make_unique<BillingAgent>(prompts);
}

}  // namespace medulla::agents
