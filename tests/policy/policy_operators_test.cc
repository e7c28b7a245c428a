// Each condition operator, pattern form and the rule that an applying deny beats any allow.
#include <gtest/gtest.h>

#include "policy/policy.h"

namespace medulla::policy {
namespace {

// A set with one allow statement for tool:lookup_patient guarded by `conditions` (YAML flow).
std::shared_ptr<const PolicySet> AllowWhen(const std::string& conditions) {
  std::string text =
      "version: \"2026-12-01\"\nstatements:\n  - sid: Guarded\n"
      "    effect: allow\n    actions: [\"tool:lookup_patient\"]\n"
      "    resources: [\"*\"]\n    conditions: " +
      conditions + "\n";
  Result<std::shared_ptr<const PolicySet>> loaded = PolicySet::FromText(text, "ops.yaml");
  EXPECT_TRUE(loaded.ok()) << loaded.status().ToString();
  return loaded.ok() ? *loaded : nullptr;
}

Request Ask(Context context) {
  Request request;
  request.principal.subject = "clin-1";
  request.principal.tenant = "clinic-a";
  request.principal.roles = {"clinician"};
  request.principal.scopes = {"user/Patient.r", "user/DocumentReference.c"};
  request.action = "tool:lookup_patient";
  request.resource = "tenant:clinic-a/Patient/p-1";
  request.context = std::move(context);
  return request;
}

bool Allowed(const std::shared_ptr<const PolicySet>& policies, Context context) {
  return policies && policies->Evaluate(Ask(std::move(context))).allowed();
}

TimePoint At(const std::string& text) {
  return *ParseTimestamp(text);
}

TEST(PolicyOperators, StringEqualsHoldsForAnyListedValue) {
  auto policies = AllowWhen("{StringEquals: {request.agent: [scribe, intake]}}");
  EXPECT_TRUE(Allowed(policies, {{"request.agent", std::string("intake")}}));
  EXPECT_FALSE(Allowed(policies, {{"request.agent", std::string("billing")}}));
  EXPECT_FALSE(Allowed(policies, {}));
  EXPECT_FALSE(Allowed(policies, {{"request.agent", 1.0}}));
}

TEST(PolicyOperators, StringNotEqualsHoldsWhenNoListedValueEquals) {
  auto policies = AllowWhen("{StringNotEquals: {request.agent: [scribe, intake]}}");
  EXPECT_TRUE(Allowed(policies, {{"request.agent", std::string("billing")}}));
  EXPECT_FALSE(Allowed(policies, {{"request.agent", std::string("scribe")}}));
  EXPECT_FALSE(Allowed(policies, {}));
}

TEST(PolicyOperators, StringLikeMatchesStarsAndQuestionMarks) {
  auto policies = AllowWhen("{StringLike: {request.code: [\"E1?.*\", \"*-urgent\"]}}");
  EXPECT_TRUE(Allowed(policies, {{"request.code", std::string("E11.9")}}));
  EXPECT_TRUE(Allowed(policies, {{"request.code", std::string("E10.")}}));
  EXPECT_TRUE(Allowed(policies, {{"request.code", std::string("call-back-urgent")}}));
  EXPECT_FALSE(Allowed(policies, {{"request.code", std::string("E1.9")}}));
  EXPECT_FALSE(Allowed(policies, {{"request.code", std::string("call-back-urgently")}}));
}

TEST(PolicyOperators, StringLikeBacktracksAcrossRepeatedLiterals) {
  auto policies = AllowWhen("{StringLike: {request.path: [\"a*ab*b\"]}}");
  EXPECT_TRUE(Allowed(policies, {{"request.path", std::string("aaabbb")}}));
  EXPECT_TRUE(Allowed(policies, {{"request.path", std::string("aabab")}}));
  EXPECT_FALSE(Allowed(policies, {{"request.path", std::string("aabba")}}));
}

TEST(PolicyOperators, NumericComparisonsReadNumbersOnly) {
  auto less = AllowWhen("{NumericLessThan: {request.risk: 3}}");
  EXPECT_TRUE(Allowed(less, {{"request.risk", 2.0}}));
  EXPECT_FALSE(Allowed(less, {{"request.risk", 3.0}}));
  EXPECT_FALSE(Allowed(less, {{"request.risk", std::string("2")}}));

  auto at_most = AllowWhen("{NumericLessThanEquals: {request.risk: 3}}");
  EXPECT_TRUE(Allowed(at_most, {{"request.risk", 3.0}}));
  EXPECT_FALSE(Allowed(at_most, {{"request.risk", 3.5}}));

  auto more = AllowWhen("{NumericGreaterThan: {request.hour: 7}}");
  EXPECT_TRUE(Allowed(more, {{"request.hour", 8.0}}));
  EXPECT_FALSE(Allowed(more, {{"request.hour", 7.0}}));

  auto at_least = AllowWhen("{NumericGreaterThanEquals: {request.hour: 7.5}}");
  EXPECT_TRUE(Allowed(at_least, {{"request.hour", 7.5}}));
  EXPECT_FALSE(Allowed(at_least, {{"request.hour", 7.25}}));
}

TEST(PolicyOperators, BoolComparesBooleansOnly) {
  auto policies = AllowWhen("{Bool: {patient.consent: true}}");
  EXPECT_TRUE(Allowed(policies, {{"patient.consent", true}}));
  EXPECT_FALSE(Allowed(policies, {{"patient.consent", false}}));
  EXPECT_FALSE(Allowed(policies, {{"patient.consent", std::string("true")}}));
}

TEST(PolicyOperators, DatesCompareAsInstants) {
  auto before = AllowWhen("{DateLessThan: {request.time: \"2027-01-01T00:00:00Z\"}}");
  EXPECT_TRUE(Allowed(before, {{"request.time", At("2026-12-31T23:59:59Z")}}));
  EXPECT_FALSE(Allowed(before, {{"request.time", At("2027-01-01T01:00:00+01:00")}}));
  EXPECT_FALSE(Allowed(before, {{"request.time", std::string("2026-12-31T23:59:59Z")}}));

  auto after = AllowWhen("{DateGreaterThan: {request.time: \"2026-12-01T00:00:00Z\"}}");
  EXPECT_TRUE(Allowed(after, {{"request.time", At("2026-12-01T00:00:01Z")}}));
  EXPECT_FALSE(Allowed(after, {{"request.time", At("2026-11-30T23:00:00Z")}}));
}

TEST(PolicyOperators, ForAnyValueStringEqualsReadsListsSuchAsScopes) {
  auto scopes = AllowWhen(
      "{ForAnyValue:StringEquals: {principal.scopes: [\"user/Claim.c\", "
      "\"user/DocumentReference.c\"]}}");
  EXPECT_TRUE(Allowed(scopes, {}));

  auto purposes = AllowWhen("{ForAnyValue:StringEquals: {request.purpose_of_use: [payment]}}");
  EXPECT_TRUE(Allowed(
      purposes, {{"request.purpose_of_use", std::vector<std::string>{"treatment", "payment"}}}));
  EXPECT_TRUE(Allowed(purposes, {{"request.purpose_of_use", std::string("payment")}}));
  EXPECT_FALSE(
      Allowed(purposes, {{"request.purpose_of_use", std::vector<std::string>{"treatment"}}}));
  EXPECT_FALSE(Allowed(purposes, {{"request.purpose_of_use", std::vector<std::string>{}}}));
}

TEST(PolicyOperators, ForAnyValueStringLikeMatchesAnyListedValue) {
  auto policies = AllowWhen("{ForAnyValue:StringLike: {principal.scopes: [\"user/Claim.*\"]}}");
  EXPECT_FALSE(Allowed(policies, {}));

  auto roles = AllowWhen("{ForAnyValue:StringLike: {principal.roles: [\"clin*\"]}}");
  EXPECT_TRUE(Allowed(roles, {}));
}

TEST(PolicyOperators, ConditionsOfOneStatementMustAllHold) {
  auto policies =
      AllowWhen("{StringEquals: {request.agent: scribe}, NumericLessThan: {request.risk: 3}}");
  EXPECT_TRUE(Allowed(policies, {{"request.agent", std::string("scribe")}, {"request.risk", 1.0}}));
  EXPECT_FALSE(
      Allowed(policies, {{"request.agent", std::string("scribe")}, {"request.risk", 4.0}}));
  EXPECT_FALSE(Allowed(policies, {{"request.agent", std::string("scribe")}}));
}

TEST(PolicyOperators, PrincipalKeysReadThePrincipal) {
  auto policies = AllowWhen("{StringEquals: {principal.tenant: clinic-a}}");
  EXPECT_TRUE(Allowed(policies, {}));

  auto other = AllowWhen("{StringEquals: {principal.tenant: clinic-b}}");
  EXPECT_FALSE(Allowed(other, {{"principal.tenant", std::string("clinic-b")}}));
}

constexpr char kDenyBeatsAllow[] = R"(version: "2026-12-01"
statements:
  - sid: AllowEverything
    effect: allow
    actions: ["*"]
    resources: ["*"]
  - sid: DenyClaims
    effect: deny
    principal: {roles: ["*"]}
    actions: ["fhir:*:Claim", "tool:draft_c?aim"]
    resources: ["tenant:*/Patient/*"]
  - sid: AllowClaimsAgain
    effect: allow
    actions: ["fhir:create:Claim"]
    resources: ["*"]
)";

TEST(PolicyEvaluate, ExplicitDenyBeatsAnyAllowWhateverTheOrder) {
  auto policies = PolicySet::FromText(kDenyBeatsAllow, "deny.yaml");
  ASSERT_TRUE(policies.ok()) << policies.status().ToString();
  Request request = Ask({});

  request.action = "fhir:create:Claim";
  Decision decision = (*policies)->Evaluate(request);
  EXPECT_FALSE(decision.allowed());
  EXPECT_EQ(decision.sid, "DenyClaims");
  EXPECT_EQ(decision.source, "deny.yaml");
  EXPECT_EQ(decision.line, 7);
  EXPECT_EQ(decision.ToString(), "deny by statement \"DenyClaims\" (deny.yaml:7): explicit deny");

  request.action = "tool:draft_claim";
  EXPECT_EQ((*policies)->Evaluate(request).sid, "DenyClaims");

  request.resource = "tenant:clinic-a";
  EXPECT_EQ((*policies)->Evaluate(request).sid, "AllowEverything");
}

TEST(PolicyEvaluate, ActionsNoStatementNamesFallToWildcards) {
  auto policies = PolicySet::FromText(kDenyBeatsAllow, "deny.yaml");
  ASSERT_TRUE(policies.ok());
  Request request = Ask({});

  request.action = "fhir:delete:Claim";
  EXPECT_EQ((*policies)->Evaluate(request).sid, "DenyClaims");
  request.action = "tool:anything_else";
  EXPECT_EQ((*policies)->Evaluate(request).sid, "AllowEverything");
}

TEST(PolicyEvaluate, NothingAllowedIsDeniedImplicitly) {
  auto policies = PolicySet::FromText(R"(version: "2026-12-01"
statements:
  - sid: OnlyDesk
    effect: allow
    principal: {roles: [front_desk], tenants: [clinic-a], subjects: ["desk-*"]}
    actions: ["tool:book_follow_up"]
    resources: ["tenant:${principal.tenant}/Patient/*"]
)",
                                      "desk.yaml");
  ASSERT_TRUE(policies.ok()) << policies.status().ToString();
  Request request = Ask({});
  request.action = "tool:book_follow_up";
  request.principal.roles = {"front_desk"};
  request.principal.subject = "desk-4";
  EXPECT_TRUE((*policies)->Evaluate(request).allowed());

