#include "audit/task_account.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "audit/audit_fixture.h"
#include "cli/audit_commands.h"

namespace medulla::audit {
namespace {

using ::testing::ContainsRegex;
using ::testing::HasSubstr;
using ::testing::Not;

class TaskAccountTest : public AuditTest {
 protected:
  std::string Account(const std::string& task_id) {
    Result<std::string> account = RenderTaskAccount(*store_, task_id);
    EXPECT_TRUE(account.ok()) << account.status().ToString();
    return account.ok() ? *account : "";
  }
};

TEST_F(TaskAccountTest, NamesWhoAskedAndWhichAgentsRan) {
  std::string account = Account(RecordTask({"clinic-a", "dr-grey"}));

  EXPECT_THAT(account, ContainsRegex("subject +dr-grey"));
  EXPECT_THAT(account, ContainsRegex("tenant +clinic-a"));
  EXPECT_THAT(account, ContainsRegex("roles +clinician"));
  EXPECT_THAT(account, ContainsRegex("session +session-42"));
  EXPECT_THAT(account, ContainsRegex("purpose of use +treatment"));
  EXPECT_THAT(account, HasSubstr("route: scribe"));
  EXPECT_THAT(account, ContainsRegex("scribe +done"));
  EXPECT_THAT(account, ContainsRegex("status +done"));
}

TEST_F(TaskAccountTest, ShowsViewedDataToolsAndWrites) {
  std::string account = Account(RecordTask({"clinic-a", "dr-grey"}));

  EXPECT_THAT(account, HasSubstr("Patient/p-100"));
  EXPECT_THAT(account, HasSubstr("name, birthDate"));
  EXPECT_THAT(account, HasSubstr("Observation/obs-5"));
  EXPECT_THAT(account, HasSubstr("code, valueQuantity"));
  EXPECT_THAT(account, HasSubstr("allow (CliniciansDraftNotes)"));
  EXPECT_THAT(account, HasSubstr("grant-31"));
  EXPECT_THAT(account, HasSubstr("deny (BillingStaffOnly)"));
  EXPECT_THAT(account, HasSubstr("refused: tool not offered"));
  EXPECT_THAT(account, HasSubstr("offline/rules-1"));
  EXPECT_THAT(account, HasSubstr("order_labs, read_billing, draft_note"));
  EXPECT_THAT(account, HasSubstr("confirmed (created)"));
  EXPECT_THAT(account, HasSubstr("DocumentReference/doc-77"));
  EXPECT_THAT(account, HasSubstr("allow (AgentsDraftForClinicians)"));
  EXPECT_THAT(account, HasSubstr("permitted"));
  EXPECT_THAT(account, HasSubstr("Consent/c-9"));
  EXPECT_THAT(account, HasSubstr("no approvals recorded"));
}

TEST_F(TaskAccountTest, HeldAndFailedWritesSayWhy) {
  std::string held =
      Account(RecordTask({"clinic-a", "dr-grey", "scribe", "Patient/p-1", WriteEnding::kHeld}));
  std::string failed =
      Account(RecordTask({"clinic-a", "dr-grey", "scribe", "Patient/p-1", WriteEnding::kFailed}));

  EXPECT_THAT(held, HasSubstr("held"));
  EXPECT_THAT(held, HasSubstr("held for review: low confidence"));
  EXPECT_THAT(held, ContainsRegex("scribe +escalated"));
  EXPECT_THAT(failed, HasSubstr("failed"));
  EXPECT_THAT(failed, HasSubstr("the EHR refused the write"));
  EXPECT_THAT(failed, Not(HasSubstr("DocumentReference/doc-77")));
}

TEST_F(TaskAccountTest, NeverPrintsAGrantOrBearerToken) {
  std::string account = Account(RecordTask({"clinic-a", "dr-grey"}));

  EXPECT_THAT(account, Not(HasSubstr(kGrantToken)));
  EXPECT_THAT(account, Not(HasSubstr(kBearerToken)));
  EXPECT_THAT(account, Not(HasSubstr("eyJ")));
  EXPECT_THAT(account, Not(HasSubstr("token-id-7")));
  EXPECT_THAT(account, HasSubstr("[token withheld]")) << "the model's content is shown, withheld";
}

TEST_F(TaskAccountTest, ShowCommandPrintsTheAccountAndFailsForUnknownTasks) {
  std::string task_id = RecordTask({"clinic-b", "dr-shepherd", "intake"});
  cli::AuditCommandOptions show;
  show.store = StoreUrl();
  show.task_id = task_id;

  ::testing::internal::CaptureStdout();
  int exit_code = cli::RunAuditShow(show);
  std::string printed = ::testing::internal::GetCapturedStdout();

  EXPECT_EQ(exit_code, 0);
  EXPECT_THAT(printed, HasSubstr("Task " + task_id));
  EXPECT_THAT(printed, HasSubstr("dr-shepherd"));
  EXPECT_THAT(printed, HasSubstr("intake"));

  show.task_id = "no-such-task";
  EXPECT_EQ(cli::RunAuditShow(show), 1);
}

TEST(WithholdTokens, ReplacesJwtsAndBearerCredentials) {
  EXPECT_EQ(WithholdTokens(std::string("grant ") + kGrantToken + " used"),
            "grant [token withheld] used");
  EXPECT_EQ(WithholdTokens("Authorization: Bearer abc.def-123"), "Authorization: [token withheld]");
  EXPECT_EQ(WithholdTokens("no secrets in Observation/obs-5"), "no secrets in Observation/obs-5");
}

}  // namespace
}  // namespace medulla::audit
