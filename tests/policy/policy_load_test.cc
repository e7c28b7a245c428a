// Invalid policy documents are refused at load, naming the file, the line and the reason.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "policy/policy.h"

namespace medulla::policy {
namespace {

using ::testing::HasSubstr;

// The error FromText gives for `text`, or "" when it loads.
std::string LoadError(const std::string& text) {
  Result<std::shared_ptr<const PolicySet>> loaded = PolicySet::FromText(text, "test.yaml");
  return loaded.ok() ? "" : loaded.status().message();
}

constexpr char kValid[] = R"(version: "2026-12-01"
statements:
  - sid: A
    effect: allow
    actions: ["tool:lookup_patient"]
    resources: ["*"]
)";

TEST(PolicyLoad, AcceptsAValidDocument) {
  EXPECT_EQ(LoadError(kValid), "");
}

TEST(PolicyLoad, RefusesAnUnknownField) {
  EXPECT_EQ(LoadError(R"(version: "2026-12-01"
statements:
  - sid: A
    effect: allow
    actions: ["tool:lookup_patient"]
    resource: ["*"]
)"),
            "test.yaml:6: unknown field \"resource\" in statement");
}

TEST(PolicyLoad, RefusesAnUnknownTopLevelField) {
  EXPECT_EQ(LoadError("version: \"2026-12-01\"\nstatement: []\n"),
            "test.yaml:2: unknown field \"statement\" in document");
}

TEST(PolicyLoad, RefusesAWrongType) {
  EXPECT_EQ(LoadError(R"(version: "2026-12-01"
statements:
  - sid: A
    effect: allow
    actions: {tool: lookup_patient}
    resources: ["*"]
)"),
            "test.yaml:5: actions must be a string or a list of strings, found a map");
}

TEST(PolicyLoad, RefusesStatementsThatAreNotAList) {
  EXPECT_EQ(LoadError("version: \"2026-12-01\"\nstatements: {sid: A}\n"),
            "test.yaml:2: statements must be a list, found a map");
}

TEST(PolicyLoad, RefusesAnUnknownOperator) {
  EXPECT_EQ(LoadError(R"(version: "2026-12-01"
statements:
  - sid: A
    effect: allow
    actions: ["tool:lookup_patient"]
    resources: ["*"]
    conditions:
      StringEqual: {request.purpose_of_use: treatment}
)"),
            "test.yaml:8: unknown condition operator \"StringEqual\"");
}

TEST(PolicyLoad, RefusesABadEffect) {
  EXPECT_EQ(LoadError(R"(version: "2026-12-01"
statements:
  - sid: A
    effect: permit
    actions: ["tool:lookup_patient"]
    resources: ["*"]
)"),
            "test.yaml:4: effect must be \"allow\" or \"deny\", found \"permit\"");
}

TEST(PolicyLoad, RefusesEmptyActions) {
  EXPECT_EQ(LoadError(R"(version: "2026-12-01"
statements:
  - sid: A
    effect: allow
    actions: []
    resources: ["*"]
)"),
            "test.yaml:5: actions must not be empty");
}

TEST(PolicyLoad, RefusesMissingResources) {
  EXPECT_EQ(LoadError(R"(version: "2026-12-01"
statements:
  - sid: A
    effect: allow
    actions: ["tool:lookup_patient"]
)"),
            "test.yaml:3: missing field \"resources\" in A");
}

TEST(PolicyLoad, RefusesADuplicateSid) {
  EXPECT_EQ(LoadError(R"(version: "2026-12-01"
statements:
  - sid: A
    effect: allow
    actions: ["tool:lookup_patient"]
    resources: ["*"]
  - sid: A
    effect: deny
    actions: ["tool:draft_note"]
    resources: ["*"]
)"),
            "test.yaml:7: duplicate sid \"A\", first used at test.yaml:3");
}

TEST(PolicyLoad, RefusesMalformedActionPatterns) {
  for (const char* action : {"draft_note", "tool:", "tool:Draft", "fhir:create", "fhir:write:Claim",
                             "fhir:create:Claim:x", "ehr:*"}) {
    SCOPED_TRACE(action);
    std::string text = std::string("version: \"2026-12-01\"\nstatements:\n  - sid: A\n") +
                       "    effect: allow\n    actions: [\"" + action +
                       "\"]\n    resources: [\"*\"]\n";
    EXPECT_EQ(LoadError(text), std::string("test.yaml:5: malformed action pattern \"") + action +
                                   "\": expected tool:<name>, fhir:<verb>:<ResourceType> or *");
  }
}

TEST(PolicyLoad, RefusesAMalformedResourcePattern) {
  EXPECT_EQ(LoadError(R"(version: "2026-12-01"
statements:
  - sid: A
    effect: allow
    actions: ["tool:*"]
    resources: ["Patient/123"]
)"),
            "test.yaml:6: malformed resource pattern \"Patient/123\": expected <kind>:<path> or *");
}

TEST(PolicyLoad, RefusesAnUnknownVariable) {
  EXPECT_THAT(LoadError(R"(version: "2026-12-01"
statements:
  - sid: A
    effect: allow
    actions: ["tool:*"]
    resources: ["tenant:${principal.clinic}/*"]
)"),
              HasSubstr("test.yaml:6: unknown variable in \"tenant:${principal.clinic}/*\""));
}

TEST(PolicyLoad, RefusesAnUnsupportedVersion) {
  EXPECT_EQ(LoadError("version: \"2012-10-17\"\nstatements: []\n"),
            "test.yaml:1: unsupported version; expected \"2026-12-01\"");
}

TEST(PolicyLoad, RefusesAValueOfTheWrongTypeForItsOperator) {
  EXPECT_EQ(LoadError(R"(version: "2026-12-01"
statements:
  - sid: A
    effect: allow
    actions: ["tool:*"]
    resources: ["*"]
    conditions:
      NumericLessThan:
        request.risk: "three"
)"),
            "test.yaml:9: NumericLessThan on request.risk expects a number, found \"three\"");
}

TEST(PolicyLoad, RefusesAMalformedDate) {
  EXPECT_EQ(LoadError(R"(version: "2026-12-01"
statements:
  - sid: A
    effect: allow
    actions: ["tool:*"]
    resources: ["*"]
    conditions:
      DateLessThan: {request.time: "next tuesday"}
)"),
            "test.yaml:8: DateLessThan on request.time expects an RFC 3339 timestamp, found "
            "\"next tuesday\"");
}

TEST(PolicyLoad, RefusesAPlainOperatorOnAListKey) {
  EXPECT_EQ(LoadError(R"(version: "2026-12-01"
statements:
  - sid: A
    effect: allow
    actions: ["tool:*"]
    resources: ["*"]
    conditions:
      StringEquals: {principal.scopes: "user/Claim.c"}
)"),
            "test.yaml:8: principal.scopes is a list; use ForAnyValue:StringEquals or "
            "ForAnyValue:StringLike");
}

TEST(PolicyLoad, RefusesAnUnknownPrincipalKey) {
  EXPECT_THAT(LoadError(R"(version: "2026-12-01"
statements:
  - sid: A
    effect: allow
    actions: ["tool:*"]
    resources: ["*"]
    conditions:
      StringEquals: {principal.name: x}
)"),
              HasSubstr("test.yaml:8: unknown principal key \"principal.name\""));
}

TEST(PolicyLoad, RefusesMalformedYaml) {
  EXPECT_THAT(LoadError("version: \"2026-12-01\"\nstatements:\n  - sid: [A\n"),
              HasSubstr("test.yaml:4: malformed document"));
}

TEST(PolicyLoad, RefusesAnEmptyDocument) {
  EXPECT_EQ(LoadError(""), "test.yaml:1: a policy document must be a map, found nothing");
}

TEST(PolicyLoad, ReportsLinesInJsonDocuments) {
  EXPECT_EQ(LoadError(R"({
  "version": "2026-12-01",
  "statements": [
    {"sid": "A", "effect": "allow", "actions": ["tool:*"], "resources": ["*"]},
    {"sid": "B", "effect": "allow", "actions": ["tool:*"], "resources": ["*"],
     "condition": {}}
  ]
})"),
            "test.yaml:6: unknown field \"condition\" in statement");
}

