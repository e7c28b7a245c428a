// The trust boundary, tried from outside against a running node: forged and stale tokens,
// tokens from an OIDC issuer bound to one tenant, a tenant reaching for another's task, and a
// user whose scopes are too narrow for the write a visit needs. Each is refused, counted, and
// leaves nothing written.
#include <gtest/gtest.h>

#include "auth/jwt.h"
#include "auth/local_jwks_server.h"
#include "auth/test_issuer.h"
#include "clinic/clinic_day.h"
#include "support/running_node.h"
#include "support/sandbox_environment.h"

namespace medulla::testing {
namespace {

using auth::testing::HonestClaims;
using auth::testing::LocalJwksServer;
using auth::testing::TestIssuer;
using nlohmann::json;

const auto* const kEnvironment = SandboxEnvironment::Register();

class SecurityTest : public ::testing::Test {
 protected:
  SecurityTest()
      : hospital_(TestIssuer::Ec("hospital-key-1")),
        node_(SandboxEnvironment::ehr().fhir_base(), [this](cli::Config& config) {
          jwks_.Publish("hospital-a", hospital_.Jwks());
          config.issuers.push_back({jwks_.IssuerUrl("hospital-a"), "medulla", "clinic-a", ""});
        }) {}

  // A token from the node's own development issuer, minted as if at `at`.
  std::string DevTokenAt(TimePoint at, const std::string& audience = "medulla") {
    ManualClock clock(at);
    Result<auth::DevIssuer> issuer = auth::DevIssuer::LoadOrCreate(
        node_.config().dev_issuer_key, node_.config().issuer, audience, clock);
    auth::TokenRequest request{"dr-stale",       "clinic-a", {"clinician"},
                               kClinicianScopes, "",         std::chrono::hours(1)};
    return issuer.ok() ? issuer->Issue(request).value() : "";
  }

  json HospitalClaims() {
    json claims = HonestClaims(jwks_.IssuerUrl("hospital-a"), "medulla", SystemClock().Now());
    claims["scope"] = "user/Patient.r user/Encounter.r";
    return claims;
  }

  http::ClientResponse PostTask(const std::string& token) {
    return node_.Call("POST", "/v1/tasks", R"({"input": "book a follow-up"})", token);
  }

  size_t TasksVisibleTo(const std::string& token) {
    http::ClientResponse listed = node_.Call("GET", "/v1/tasks", "", token);
    return json::parse(listed.body)["tasks"].size();
  }

  void ExpectRefused(const std::string& token, const std::string& reason) {
    http::ClientResponse response = PostTask(token);
    EXPECT_EQ(response.status, 401) << response.body;
    json problem = json::parse(response.body, nullptr, false);
    EXPECT_EQ(problem.value("detail", ""), reason);
    EXPECT_EQ(TasksVisibleTo(node_.Token("clinic-a")), 0u) << "a refused request wrote a task";
    std::string metrics = node_.Call("GET", "/metrics").body;
    EXPECT_NE(metrics.find("reason=\"" + reason + "\""), std::string::npos)
        << "the refusal was not counted";
  }

