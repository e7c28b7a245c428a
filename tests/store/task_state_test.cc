#include "store/task_state.h"

#include <gtest/gtest.h>

#include "store_fixture.h"

namespace medulla::store {
namespace {

using nlohmann::json;

// Builds a task's events the way the log would number them, a second apart.
class EventScript {
 public:
  EventScript& Then(const char* type, json payload, json actor = {{"agent", "scribe"}}) {
    Event event;
    event.seq = 100 + static_cast<int64_t>(events_.size());
    event.task_id = "task-1";
    event.task_seq = static_cast<int64_t>(events_.size()) + 1;
    event.tenant = "clinic-a";
    event.type = type;
    event.at = start_ + std::chrono::seconds(events_.size());
    event.actor = std::move(actor);
    event.payload = std::move(payload);
    events_.push_back(std::move(event));
    return *this;
  }

  const std::vector<Event>& events() const { return events_; }

 private:
  TimePoint start_ = *ParseTimestamp("2026-03-02T09:00:00Z");
  std::vector<Event> events_;
};

EventScript ScribeVisitScript() {
  EventScript script;
  script
      .Then(event_type::kTaskCreated,
            {{"agent", "scribe"}, {"input", "visit note"}, {"patient", "Patient/p-1"}},
            ClinicianActor())
      .Then(event_type::kTaskRouted,
            {{"route", {"scribe", "billing"}}, {"reason", "requested"}, {"confidence", 1.0}})
      .Then(event_type::kAgentStarted, {{"agent", "scribe"}, {"step", 1}})
      .Then(event_type::kModelResponded, {{"agent", "scribe"}, {"purpose", "draft"}})
      .Then(event_type::kIntentEmitted, {{"intent_id", "intent-1"},
                                         {"agent", "scribe"},
                                         {"kind", "create"},
                                         {"resource_type", "DocumentReference"},
                                         {"risk", "low"}})
      .Then(event_type::kWritebackConfirmed, {{"intent_id", "intent-1"},
                                              {"reference", "DocumentReference/55"},
                                              {"outcome", "created"}})
      .Then(event_type::kAgentCompleted, {{"agent", "scribe"}, {"outcome", "done"}})
      .Then(event_type::kTaskCompleted, {{"status", "done"}});
  return script;
}

TEST(TaskStateFold, AScribeVisitEndsDoneWithItsNoteConfirmed) {
  TaskState state = Fold(ScribeVisitScript().events());

  EXPECT_EQ(state.task_id, "task-1");
  EXPECT_EQ(state.tenant, "clinic-a");
  EXPECT_EQ(state.status, TaskStatus::kDone);
  EXPECT_EQ(state.subject, "clinician-7");
  EXPECT_EQ(state.requested_agent, "scribe");
  EXPECT_EQ(state.patient, "Patient/p-1");
  EXPECT_EQ(state.last_task_seq, 8);
  EXPECT_EQ(state.updated_at - state.created_at, std::chrono::seconds(7));
  ASSERT_EQ(state.intents.count("intent-1"), 1u);
  EXPECT_EQ(state.intents.at("intent-1").status, "confirmed");
}

TEST(TaskStateFold, ItsJsonIsWhatTheApiShows) {
  json expected = {
      {"id", "task-1"},
      {"tenant", "clinic-a"},
      {"status", "done"},
      {"agent", "scribe"},
      {"patient", "Patient/p-1"},
      {"subject", "clinician-7"},
      {"route", {"scribe", "billing"}},
      {"steps", {{{"agent", "scribe"}, {"outcome", "done"}}}},
      {"intents",
       {{{"intent_id", "intent-1"},
         {"agent", "scribe"},
         {"kind", "create"},
         {"resource_type", "DocumentReference"},
         {"status", "confirmed"},
         {"reference", "DocumentReference/55"},
         {"outcome", "created"}}}},
      {"created_at", "2026-03-02T09:00:00.000Z"},
      {"updated_at", "2026-03-02T09:00:07.000Z"},
      {"last_event", 8},
  };

  EXPECT_EQ(Fold(ScribeVisitScript().events()).ToJson(), expected);
}

TEST(TaskStateFold, EachStepShowsWhereTheTaskStands) {
  EventScript script = ScribeVisitScript();
  std::vector<std::string> statuses;
  TaskState state;
  for (const Event& event : script.events()) {
    Apply(state, event);
    statuses.push_back(TaskStatusName(state.status));
  }

  EXPECT_EQ(statuses, (std::vector<std::string>{"queued", "queued", "running", "running", "running",
                                                "running", "running", "done"}));
}

TEST(TaskStateFold, AnEscalationKeepsItsReasonAndTheFailedWriteback) {
  EventScript script;
  script.Then(event_type::kTaskCreated, {{"input", "bill the visit"}}, ClinicianActor())
      .Then(event_type::kAgentStarted, {{"agent", "billing"}, {"step", 1}})
      .Then(event_type::kIntentEmitted, {{"intent_id", "intent-9"},
                                         {"agent", "billing"},
                                         {"kind", "create"},
                                         {"resource_type", "Claim"}})
      .Then(event_type::kWritebackFailed,
            {{"intent_id", "intent-9"}, {"reason", "ehr refused"}, {"retryable", false}})
      .Then(event_type::kAgentCompleted,
            {{"agent", "billing"}, {"outcome", "escalated"}, {"reason", "needs coder"}})
      .Then(event_type::kTaskCompleted, {{"status", "escalated"}, {"reason", "needs coder"}});

  TaskState state = Fold(script.events());
  json out = state.ToJson();

  EXPECT_EQ(out["status"], "escalated");
  EXPECT_EQ(out["reason"], "needs coder");
  EXPECT_FALSE(out.contains("agent"));
  EXPECT_FALSE(out.contains("patient"));
  EXPECT_EQ(out["steps"][0],
            (json{{"agent", "billing"}, {"outcome", "escalated"}, {"reason", "needs coder"}}));
  EXPECT_EQ(out["intents"][0]["status"], "failed");
  EXPECT_EQ(out["intents"][0]["reason"], "ehr refused");
  EXPECT_FALSE(out["intents"][0].contains("reference"));
  EXPECT_TRUE(IsTerminal(state.status));
}

TEST(TaskStateFold, AgentCompletionFindsTheLatestStepOfThatAgent) {
  EventScript script;
  script.Then(event_type::kTaskCreated, {{"input", "x"}}, ClinicianActor())
      .Then(event_type::kAgentStarted, {{"agent", "intake"}, {"step", 1}})
      .Then(event_type::kAgentCompleted, {{"agent", "intake"}, {"outcome", "done"}})
      .Then(event_type::kAgentStarted, {{"agent", "scribe"}, {"step", 2}})
      .Then(event_type::kAgentStarted, {{"agent", "intake"}, {"step", 3}})
      .Then(event_type::kAgentCompleted, {{"agent", "scribe"}, {"outcome", "failed"}});

  TaskState state = Fold(script.events());

  ASSERT_EQ(state.steps.size(), 3u);
  EXPECT_EQ(state.steps[0].outcome, "done");
  EXPECT_EQ(state.steps[1].outcome, "failed");
  EXPECT_EQ(state.steps[2].outcome, "running");
  EXPECT_FALSE(IsTerminal(state.status));
}

TEST(TaskStateFold, UnknownTypesAndMissingFieldsOnlyMoveTheSequence) {
  EventScript script;
  script.Then(event_type::kTaskCreated, {{"agent", "scribe"}}, ClinicianActor())
      .Then("something.new", {{"status", "done"}})
      .Then(event_type::kTaskRouted, {{"route", "not-a-list"}})
      .Then(event_type::kWritebackConfirmed, json::array());

  TaskState state = Fold(script.events());

  EXPECT_EQ(state.status, TaskStatus::kQueued);
  EXPECT_TRUE(state.route.empty());
  EXPECT_EQ(state.last_task_seq, 4);
  EXPECT_EQ(state.updated_at, script.events().back().at);
}

TEST(TaskStateFold, AnUnrecognisedFinalStatusCountsAsFailed) {
  EventScript script;
  script.Then(event_type::kTaskCreated, {}, ClinicianActor())
      .Then(event_type::kTaskCompleted, {{"status", "finished-ish"}});

  EXPECT_EQ(Fold(script.events()).status, TaskStatus::kFailed);
}

TEST(TaskStatusName, NamesEveryStatus) {
  EXPECT_STREQ(TaskStatusName(TaskStatus::kQueued), "queued");
  EXPECT_STREQ(TaskStatusName(TaskStatus::kRunning), "running");
  EXPECT_STREQ(TaskStatusName(TaskStatus::kDone), "done");
  EXPECT_STREQ(TaskStatusName(TaskStatus::kEscalated), "escalated");
  EXPECT_STREQ(TaskStatusName(TaskStatus::kFailed), "failed");
}

using FoldedStoreTest = StoreTest;

TEST_P(FoldedStoreTest, TheFoldedSequenceIsTheNextAppendsExpectation) {
  std::string task_id = CreateTask();
  AppendEvents(task_id, 2);

  TaskState state = Fold(*store_->ReadTask(task_id));
  ASSERT_EQ(state.last_task_seq, 3);
  ASSERT_EQ(state.status, TaskStatus::kRunning);

  Result<std::vector<Event>> appended = store_->Append(
      task_id, {{event_type::kTaskCompleted, ClinicianActor(), {{"status", "done"}}}},
      state.last_task_seq, nullptr);
  ASSERT_TRUE(appended.ok()) << appended.status().ToString();
  EXPECT_EQ(Fold(*store_->ReadTask(task_id)).status, TaskStatus::kDone);
}

MEDULLA_ALL_STORE_ENGINES(FoldedStoreTest);

}  // namespace
}  // namespace medulla::store
