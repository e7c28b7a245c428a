#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include "store_fixture.h"

namespace medulla::store {
namespace {

using ::testing::HasSubstr;

int64_t EventCount(Store& store) {
  Result<std::vector<Event>> all = store.ReadSince(0, 1000);
  EXPECT_TRUE(all.ok()) << all.status().ToString();
  return all.ok() ? static_cast<int64_t>(all->size()) : -1;
}

TEST_P(StoreTest, CreateTaskStoresTheFirstEventAndQueuesTheTask) {
  Result<CreatedTask> created = store_->CreateTask({"task-1", "clinic-a", {}, TaskCreatedEvent()});
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  EXPECT_TRUE(created->created);
  EXPECT_EQ(created->task_id, "task-1");

  Result<std::vector<Event>> events = store_->ReadTask("task-1");
  ASSERT_TRUE(events.ok()) << events.status().ToString();
  ASSERT_EQ(events->size(), 1u);
  const Event& first = events->front();
  EXPECT_EQ(first.task_id, "task-1");
  EXPECT_EQ(first.task_seq, 1);
  EXPECT_EQ(first.tenant, "clinic-a");
  EXPECT_EQ(first.type, event_type::kTaskCreated);
  EXPECT_EQ(first.at, clock_.Now());
  EXPECT_EQ(first.actor, ClinicianActor());
  EXPECT_EQ(first.payload["patient"], "Patient/p-1");

  EXPECT_EQ(*store_->QueueDepth(), 1);
  Result<std::vector<TaskSummary>> listed = store_->ListTasks("clinic-a", 10);
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ(listed->front().task_id, "task-1");
  EXPECT_EQ(listed->front().created_at, clock_.Now());
}

TEST_P(StoreTest, IdempotencyKeyReturnsTheExistingTaskAndWritesNothing) {
  Result<CreatedTask> first =
      store_->CreateTask({"task-1", "clinic-a", "visit-42", TaskCreatedEvent()});
  ASSERT_TRUE(first.ok());
  clock_.Advance(std::chrono::seconds(5));

  Result<CreatedTask> retry =
      store_->CreateTask({"task-2", "clinic-a", "visit-42", TaskCreatedEvent("billing")});
  ASSERT_TRUE(retry.ok()) << retry.status().ToString();
  EXPECT_FALSE(retry->created);
  EXPECT_EQ(retry->task_id, "task-1");

  EXPECT_EQ(EventCount(*store_), 1);
  EXPECT_EQ(*store_->QueueDepth(), 1);
  EXPECT_EQ(store_->ReadTask("task-2").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(store_->ReadTask("task-1")->front().payload["agent"], "scribe");
}

TEST_P(StoreTest, IdempotencyKeysAreScopedToTheirTenant) {
  ASSERT_TRUE(store_->CreateTask({"task-a", "clinic-a", "visit-42", TaskCreatedEvent()}).ok());

  Result<CreatedTask> other =
      store_->CreateTask({"task-b", "clinic-b", "visit-42", TaskCreatedEvent()});
  ASSERT_TRUE(other.ok());
  EXPECT_TRUE(other->created);
  EXPECT_EQ(other->task_id, "task-b");
}

TEST_P(StoreTest, CreateTaskRefusesAFirstEventOtherThanTaskCreated) {
  Result<CreatedTask> created =
      store_->CreateTask({"task-1", "clinic-a", "visit-42", AgentStartedEvent("scribe", 1)});

  EXPECT_EQ(created.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(created.status().message(), HasSubstr("task.created"));
  EXPECT_EQ(EventCount(*store_), 0);
  EXPECT_EQ(*store_->QueueDepth(), 0);
}

TEST_P(StoreTest, CreateTaskRefusesEmptyIdsAndKeys) {
  EXPECT_EQ(store_->CreateTask({"", "clinic-a", {}, TaskCreatedEvent()}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->CreateTask({"task-1", "", {}, TaskCreatedEvent()}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->CreateTask({"task-1", "clinic-a", "", TaskCreatedEvent()}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(EventCount(*store_), 0);
}

TEST_P(StoreTest, CreateTaskWithATakenIdConflictsAndLeavesNoKeyBehind) {
  ASSERT_TRUE(store_->CreateTask({"task-1", "clinic-a", {}, TaskCreatedEvent()}).ok());

  Result<CreatedTask> again =
      store_->CreateTask({"task-1", "clinic-a", "visit-9", TaskCreatedEvent()});
  EXPECT_EQ(again.status().code(), StatusCode::kConflict);
  EXPECT_EQ(EventCount(*store_), 1);

  // The failed call rolled back whole: the key it would have recorded is still free.
  Result<CreatedTask> keyed =
      store_->CreateTask({"task-2", "clinic-a", "visit-9", TaskCreatedEvent()});
  ASSERT_TRUE(keyed.ok());
  EXPECT_TRUE(keyed->created);
  EXPECT_EQ(keyed->task_id, "task-2");
}

TEST_P(StoreTest, AppendNumbersEventsInOrderAndReturnsThemAsStored) {
  std::string task_id = CreateTask();
  clock_.Advance(std::chrono::milliseconds(250));

  Result<std::vector<Event>> batch = store_->Append(
      task_id, {AgentStartedEvent("scribe", 1), AgentStartedEvent("billing", 2)}, 1, nullptr);
  ASSERT_TRUE(batch.ok()) << batch.status().ToString();
  AppendEvents(task_id, 1, 3);

  Result<std::vector<Event>> events = store_->ReadTask(task_id);
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 4u);
  for (size_t i = 0; i < events->size(); ++i) {
    EXPECT_EQ((*events)[i].task_seq, static_cast<int64_t>(i + 1));
    if (i > 0) {
      EXPECT_GT((*events)[i].seq, (*events)[i - 1].seq);
    }
  }
  EXPECT_EQ((*events)[1].seq, (*batch)[0].seq);
  EXPECT_EQ((*events)[2].payload, (*batch)[1].payload);
  EXPECT_EQ((*events)[2].payload["agent"], "billing");
  EXPECT_EQ((*events)[1].at, clock_.Now());
}

TEST_P(StoreTest, AppendWithAStaleExpectationConflictsAndWritesNothing) {
  std::string task_id = CreateTask();
  AppendEvents(task_id, 1);

  Result<std::vector<Event>> stale =
      store_->Append(task_id, {AgentStartedEvent("scribe", 2)}, 1, nullptr);

  EXPECT_EQ(stale.status().code(), StatusCode::kConflict);
  EXPECT_THAT(stale.status().message(), HasSubstr("expected last task_seq 1, found 2"));
  EXPECT_EQ(store_->ReadTask(task_id)->size(), 2u);
}

TEST_P(StoreTest, AppendToAnUnknownTaskIsNotFound) {
  Result<std::vector<Event>> appended =
      store_->Append("no-such-task", {AgentStartedEvent("scribe", 1)}, 1, nullptr);

  EXPECT_EQ(appended.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(EventCount(*store_), 0);
}

TEST_P(StoreTest, AppendRefusesMalformedBatchesWhole) {
  std::string task_id = CreateTask();

  EXPECT_EQ(store_->Append(task_id, {}, 1, nullptr).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(
      store_->Append(task_id, {AgentStartedEvent("scribe", 1), TaskCreatedEvent()}, 1, nullptr)
          .status()
          .code(),
      StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->Append(task_id, {AgentStartedEvent("scribe", 1), NewEvent{}}, 1, nullptr)
                .status()
                .code(),
            StatusCode::kInvalidArgument);
  NewEvent bad_text{event_type::kToolCalled, ClinicianActor(), {{"tool", "\xff\xfe"}}};
  EXPECT_EQ(store_->Append(task_id, {AgentStartedEvent("scribe", 1), bad_text}, 1, nullptr)
                .status()
                .code(),
            StatusCode::kInvalidArgument);

  EXPECT_EQ(store_->ReadTask(task_id)->size(), 1u);
}

TEST_P(StoreTest, ReadTaskOfAnUnknownTaskIsNotFound) {
  EXPECT_EQ(store_->ReadTask("no-such-task").status().code(), StatusCode::kNotFound);
}

TEST_P(StoreTest, ReadSincePagesThroughEveryTaskInLogOrder) {
  std::string first = CreateTask();
  std::string second = CreateTask();
  AppendEvents(first, 1);
  AppendEvents(second, 2);

  std::vector<std::string> owners;
  int64_t after = 0;
  while (true) {
    Result<std::vector<Event>> page = store_->ReadSince(after, 2);
    ASSERT_TRUE(page.ok());
    if (page->empty())
      break;
    EXPECT_LE(page->size(), 2u);
    for (const Event& event : *page) {
      EXPECT_GT(event.seq, after);
      after = event.seq;
      owners.push_back(event.task_id);
    }
  }
  EXPECT_EQ(owners, (std::vector<std::string>{first, second, first, second, second}));
}

TEST_P(StoreTest, ListTasksShowsTheTenantsTasksNewestFirst) {
  std::string older = CreateTask("clinic-a");
  clock_.Advance(std::chrono::seconds(1));
  CreateTask("clinic-b");
  std::string newer = CreateTask("clinic-a");

  Result<std::vector<TaskSummary>> listed = store_->ListTasks("clinic-a", 10);
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 2u);
  EXPECT_EQ((*listed)[0].task_id, newer);
  EXPECT_EQ((*listed)[1].task_id, older);
  EXPECT_EQ(store_->ListTasks("clinic-a", 1)->size(), 1u);
}

TEST_P(StoreTest, EventsSurviveReopenAndTheLogKeepsCounting) {
  std::string task_id = CreateTask();
  AppendEvents(task_id, 2);
  std::vector<Event> before = *store_->ReadTask(task_id);

  Reopen();

  Result<std::vector<Event>> after = store_->ReadTask(task_id);
  ASSERT_TRUE(after.ok());
  ASSERT_EQ(after->size(), before.size());
  for (size_t i = 0; i < before.size(); ++i)
    EXPECT_EQ((*after)[i].ToJson(), before[i].ToJson());

  Result<std::vector<Event>> next =
      store_->Append(task_id, {AgentStartedEvent("scribe", 9)}, 3, nullptr);
  ASSERT_TRUE(next.ok());
  EXPECT_GT(next->front().seq, before.back().seq);
}

TEST_P(StoreTest, AcknowledgedEventsSurviveAProcessThatDiesWithoutClosing) {
  store_.reset();

  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // The child writes and then dies abruptly: no destructor, no close, no checkpoint.
    Result<std::unique_ptr<Store>> opened = OpenAnother();
    if (!opened.ok())
      _exit(2);
    Store& store = **opened;
    if (!store.CreateTask({"task-1", "clinic-a", {}, TaskCreatedEvent()}).ok())
      _exit(3);
    if (!store.Append("task-1", {AgentStartedEvent("scribe", 1)}, 1, nullptr).ok())
      _exit(4);
    _exit(0);
  }
  int wait_status = 0;
  ASSERT_EQ(waitpid(child, &wait_status, 0), child);
  ASSERT_TRUE(WIFEXITED(wait_status));
  ASSERT_EQ(WEXITSTATUS(wait_status), 0);

  Open();
  Result<std::vector<Event>> events = store_->ReadTask("task-1");
  ASSERT_TRUE(events.ok()) << events.status().ToString();
  ASSERT_EQ(events->size(), 2u);
  EXPECT_EQ(events->back().type, event_type::kAgentStarted);
  EXPECT_EQ(*store_->QueueDepth(), 1);
}

TEST_P(StoreTest, DirectSqlCannotRewriteOrRemoveEvents) {
  std::string task_id = CreateTask();
  std::vector<Event> before = *store_->ReadTask(task_id);
  std::string refused = engine() == Engine::kSqlite ? std::to_string(SQLITE_CONSTRAINT) : "23000";

  for (const char* sql : {"UPDATE events SET type = 'task.completed'", "DELETE FROM events"}) {
    RawSqlOutcome outcome = RunRawSql(sql);
    EXPECT_FALSE(outcome.ok) << sql;
    EXPECT_EQ(outcome.code, refused) << sql;
    EXPECT_THAT(outcome.message, HasSubstr("events are append-only")) << sql;
  }

  Result<std::vector<Event>> after = store_->ReadTask(task_id);
  ASSERT_TRUE(after.ok());
  ASSERT_EQ(after->size(), 1u);
  EXPECT_EQ(after->front().ToJson(), before.front().ToJson());
}

TEST_P(StoreTest, OpeningAStoreWrittenByANewerBuildFails) {
  store_.reset();
  RawSqlOutcome bumped = RunRawSql("INSERT INTO schema_version (version) VALUES (" +
                                   std::to_string(SchemaVersion() + 1) + ")");
  ASSERT_TRUE(bumped.ok) << bumped.message;

  Result<std::unique_ptr<Store>> opened = OpenAnother();

  EXPECT_EQ(opened.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(opened.status().message(), HasSubstr("newer"));
}

TEST_P(StoreTest, MigrateReportsTheSchemaVersionAndKeepsTheData) {
  std::string task_id = CreateTask();
  store_.reset();

  Result<int> migrated = Migrate(StoreUrl());

  ASSERT_TRUE(migrated.ok()) << migrated.status().ToString();
  EXPECT_EQ(*migrated, SchemaVersion());
  Open();
  EXPECT_EQ(store_->ReadTask(task_id)->size(), 1u);
}

TEST_P(StoreTest, EventJsonCarriesEveryFieldWithAnRfc3339Time) {
  std::string task_id = CreateTask();

  nlohmann::json json = store_->ReadTask(task_id)->front().ToJson();

  EXPECT_EQ(json["task_id"], task_id);
  EXPECT_EQ(json["task_seq"], 1);
  EXPECT_GE(json["seq"].get<int64_t>(), 1);
  EXPECT_EQ(json["tenant"], "clinic-a");
  EXPECT_EQ(json["type"], "task.created");
  EXPECT_EQ(json["at"], "2026-03-02T09:00:00.000Z");
  EXPECT_EQ(json["actor"]["sub"], "clinician-7");
  EXPECT_EQ(json["payload"]["agent"], "scribe");
}

MEDULLA_ALL_STORE_ENGINES(StoreTest);

}  // namespace
}  // namespace medulla::store