  LocalJwksServer jwks_;
  TestIssuer hospital_;
  RunningNode node_;
};

TEST_F(SecurityTest, AlgNoneIsRefused) {
  json header = {{"alg", "none"}, {"typ", "JWT"}};
  json claims = HonestClaims("medulla-dev", "medulla", SystemClock().Now());
  std::string token =
      auth::Base64UrlEncode(header.dump()) + "." + auth::Base64UrlEncode(claims.dump()) + ".";

  ExpectRefused(token, "alg none is not accepted");
}

TEST_F(SecurityTest, HmacTokenKeyedWithThePublishedKeyIsRefused) {
  std::string jwks = node_.Call("GET", "/.well-known/jwks.json").body;
  json header = {{"alg", "HS256"}, {"typ", "JWT"}};
  std::string input =
      auth::Base64UrlEncode(header.dump()) + "." +
      auth::Base64UrlEncode(HonestClaims("medulla-dev", "medulla", SystemClock().Now()).dump());
  std::string token = input + "." + auth::Base64UrlEncode(auth::testing::HmacSha256(jwks, input));

  ExpectRefused(token, "alg HS256 is not accepted");
}

TEST_F(SecurityTest, ExpiredTokenIsRefused) {
  ExpectRefused(DevTokenAt(SystemClock().Now() - std::chrono::hours(3)), "token expired");
}

TEST_F(SecurityTest, TokenFromTheFutureIsRefused) {
  ExpectRefused(DevTokenAt(SystemClock().Now() + std::chrono::minutes(5)), "token not yet valid");
}

TEST_F(SecurityTest, TokenForAnotherAudienceIsRefused) {
  ExpectRefused(DevTokenAt(SystemClock().Now(), "some-other-service"), "wrong audience");
}

TEST_F(SecurityTest, TokenSignedByAnUnknownKeyIsRefused) {
  TestIssuer rogue = TestIssuer::Rsa("rogue-key");
  ExpectRefused(rogue.Token(HonestClaims("medulla-dev", "medulla", SystemClock().Now())),
                "unknown signing key");
}

TEST_F(SecurityTest, TokenFromAnUnconfiguredIssuerIsRefused) {
  ExpectRefused(hospital_.Token(
                    HonestClaims("https://idp.elsewhere.example", "medulla", SystemClock().Now())),
                "unknown issuer");
}

TEST_F(SecurityTest, OidcIssuerTokenActsInItsConfiguredTenant) {
  std::string token = hospital_.Token(HospitalClaims());

  http::ClientResponse created = PostTask(token);

  ASSERT_EQ(created.status, 202) << created.body;
  std::string task = json::parse(created.body)["id"];
  json state = json::parse(node_.Call("GET", "/v1/tasks/" + task, "", token).body);
  EXPECT_EQ(state["tenant"], "clinic-a");
  EXPECT_EQ(state["subject"], "user-17");
}

TEST_F(SecurityTest, OidcIssuerTokenClaimingAnotherTenantIsRefused) {
  json claims = HospitalClaims();
  claims["tenant"] = "clinic-b";

  ExpectRefused(hospital_.Token(claims), "token is for another tenant");
}

TEST_F(SecurityTest, TenantBCannotReadTenantATaskEvenWithAValidToken) {
  std::string task = node_.Submit({{"input", "bill the visit"}}, hospital_.Token(HospitalClaims()));

  http::ClientResponse state = node_.Call("GET", "/v1/tasks/" + task, "", node_.Token("clinic-b"));
  http::ClientResponse events =
      node_.Call("GET", "/v1/tasks/" + task + "/events", "", node_.Token("clinic-b"));

  EXPECT_EQ(state.status, 404);
  EXPECT_EQ(events.status, 404);
}

TEST_F(SecurityTest, ScopeTooNarrowForTheNoteMeansNoNoteIsOfferedOrWritten) {
  Result<std::vector<clinic::Appointment>> day = clinic::LoadClinicDay("data");
  ASSERT_TRUE(day.ok());
  const clinic::Appointment& visit = (*day)[6];
  std::string token = node_.Token("clinic-narrow", {"user/Patient.r"});

  std::string task =
      node_.Submit({{"agent", "scribe"},
                    {"input", {{"dialogue", visit.dialogue}, {"encounter", visit.encounter}}},
                    {"patient", visit.patient}},
                   token);
  json state = node_.WaitForTask(task, token);

  EXPECT_EQ(state["status"], "escalated");
  EXPECT_TRUE(state["intents"].empty());
  json events = json::parse(node_.Call("GET", "/v1/tasks/" + task + "/events", "", token).body);
  for (const json& event : events["events"]) {
    EXPECT_NE(event["type"], "tool.called") << "no tool should have been offered or run";
  }
}

}  // namespace
}  // namespace medulla::testing
