#include <algorithm>

#include "agents/agent.h"
#include "agents/step_record_queries.h"

namespace medulla::agents {
namespace {

class SchedulingAgent final : public Agent {
 public:
  explicit SchedulingAgent(const PromptSet& prompts)
      : prompt_(prompts.For("scheduling")), version_(prompts.version) {}

  std::string name() const override { return "scheduling"; }
  std::string purpose() const override { return "scheduling.follow_up"; }
  std::string instructions() const override { return prompt_.instructions; }
  std::string prompt_version() const override { return version_; }
  std::vector<std::string> tools() const override { return {"book_follow_up"}; }

  Result<nlohmann::json> BuildContext(const TaskContext& task) const override {
    if (task.patient.empty())
      return FailedPrecondition("scheduling needs a patient reference");

    std::string plan;
    auto scribe = task.handoff.find("scribe");
    if (scribe != task.handoff.end())
      plan = scribe->second.value("plan", "");
    if (plan.empty() && task.input.is_string())
      plan = task.input.get<std::string>();
    if (plan.empty() && task.input.is_object())
      plan = task.input.value("plan", "");
    if (plan.empty())
      return FailedPrecondition("scheduling needs a plan to act on");

    return nlohmann::json{{"plan", plan}, {"patient", task.patient}};
  }

  Conclusion Conclude(const TaskContext&, const StepRecord& step) const override {
    if (step.refused_tool)
      return MissingToolConclusion(step, "book_follow_up");

    const ToolResult* booking = LastResultOf(step, "book_follow_up");
    bool may_book =
        std::find(step.offered.begin(), step.offered.end(), "book_follow_up") != step.offered.end();
    if (booking == nullptr && !may_book) {
      return {Outcome::kEscalated, "booking is not allowed for the person who asked", {}};
    }
    if (booking == nullptr) {
      return {Outcome::kDone, "", {{"follow_up", "none requested"}}};
    }
    if (!booking->ok)
      return MissingToolConclusion(step, "book_follow_up");
    return {Outcome::kDone, "", {{"follow_up", booking->result.value("start", "")}}};
  }

 private:
  AgentPrompt prompt_;
  std::string version_;
};

}  // namespace

std::unique_ptr<Agent> MakeSchedulingAgent(const PromptSet& prompts) {
  return std::make_unique<SchedulingAgent>(prompts);
}

}  // namespace medulla::agents
