#include "agents/agent.h"
#include "agents/step_record_queries.h"

namespace medulla::agents {
namespace {

class IntakeAgent final : public Agent {
 public:
  explicit IntakeAgent(const PromptSet& prompts)
      : prompt_(prompts.For("intake")), version_(prompts.version) {}

  std::string name() const override { return "intake"; }
  std::string purpose() const override { return "intake.check"; }
  std::string instructions() const override { return prompt_.instructions; }
  std::string prompt_version() const override { return version_; }
  std::vector<std::string> tools() const override { return {"lookup_patient"}; }

  Result<nlohmann::json> BuildContext(const TaskContext& task) const override {
    if (task.patient.empty())
      return FailedPrecondition("intake needs a patient reference");
    return nlohmann::json{{"patient", task.patient}};
  }

  Conclusion Conclude(const TaskContext&, const StepRecord& step) const override {
    const ToolResult* lookup = LastResultOf(step, "lookup_patient");
    if (lookup == nullptr || !lookup->ok)
      return MissingToolConclusion(step, "lookup_patient");

    const nlohmann::json& found = lookup->result;
    if (!found.value("found", false)) {
      return {Outcome::kEscalated, "the patient was not found in the EHR", {}};
    }
    if (found.value("deceased", false)) {
      return {Outcome::kEscalated, "the patient's record is marked deceased", {}};
    }
    if (!found.value("active", true)) {
      return {Outcome::kEscalated, "the patient's record is inactive", {}};
    }
    return {Outcome::kDone, "", {{"patient_verified", true}}};
  }

 private:
  AgentPrompt prompt_;
  std::string version_;
};

}  // namespace

std::unique_ptr<Agent> MakeIntakeAgent(const PromptSet& prompts) {
  return std::make_unique<IntakeAgent>(prompts);
}

}  // namespace medulla::agents
