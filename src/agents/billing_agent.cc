#include "agents/agent.h"
#include "agents/step_record_queries.h"

namespace medulla::agents {
namespace {

class BillingAgent final : public Agent {
 public:
  std::string name() const override { return "billing"; }
  std::string purpose() const override { return "billing.claim"; }
  std::string instructions() const override {
    return "You are the billing agent of a clinic. Read the encounter's codes with "
           "read_encounter, then draft a claim with draft_claim using those codes only.";
  }
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
};

}  // namespace

std::unique_ptr<Agent> MakeBillingAgent() {
  return std::make_unique<BillingAgent>();
}

}  // namespace medulla::agents
