#include "agents/agent.h"
#include "agents/step_record_queries.h"

namespace medulla::agents {
namespace {

// Below this the draft goes to a person before anything is written.
constexpr double kMinimumDraftConfidence = 0.5;

class ScribeAgent final : public Agent {
 public:
  std::string name() const override { return "scribe"; }
  std::string purpose() const override { return "scribe.draft_note"; }
  std::string instructions() const override {
    return "You are the scribe of a clinic. From the visit dialogue in the context, draft a SOAP "
           "note and save it with draft_note, giving your confidence. Record only what was said.";
  }
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
    if (confidence < kMinimumDraftConfidence) {
      return {Outcome::kEscalated, "the draft note's confidence is below the threshold", output};
    }
    return {Outcome::kDone, "", output};
  }
};

}  // namespace

std::unique_ptr<Agent> MakeScribeAgent() {
  return std::make_unique<ScribeAgent>();
}

}  // namespace medulla::agents