class PolicyDirectory : public ::testing::Test {
 protected:
  void SetUp() override {
    directory_ = std::filesystem::temp_directory_path() /
                 ("medulla-policy-load-" + std::to_string(::getpid()) + "-" +
                  ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(directory_);
  }
  void TearDown() override { std::filesystem::remove_all(directory_); }

  std::string Write(const std::string& name, const std::string& text) {
    std::ofstream(directory_ / name) << text;
    return (directory_ / name).string();
  }

  std::filesystem::path directory_;
};

TEST_F(PolicyDirectory, LoadsEveryPolicyFileInNameOrder) {
  Write("b.json", R"({"version": "2026-12-01", "statements": [
    {"sid": "B", "effect": "deny", "actions": ["tool:*"], "resources": ["*"]}]})");
  Write("a.yaml", kValid);
  Write("notes.txt", "not a policy");

  Result<std::shared_ptr<const PolicySet>> loaded = PolicySet::Load(directory_.string());

  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ((*loaded)->statement_count(), 2u);
  ASSERT_EQ((*loaded)->sources().size(), 2u);
  EXPECT_THAT((*loaded)->sources()[0], HasSubstr("a.yaml"));
}

TEST_F(PolicyDirectory, RefusesASidUsedInTwoFiles) {
  std::string first = Write("a.yaml", kValid);
  std::string second = Write("b.yaml", kValid);

  Result<std::shared_ptr<const PolicySet>> loaded = PolicySet::Load(directory_.string());

  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.status().message(),
            second + ":3: duplicate sid \"A\", first used at " + first + ":3");
}

TEST_F(PolicyDirectory, RefusesAnEmptyDirectory) {
  Result<std::shared_ptr<const PolicySet>> loaded = PolicySet::Load(directory_.string());

  ASSERT_FALSE(loaded.ok());
  EXPECT_THAT(loaded.status().message(), HasSubstr("no policy files"));
}

TEST(PolicyLoad, RefusesAMissingFile) {
  Result<std::shared_ptr<const PolicySet>> loaded = PolicySet::Load("no/such/policy.yaml");

  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.status().message(), "no/such/policy.yaml: cannot read policy file");
}

}  // namespace
}  // namespace medulla::policy
