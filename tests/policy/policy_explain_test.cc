// `medulla policy explain`: the explanation a person reads and the exit codes scripts read.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "policy/explain_command.h"

namespace medulla::policy {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

PolicyExplainOptions ClinicianQuestion() {
  PolicyExplainOptions options;
  options.policy_path = "config/policies/clinic.yaml";
  options.subject = "clin-1";
  options.tenant = "clinic-a";
  options.roles = {"clinician"};
  options.action = "tool:draft_note";
  options.resource = "tenant:clinic-a/Patient/p-100";
  options.context = {"request.purpose_of_use=treatment"};
  return options;
}

TEST(PolicyExplain, AllowedQuestionExitsZeroAndNamesTheDecidingStatement) {
  ::testing::internal::CaptureStdout();
  int code = RunPolicyExplain(ClinicianQuestion());
  std::string out = ::testing::internal::GetCapturedStdout();

  EXPECT_EQ(code, 0);
  EXPECT_THAT(out, HasSubstr("decision: allow by statement \"ClinicianVisitTools\" "
                             "(config/policies/clinic.yaml:44): allowed"));
  EXPECT_THAT(out,
              HasSubstr("* [allow] ClinicianVisitTools (config/policies/clinic.yaml:44)  "
                        "principal yes, action yes, resource yes, conditions yes  -> decides"));
  EXPECT_THAT(out, HasSubstr("[deny] DenyWritesForResearch (config/policies/clinic.yaml:11)  "
                             "principal yes, action yes, resource yes, conditions no  -> not "
                             "applicable: condition StringEquals on request.purpose_of_use does "
                             "not hold for \"treatment\""));
  EXPECT_THAT(out, HasSubstr("[allow] FrontDeskScheduling"));
}

TEST(PolicyExplain, DeniedQuestionExitsThreeAndShowsOverruledAllows) {
  PolicyExplainOptions options = ClinicianQuestion();
  options.context = {"request.purpose_of_use=research"};

  ::testing::internal::CaptureStdout();
  int code = RunPolicyExplain(options);
  std::string out = ::testing::internal::GetCapturedStdout();

  EXPECT_EQ(code, 3);
  EXPECT_THAT(out, HasSubstr("decision: deny by statement \"DenyWritesForResearch\""));
  EXPECT_THAT(out, HasSubstr("ClinicianVisitTools (config/policies/clinic.yaml:44)  principal "
                             "yes, action yes, resource yes, conditions yes  -> applies, "
                             "overruled by the deciding statement"));
}

TEST(PolicyExplain, ImplicitDenySaysNoStatementAllows) {
  PolicyExplainOptions options = ClinicianQuestion();
  options.roles = {"billing"};

  ::testing::internal::CaptureStdout();
  int code = RunPolicyExplain(options);
  std::string out = ::testing::internal::GetCapturedStdout();

  EXPECT_EQ(code, 3);
  EXPECT_THAT(out, HasSubstr("decision: deny: implicit deny: no statement allows"));
  EXPECT_THAT(out, Not(HasSubstr("-> decides")));
}

TEST(PolicyExplain, BadPolicyPathExitsOneWithOneLine) {
  PolicyExplainOptions options = ClinicianQuestion();
  options.policy_path = "no/such/dir.yaml";

  ::testing::internal::CaptureStderr();
  int code = RunPolicyExplain(options);
  std::string err = ::testing::internal::GetCapturedStderr();

  EXPECT_EQ(code, 1);
  EXPECT_EQ(err, "medulla: no/such/dir.yaml: cannot read policy file\n");
}

TEST(PolicyExplain, MalformedContextPairExitsOne) {
  PolicyExplainOptions options = ClinicianQuestion();
  options.context = {"request.purpose_of_use"};

  ::testing::internal::CaptureStderr();
  int code = RunPolicyExplain(options);
  std::string err = ::testing::internal::GetCapturedStderr();

  EXPECT_EQ(code, 1);
  EXPECT_EQ(err, "medulla: context \"request.purpose_of_use\" is not key=value\n");
}

TEST(PolicyExplain, ContextValuesAreTypedFromTheirText) {
  PolicyExplainOptions options = ClinicianQuestion();
  options.context = {"request.risk=2.5",
                     "patient.consent=false",
                     "request.time=2026-12-04T10:00:00Z",
                     "request.note=2026-12-04",
                     "request.purpose_of_use=treatment",
                     "request.purpose_of_use=payment"};

  Result<Request> request = RequestFromOptions(options);

  ASSERT_TRUE(request.ok()) << request.status().ToString();
  const Context& context = request->context;
  EXPECT_EQ(std::get<double>(context.at("request.risk")), 2.5);
  EXPECT_EQ(std::get<bool>(context.at("patient.consent")), false);
  EXPECT_EQ(FormatTimestamp(std::get<TimePoint>(context.at("request.time"))),
            "2026-12-04T10:00:00.000Z");
  EXPECT_EQ(std::get<std::string>(context.at("request.note")), "2026-12-04");
  EXPECT_EQ(std::get<std::vector<std::string>>(context.at("request.purpose_of_use")),
            (std::vector<std::string>{"treatment", "payment"}));
}

}  // namespace
}  // namespace medulla::policy
