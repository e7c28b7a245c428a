#include "model/offline/request_classifier.h"

#include <gtest/gtest.h>

namespace medulla::model::offline {
namespace {

struct RoutingCase {
  const char* request;
  const char* agent;
};

class RoutingTable : public ::testing::TestWithParam<RoutingCase> {};

TEST_P(RoutingTable, SendsTheRequestToTheExpectedAgent) {
  const Routing routing = ClassifyRequest(GetParam().request);

  EXPECT_EQ(routing.agent, GetParam().agent) << GetParam().request;
  EXPECT_GT(routing.confidence, 0.2);
  EXPECT_LE(routing.confidence, 1.0);
  EXPECT_FALSE(routing.matched.empty());
}

INSTANTIATE_TEST_SUITE_P(
    Table, RoutingTable,
    ::testing::Values(
        RoutingCase{"I need to reschedule my appointment to next Tuesday", "scheduling"},
        RoutingCase{"Is there an available slot to book a follow-up?", "scheduling"},
        RoutingCase{"Please cancel my appointment", "scheduling"},
        RoutingCase{"Why was I charged twice? My insurance should cover the copay", "billing"},
        RoutingCase{"Submit the claim with the right ICD code", "billing"},
        RoutingCase{"I have a question about my bill and payment", "billing"},
        RoutingCase{"Summarize visit and write the SOAP note from the transcript", "scribe"},
        RoutingCase{"Here is the dictation for this encounter, please document it", "scribe"},
        RoutingCase{"New patient, fever and cough for three days", "intake"},
        RoutingCase{"I'd like to check in, my chest pain is back", "intake"},
        RoutingCase{"register me please, I have a rash", "intake"}));

TEST(ClassifyRequest, RoutesARequestWithNoCueToIntakeWithLowConfidence) {
  const Routing routing = ClassifyRequest("hello there");

  EXPECT_EQ(routing.agent, "intake");
  EXPECT_DOUBLE_EQ(routing.confidence, 0.2);
  EXPECT_TRUE(routing.matched.empty());
}

TEST(ClassifyRequest, IsLessSureWhenTwoAgentsCompete) {
  const Routing clear = ClassifyRequest("reschedule my appointment");
  const Routing mixed = ClassifyRequest("reschedule my appointment and fix the bill");

  EXPECT_EQ(clear.agent, "scheduling");
  EXPECT_LT(mixed.confidence, clear.confidence);
}

}  // namespace
}  // namespace medulla::model::offline
