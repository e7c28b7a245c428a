#include "agents/agent.h"
#include "agents/step_record_queries.h"

namespace medulla::agents {
namespace {

class SchedulingAgent final : public Agent {
 public:
  std::string name() const override { return "scheduling"; }
  std::string purpose() const override { return "scheduling.follow_up"; }
  std::string instructions() const override {
    return "You are the scheduling agent of a clinic. If the plan in the context asks for a "
           "follow-up visit, book it with book_follow_up after the number of days it states. If "
           "it asks for none, book nothing and say so.";
  }
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
    if (booking == nullptr) {
      return {Outcome::kDone, "", {{"follow_up", "none requested"}}};
    }
    if (!booking->ok)
      return MissingToolConclusion(step, "book_follow_up");
    return {Outcome::kDone, "", {{"follow_up", booking->result.value("start", "")}}};
  }
};

}  // namespace

std::unique_ptr<Agent> MakeSchedulingAgent() {
  return std::make_unique<SchedulingAgent>();
}

}  // namespace medulla::agents
