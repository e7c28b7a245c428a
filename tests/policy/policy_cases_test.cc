// The shipped clinic policy against the table of questions in tests/policy/cases.yaml.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include "policy/explain_command.h"
#include "policy/policy.h"

namespace medulla::policy {
namespace {

struct PolicyCase {
  std::string name;
  PolicyExplainOptions question;
  std::string expect;
  std::string sid;
};

std::vector<std::string> Strings(const YAML::Node& node) {
  std::vector<std::string> values;
  for (const YAML::Node& item : node)
    values.push_back(item.as<std::string>());
  return values;
}

// Context pairs go through the explain command's parsing, so the table also pins how a value
// written on the command line is typed.
PolicyCase ReadCase(const YAML::Node& node) {
  PolicyCase policy_case;
  policy_case.name = node["name"].as<std::string>();
  const YAML::Node principal = node["principal"];
  policy_case.question.subject = principal["subject"].as<std::string>();
  policy_case.question.tenant = principal["tenant"].as<std::string>();
  policy_case.question.roles = Strings(principal["roles"]);
  if (principal["scopes"])
    policy_case.question.scopes = Strings(principal["scopes"]);
  policy_case.question.action = node["action"].as<std::string>();
  policy_case.question.resource = node["resource"].as<std::string>();
  for (const auto& entry : node["context"]) {
    std::string key = entry.first.as<std::string>();
    std::vector<std::string> values =
        entry.second.IsSequence() ? Strings(entry.second)
                                  : std::vector<std::string>{entry.second.as<std::string>()};
    for (const std::string& value : values)
      policy_case.question.context.push_back(key + "=" + value);
  }
  policy_case.expect = node["expect"].as<std::string>();
  policy_case.sid = node["sid"].as<std::string>();
  return policy_case;
}

TEST(ClinicPolicy, DecidesEveryCaseInTheTable) {
  Result<std::shared_ptr<const PolicySet>> policies = PolicySet::Load("config/policies");
  ASSERT_TRUE(policies.ok()) << policies.status().ToString();
  YAML::Node table = YAML::LoadFile("tests/policy/cases.yaml");
  ASSERT_GT(table["cases"].size(), 20u);

  for (const YAML::Node& node : table["cases"]) {
    PolicyCase policy_case = ReadCase(node);
    SCOPED_TRACE(policy_case.name);
    Result<Request> request = RequestFromOptions(policy_case.question);
    ASSERT_TRUE(request.ok()) << request.status().ToString();

    Decision decision = (*policies)->Evaluate(*request);

    EXPECT_EQ(EffectName(decision.effect), policy_case.expect);
    EXPECT_EQ(decision.sid, policy_case.sid);
    if (policy_case.sid.empty()) {
      EXPECT_EQ(decision.reason, "implicit deny: no statement allows");
    } else {
      EXPECT_EQ(decision.source, "config/policies/clinic.yaml");
    }
  }
}

TEST(ClinicPolicy, ExplainAgreesWithEvaluateOnEveryCase) {
  Result<std::shared_ptr<const PolicySet>> policies = PolicySet::Load("config/policies");
  ASSERT_TRUE(policies.ok()) << policies.status().ToString();
  YAML::Node table = YAML::LoadFile("tests/policy/cases.yaml");

  for (const YAML::Node& node : table["cases"]) {
    PolicyCase policy_case = ReadCase(node);
    SCOPED_TRACE(policy_case.name);
    Result<Request> request = RequestFromOptions(policy_case.question);
    ASSERT_TRUE(request.ok());

    Explanation explanation = (*policies)->Explain(*request);

    EXPECT_EQ(explanation.decision.sid, (*policies)->Evaluate(*request).sid);
    int decisive = 0;
    for (const StatementTrace& trace : explanation.statements) {
      if (!trace.decisive)
        continue;
      ++decisive;
      EXPECT_TRUE(trace.applies());
      EXPECT_EQ(trace.sid, policy_case.sid);
    }
    EXPECT_EQ(decisive, policy_case.sid.empty() ? 0 : 1);
  }
}

}  // namespace
}  // namespace medulla::policy
