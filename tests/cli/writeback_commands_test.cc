// `medulla writeback list|show|complete`, run as functions against a SQLite store the test
// fills, with what they print and the exit codes they return.
#include "cli/writeback_commands.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "common/ids.h"
#include "store/store.h"
#include "support/temp_dir.h"

namespace medulla::cli {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::Not;

class WritebackCommandsTest : public ::testing::Test {
 protected:
  WritebackCommandsTest() {
    store_ = std::move(store::OpenSqliteStore(dir_.File("medulla.db"), clock_)).value();
  }

  std::string StoreUrl() const { return "sqlite:" + dir_.File("medulla.db"); }

  std::string FinishedTask() {
    std::string task_id = NewUuid();
    store::NewEvent created{store::event_type::kTaskCreated, {{"sub", "dr-1"}}, {{"agent", "x"}}};
    EXPECT_TRUE(store_->CreateTask({task_id, "clinic-a", {}, created}).ok());
    Result<std::optional<store::Lease>> lease =
        store_->Claim("runner", std::chrono::milliseconds(30'000));
    EXPECT_TRUE(lease.ok() && lease->has_value());
    EXPECT_TRUE(store_->Finish(**lease).ok());
    return task_id;
  }

  store::WritebackEntry Enqueue(const std::string& intent_id, store::WritebackRoute route) {
    store::WritebackEntry entry;
    entry.tenant = "clinic-a";
    entry.intent_id = intent_id;
    entry.task_id = FinishedTask();
    entry.patient = "Patient/p-1";
    entry.kind = "claim";
    entry.resource_type = "Claim";
    entry.route = route;
    entry.reason = route == store::WritebackRoute::kWorkItem ? "payer takes claims by hand" : "";
    entry.intent = {{"content", {{"payer", "Acme Health"}}}};
    entry.next_attempt_at = clock_.Now();
    EXPECT_TRUE(*store_->EnqueueWriteback(entry));
    return entry;
  }

  WritebackCommandOptions Options(const std::string& intent_id = "") const {
    WritebackCommandOptions options;
    options.store = StoreUrl();
    options.tenant = "clinic-a";
    options.intent_id = intent_id;
    return options;
  }

  // Runs `command`, returning its exit code and what it printed to stdout and stderr.
  struct Run {
    int exit_code;
    std::string out;
    std::string err;
  };
  Run Invoke(int (*command)(const WritebackCommandOptions&),
             const WritebackCommandOptions& options) {
    ::testing::internal::CaptureStdout();
    ::testing::internal::CaptureStderr();
    int exit_code = command(options);
    std::string err = ::testing::internal::GetCapturedStderr();
    std::string out = ::testing::internal::GetCapturedStdout();
    return {exit_code, out, err};
  }

  testing::TempDir dir_;
  SystemClock clock_;
  std::unique_ptr<store::Store> store_;
};

TEST_F(WritebackCommandsTest, ListPrintsATableOfTheTenantsEntries) {
  store::WritebackEntry item = Enqueue("claim-1", store::WritebackRoute::kWorkItem);
  Enqueue("note-1", store::WritebackRoute::kFhir);

  Run run = Invoke(RunWritebackList, Options());

  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_THAT(run.out, HasSubstr("INTENT"));
  EXPECT_THAT(run.out, HasSubstr("REASON"));
  EXPECT_THAT(run.out, HasSubstr("claim-1"));
  EXPECT_THAT(run.out, HasSubstr(item.task_id));
  EXPECT_THAT(run.out, HasSubstr("work_item"));
  EXPECT_THAT(run.out, HasSubstr("payer takes claims by hand"));
  EXPECT_THAT(run.out, HasSubstr("note-1"));
  EXPECT_THAT(run.out, Not(HasSubstr("Acme Health")));
}

TEST_F(WritebackCommandsTest, ListFiltersAndPrintsJson) {
  Enqueue("claim-1", store::WritebackRoute::kWorkItem);
  Enqueue("note-1", store::WritebackRoute::kFhir);
  WritebackCommandOptions options = Options();
  options.route = "work_item";
  options.json = true;

  Run run = Invoke(RunWritebackList, options);

  ASSERT_EQ(run.exit_code, 0) << run.err;
  json listed = json::parse(run.out)["writebacks"];
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0]["intent_id"], "claim-1");
  EXPECT_EQ(listed[0]["status"], "pending");
}

TEST_F(WritebackCommandsTest, ListRefusesBadInputWithOneLine) {
  WritebackCommandOptions unknown_status = Options();
  unknown_status.status = "done";
  WritebackCommandOptions no_tenant = Options();
  no_tenant.tenant = "";
  WritebackCommandOptions missing_store = Options();
  missing_store.store = "sqlite:" + dir_.File("typo.db");

  for (const WritebackCommandOptions& options : {unknown_status, no_tenant, missing_store}) {
    Run run = Invoke(RunWritebackList, options);

    EXPECT_EQ(run.exit_code, 1);
    EXPECT_THAT(run.err, HasSubstr("medulla: "));
    EXPECT_EQ(std::count(run.err.begin(), run.err.end(), '\n'), 1) << run.err;
    EXPECT_TRUE(run.out.empty());
  }
}

TEST_F(WritebackCommandsTest, ShowPrintsOneEntryAndFailsForAnUnknownOne) {
  Enqueue("claim-1", store::WritebackRoute::kWorkItem);

  Run shown = Invoke(RunWritebackShow, Options("claim-1"));
  Run missing = Invoke(RunWritebackShow, Options("claim-9"));

  EXPECT_EQ(shown.exit_code, 0) << shown.err;
  EXPECT_THAT(shown.out, HasSubstr("intent_id: claim-1"));
  EXPECT_THAT(shown.out, HasSubstr("route: work_item"));
  EXPECT_THAT(shown.out, HasSubstr("patient: Patient/p-1"));
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_THAT(missing.err, HasSubstr("no write-back claim-9"));
}

TEST_F(WritebackCommandsTest, CompleteConfirmsAWorkItemAndRecordsWhoDidIt) {
  store::WritebackEntry item = Enqueue("claim-1", store::WritebackRoute::kWorkItem);
  WritebackCommandOptions options = Options("claim-1");
  options.by = "billing-clerk-2";
  options.reference = "Claim/77";

  Run run = Invoke(RunWritebackComplete, options);

  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_THAT(run.out, HasSubstr("confirmed claim-1 as Claim/77"));
  store::WritebackEntry stored = **store_->FindWriteback("clinic-a", "claim-1");
  EXPECT_EQ(stored.status, store::WritebackStatus::kConfirmed);
  EXPECT_EQ(stored.reference, "Claim/77");
  store::Event confirmed = store_->ReadTask(item.task_id)->back();
  EXPECT_EQ(confirmed.type, store::event_type::kWritebackConfirmed);
  EXPECT_EQ(confirmed.payload["by"], "billing-clerk-2");
  EXPECT_EQ(confirmed.payload["outcome"], "completed_by_staff");
  EXPECT_EQ(confirmed.actor["channel"], "cli");
}

TEST_F(WritebackCommandsTest, CompleteFollowsTheApisRules) {
  Enqueue("note-1", store::WritebackRoute::kFhir);
  Enqueue("claim-1", store::WritebackRoute::kWorkItem);
  WritebackCommandOptions fhir_entry = Options("note-1");
  fhir_entry.by = "clerk";
  WritebackCommandOptions bad_reference = Options("claim-1");
  bad_reference.by = "clerk";
  bad_reference.reference = "entered by hand";
  WritebackCommandOptions nobody = Options("claim-1");

  Run on_fhir = Invoke(RunWritebackComplete, fhir_entry);
  Run malformed = Invoke(RunWritebackComplete, bad_reference);
  Run unnamed = Invoke(RunWritebackComplete, nobody);

  EXPECT_EQ(on_fhir.exit_code, 1);
  EXPECT_THAT(on_fhir.err, HasSubstr("only work items"));
  EXPECT_EQ(malformed.exit_code, 1);
  EXPECT_THAT(malformed.err, HasSubstr("'reference'"));
  EXPECT_EQ(unnamed.exit_code, 1);
  EXPECT_THAT(unnamed.err, HasSubstr("--by"));
  EXPECT_EQ((*store_->FindWriteback("clinic-a", "claim-1"))->status,
            store::WritebackStatus::kPending);
}

}  // namespace
}  // namespace medulla::cli