  request.principal.subject = "clin-1";
  Decision decision = (*policies)->Evaluate(request);
  EXPECT_FALSE(decision.allowed());
  EXPECT_EQ(decision.sid, "");
  EXPECT_EQ(decision.ToString(), "deny: implicit deny: no statement allows");

  request.principal.subject = "desk-4";
  request.principal.tenant = "clinic-b";
  request.resource = "tenant:clinic-b/Patient/p-1";
  EXPECT_FALSE((*policies)->Evaluate(request).allowed());
}

TEST(PolicyEvaluate, SubjectVariableLimitsToThePrincipalsOwnResources) {
  auto policies = PolicySet::FromText(R"(version: "2026-12-01"
statements:
  - sid: OwnDrafts
    effect: allow
    actions: ["tool:*"]
    resources: ["draft:${principal.tenant}/${principal.subject}/*"]
)",
                                      "own.yaml");
  ASSERT_TRUE(policies.ok()) << policies.status().ToString();
  Request request = Ask({});

  request.resource = "draft:clinic-a/clin-1/note-3";
  EXPECT_TRUE((*policies)->Evaluate(request).allowed());
  request.resource = "draft:clinic-a/clin-2/note-3";
  EXPECT_FALSE((*policies)->Evaluate(request).allowed());
  request.principal.subject = "";
  request.resource = "draft:clinic-a//note-3";
  EXPECT_FALSE((*policies)->Evaluate(request).allowed());
}

}  // namespace
}  // namespace medulla::policy
