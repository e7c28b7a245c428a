// The gateway's routes, called over HTTP as a client would. The EHR here is a closed port:
// these tests are about what the API accepts, refuses and shows, not about write-back.
#include <gtest/gtest.h>

#include "support/running_node.h"

namespace medulla::testing {
namespace {

using nlohmann::json;

constexpr char kClosedEhr[] = "http://127.0.0.1:1/fhir/R4";

class GatewayTest : public ::testing::Test {
 protected:
  GatewayTest() : node_(kClosedEhr, 1), token_(node_.Token()) {}

  json Problem(const http::ClientResponse& response) {
    EXPECT_EQ(response.Header("Content-Type"), "application/problem+json");
    return json::parse(response.body, nullptr, false);
  }

  size_t TaskCount() {
    http::ClientResponse listed = node_.Call("GET", "/v1/tasks?limit=500", "", token_);
    return json::parse(listed.body)["tasks"].size();
  }

  RunningNode node_;
  std::string token_;
};

TEST_F(GatewayTest, CreateTaskAnswers202WithTheTaskAndItsLinks) {
  http::ClientResponse response =
      node_.Call("POST", "/v1/tasks",
                 R"({"input": "please book a follow-up", "patient": "Patient/p1"})", token_);

  ASSERT_EQ(response.status, 202) << response.body;
  json answer = json::parse(response.body);
  EXPECT_FALSE(answer["id"].get<std::string>().empty());
  EXPECT_TRUE(answer["created"].get<bool>());
  EXPECT_EQ(response.Header("Location"), "/v1/tasks/" + answer["id"].get<std::string>());
}

TEST_F(GatewayTest, SameIdempotencyKeyReturnsTheSameTaskAndWritesNothingNew) {
  const std::string body = R"({"input": "bill the visit", "idempotency_key": "visit-17"})";
  json first = json::parse(node_.Call("POST", "/v1/tasks", body, token_).body);
  size_t tasks_after_first = TaskCount();

  http::ClientResponse again = node_.Call("POST", "/v1/tasks", body, token_);

  ASSERT_EQ(again.status, 202);
  json second = json::parse(again.body);
  EXPECT_EQ(second["id"], first["id"]);
  EXPECT_FALSE(second["created"].get<bool>());
  EXPECT_EQ(again.Header("Idempotent-Replayed"), "true");
  EXPECT_EQ(TaskCount(), tasks_after_first);
}

TEST_F(GatewayTest, IdempotencyKeyReusedForAnotherRequestIsAConflict) {
  node_.Call("POST", "/v1/tasks", R"({"input": "first", "idempotency_key": "k-1"})", token_);

  http::ClientResponse response =
      node_.Call("POST", "/v1/tasks", R"({"input": "second", "idempotency_key": "k-1"})", token_);

  EXPECT_EQ(response.status, 409);
  EXPECT_EQ(Problem(response)["title"], "Conflict");
}

TEST_F(GatewayTest, IdempotencyKeyIsScopedToTheTenant) {
  const std::string body = R"({"input": "same words", "idempotency_key": "shared"})";
  json ours = json::parse(node_.Call("POST", "/v1/tasks", body, token_).body);
  json theirs = json::parse(node_.Call("POST", "/v1/tasks", body, node_.Token("clinic-b")).body);

  EXPECT_NE(ours["id"], theirs["id"]);
  EXPECT_TRUE(theirs["created"].get<bool>());
}

struct BadRequestCase {
  const char* name;
  const char* body;
  const char* detail_mentions;
};

void PrintTo(const BadRequestCase& bad, std::ostream* out) {
  *out << bad.name;
}

class GatewayBadRequestTest : public GatewayTest,
                              public ::testing::WithParamInterface<BadRequestCase> {};

TEST_P(GatewayBadRequestTest, IsRefusedWithAProblemAndWritesNothing) {
  size_t tasks_before = TaskCount();

  http::ClientResponse response = node_.Call("POST", "/v1/tasks", GetParam().body, token_);

  EXPECT_EQ(response.status, 400);
  json problem = Problem(response);
  EXPECT_EQ(problem["status"], 400);
  EXPECT_EQ(problem["title"], "Invalid request");
  EXPECT_NE(problem["detail"].get<std::string>().find(GetParam().detail_mentions),
            std::string::npos)
      << problem["detail"];
  EXPECT_EQ(TaskCount(), tasks_before);
}

INSTANTIATE_TEST_SUITE_P(
    Bodies, GatewayBadRequestTest,
    ::testing::Values(
        BadRequestCase{"NotJson", "{input: nope", "not valid JSON"},
        BadRequestCase{"NotAnObject", "[1, 2]", "JSON object"},
        BadRequestCase{"MissingInput", R"({"patient": "Patient/p1"})", "'input' is required"},
        BadRequestCase{"EmptyInput", R"({"input": ""})", "'input' is empty"},
        BadRequestCase{"InputOfWrongType", R"({"input": 42})", "'input' must be"},
        BadRequestCase{"UnknownField", R"({"input": "x", "priority": "high"})", "unknown field"},
        BadRequestCase{"UnknownAgent", R"({"input": "x", "agent": "surgeon"})", "'agent'"},
        BadRequestCase{"BadPatientReference", R"({"input": "x", "patient": "Mrn 1234"})",
                       "'patient' must be"},
        BadRequestCase{"BadEncounterReference",
                       R"({"input": {"dialogue": "hi", "encounter": "x"}})", "input.encounter"},
        BadRequestCase{"BadIdempotencyKey", R"({"input": "x", "idempotency_key": "a b"})",
                       "'idempotency_key'"}),
    [](const ::testing::TestParamInfo<BadRequestCase>& info) { return info.param.name; });

TEST_F(GatewayTest, MissingTokenIsRefusedWith401AndAChallenge) {
  http::ClientResponse response = node_.Call("POST", "/v1/tasks", R"({"input": "x"})");

  EXPECT_EQ(response.status, 401);
  EXPECT_NE(response.Header("WWW-Authenticate").find("Bearer"), std::string::npos);
  EXPECT_EQ(Problem(response)["detail"], "a bearer token is required");
}

TEST_F(GatewayTest, TokenFromAnotherIssuerKeyIsRefused) {
  RunningNode other(kClosedEhr, 1);

  http::ClientResponse response = node_.Call("GET", "/v1/tasks", "", other.Token("clinic-a"));

  EXPECT_EQ(response.status, 401);
  EXPECT_EQ(Problem(response)["title"], "Unauthenticated");
}

TEST_F(GatewayTest, TaskOfAnotherTenantLooksLikeNoTaskAtAll) {
  std::string task = node_.Submit({{"input", "bill it"}}, token_);

  http::ClientResponse theirs = node_.Call("GET", "/v1/tasks/" + task, "", node_.Token("clinic-b"));
  http::ClientResponse missing = node_.Call("GET", "/v1/tasks/no-such-task", "", token_);

  EXPECT_EQ(theirs.status, 404);
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(Problem(theirs)["detail"], Problem(missing)["detail"]);
}

TEST_F(GatewayTest, TaskEventsStartWithTaskCreatedNamingWhoAsked) {
  std::string task = node_.Submit({{"input", "bill it"}}, token_);

  http::ClientResponse response = node_.Call("GET", "/v1/tasks/" + task + "/events", "", token_);

  ASSERT_EQ(response.status, 200);
  json events = json::parse(response.body)["events"];
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events[0]["type"], "task.created");
  EXPECT_EQ(events[0]["task_seq"], 1);
  EXPECT_EQ(events[0]["actor"]["sub"], "dr-test");
  EXPECT_EQ(events[0]["tenant"], "clinic-a");
}

TEST_F(GatewayTest, GetTaskShowsTheFoldedState) {
  std::string task = node_.Submit({{"input", "bill it"}, {"patient", "Patient/p9"}}, token_);

  json state = json::parse(node_.Call("GET", "/v1/tasks/" + task, "", token_).body);

  EXPECT_EQ(state["id"], task);
  EXPECT_EQ(state["patient"], "Patient/p9");
  EXPECT_EQ(state["subject"], "dr-test");
}

TEST_F(GatewayTest, ListLimitOutOfRangeIsRefused) {
  http::ClientResponse response = node_.Call("GET", "/v1/tasks?limit=0", "", token_);

  EXPECT_EQ(response.status, 400);
  EXPECT_NE(Problem(response)["detail"].get<std::string>().find("'limit'"), std::string::npos);
}

TEST_F(GatewayTest, HealthzAnswersWithoutAToken) {
  http::ClientResponse response = node_.Call("GET", "/healthz");

  ASSERT_EQ(response.status, 200);
  EXPECT_EQ(json::parse(response.body)["status"], "ok");
}

TEST_F(GatewayTest, MetricsAreInPrometheusTextFormat) {
  node_.Call("GET", "/healthz");

  http::ClientResponse response = node_.Call("GET", "/metrics");

  ASSERT_EQ(response.status, 200);
  EXPECT_NE(response.Header("Content-Type").find("text/plain"), std::string::npos);
  EXPECT_NE(response.body.find("# TYPE medulla_http_requests_total counter"), std::string::npos);
  EXPECT_NE(response.body.find("route=\"/healthz\""), std::string::npos);
}

TEST_F(GatewayTest, JwksPublishesTheIssuerKey) {
  http::ClientResponse response = node_.Call("GET", "/.well-known/jwks.json");

  ASSERT_EQ(response.status, 200);
  json keys = json::parse(response.body)["keys"];
  ASSERT_EQ(keys.size(), 1u);
  EXPECT_EQ(keys[0]["kty"], "RSA");
  EXPECT_EQ(keys[0]["alg"], "RS256");
}

TEST_F(GatewayTest, UnknownRouteIsANotFoundProblem) {
  http::ClientResponse response = node_.Call("GET", "/v1/nothing-here", "", token_);

  EXPECT_EQ(response.status, 404);
  EXPECT_EQ(Problem(response)["status"], 404);
}

}  // namespace
}  // namespace medulla::testing
