#include "agents/agent.h"
#include "agents/step_record_queries.h"

namespace medulla::agents {
namespace {

class ScribeAgent final : public Agent {
 public:
  explicit ScribeAgent(const PromptSet& prompts)
      : prompt_(prompts.For("scribe")), version_(prompts.version) {}

  std::string name() const override { return "scribe"; }
  std::string purpose() const override { return "scribe.draft_note"; }
  std::string instructions() const override { return prompt_.instructions; }
  std::string prompt_version() const override { return version_; }
  std::vector<std::string> tools() const override { return {"draft_note"}; }

  Result<nlohmann::json> BuildContext(const TaskContext& task) const override {
    if (!task.input.is_object() || !task.input.contains("dialogue") ||
        !task.input["dialogue"].is_string()) {
      return FailedPrecondition("the scribe needs the visit dialogue");
    }
    return nlohmann::json{{"dialogue", task.input["dialogue"]}};
  }

  Conclusion Conclude(const TaskContext&, const StepRecord& step) const override {
    const ToolResult* draft = LastResultOf(step, "draft_note");
    std::optional<nlohmann::json> arguments = LastArgumentsFor(step, "draft_note");
    if (draft == nullptr || !draft->ok || !arguments) {
      return MissingToolConclusion(step, "draft_note");
    }

    nlohmann::json output = {{"plan", arguments->value("plan", "")},
                             {"assessment", arguments->value("assessment", "")}};
    double confidence = arguments->value("confidence", 0.0);
    if (confidence < prompt_.min_confidence) {
      return {Outcome::kEscalated, "the draft note's confidence is below the threshold", output};
    }
    return {Outcome::kDone, "", output};
  }

 private:
  AgentPrompt prompt_;
  std::string version_;
};

}  // namespace

std::unique_ptr<Agent> MakeScribeAgent(const PromptSet& prompts) {
  return std::make_unique<ScribeAgent>(prompts);
}

}  // namespace medulla::agents
