#include "api/task_request.h"

#include <gtest/gtest.h>

namespace medulla::api {
namespace {

const std::vector<std::string> kAgents = {"intake", "scribe", "scheduling", "billing"};

TEST(ParseTaskRequest, AcceptsAVisitWithDialogueAndEncounter) {
  Result<TaskRequest> request = ParseTaskRequest(
      R"({"input": {"dialogue": "[doctor] hi", "encounter": "Encounter/e-1"},
          "patient": "Patient/p-1", "idempotency_key": "day:1"})",
      "", kAgents);

  ASSERT_TRUE(request.ok()) << request.status().ToString();
  EXPECT_EQ(*request->patient, "Patient/p-1");
  EXPECT_EQ(*request->idempotency_key, "day:1");
  EXPECT_FALSE(request->agent.has_value());
}

TEST(ParseTaskRequest, TakesTheIdempotencyKeyFromTheHeader) {
  Result<TaskRequest> request = ParseTaskRequest(R"({"input": "x"})", "from-header", kAgents);

  ASSERT_TRUE(request.ok());
  EXPECT_EQ(*request->idempotency_key, "from-header");
}

TEST(ParseTaskRequest, RefusesAHeaderKeyThatDisagreesWithTheBody) {
  Result<TaskRequest> request =
      ParseTaskRequest(R"({"input": "x", "idempotency_key": "a"})", "b", kAgents);

  ASSERT_FALSE(request.ok());
  EXPECT_EQ(request.status().code(), StatusCode::kInvalidArgument);
}

TEST(ParseTaskRequest, ErrorsNeverEchoTheValueSent) {
  Result<TaskRequest> request =
      ParseTaskRequest(R"({"input": "x", "patient": "Jane Doe 1961-03-14"})", "", kAgents);

  ASSERT_FALSE(request.ok());
  EXPECT_EQ(request.status().message().find("Jane"), std::string::npos);
}

}  // namespace
}  // namespace medulla::api
