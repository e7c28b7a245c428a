#include "model/offline/offline_provider.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace medulla::model {
namespace {

using nlohmann::json;

ToolOffer Offer(const std::string& name) {
  return {name, "", json::object()};
}

// Builds the conversation an agent would send: system, context, then the turns so far.
class Conversation {
 public:
  Conversation(std::string purpose, const json& context, std::vector<std::string> tools) {
    request_.purpose = std::move(purpose);
    request_.messages.push_back({"system", "You are a Medulla agent.", {}, ""});
    request_.messages.push_back({"user", context.dump(), {}, ""});
    for (const std::string& tool : tools)
      request_.tools.push_back(Offer(tool));
  }

  // Records the model's answer and the tool's reply to its first call.
  void AnswerToolCall(const ChatResponse& response, const json& tool_result) {
    ASSERT_FALSE(response.tool_calls.empty());
    request_.messages.push_back({"assistant", response.content, response.tool_calls, ""});
    request_.messages.push_back({"tool", tool_result.dump(), {}, response.tool_calls[0].id});
  }

  Result<ChatResponse> Next() { return provider_->Complete(request_); }
  ChatRequest& request() { return request_; }

 private:
  ChatRequest request_;
  std::unique_ptr<Provider> provider_ = MakeOfflineProvider();
};

void ExpectOfflineIdentity(const ChatResponse& response) {
  EXPECT_EQ(response.provider, "offline");
  EXPECT_EQ(response.model, "medulla-offline-1");
  ASSERT_TRUE(response.confidence.has_value());
  EXPECT_GE(*response.confidence, 0.0);
  EXPECT_LE(*response.confidence, 1.0);
}

TEST(OfflineProvider, RouterCallsRouteToAgentWithTheClassifiedAgent) {
  Conversation conversation("router.classify", {{"input", "Can I reschedule my appointment?"}},
                            {"route_to_agent"});

  Result<ChatResponse> response = conversation.Next();

  ASSERT_TRUE(response.ok()) << response.status().ToString();
  ExpectOfflineIdentity(*response);
  ASSERT_EQ(response->tool_calls.size(), 1u);
  const ToolCall& call = response->tool_calls[0];
  EXPECT_EQ(call.id, "call_1");
  EXPECT_EQ(call.name, "route_to_agent");
  EXPECT_EQ(call.arguments["agent"], "scheduling");
  EXPECT_TRUE(call.arguments["confidence"].is_number());
  EXPECT_TRUE(call.arguments["reason"].is_string());
}

TEST(OfflineProvider, IntakeLooksUpThePatientThenSummarises) {
  Conversation conversation("intake.check", {{"patient", "Patient/p-17"}}, {"lookup_patient"});

  Result<ChatResponse> first = conversation.Next();
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->tool_calls.size(), 1u);
  EXPECT_EQ(first->tool_calls[0].arguments, json({{"patient", "Patient/p-17"}}));

  conversation.AnswerToolCall(*first, {{"resourceType", "Patient"}, {"id", "p-17"}});
  Result<ChatResponse> second = conversation.Next();

  ASSERT_TRUE(second.ok());
  EXPECT_TRUE(second->tool_calls.empty());
  EXPECT_FALSE(second->content.empty());
  EXPECT_EQ(second->content.find('\n'), std::string::npos);
  EXPECT_EQ(second->confidence, 1.0);
}

TEST(OfflineProvider, ScribeDraftsTheNoteThenReportsIt) {
  const std::string dialogue =
      "[doctor] what brings you in ?\n[patient] my right knee has been hurting since yesterday .\n"
      "[doctor] on exam you have tenderness over the medial joint line .\n"
      "[doctor] i think this is likely a sprain .\n"
      "[doctor] we'll put you in a brace and i want you to follow up in 2 weeks .";
  Conversation conversation("scribe.draft_note", {{"dialogue", dialogue}}, {"draft_note"});

  Result<ChatResponse> first = conversation.Next();
  ASSERT_TRUE(first.ok());
  ExpectOfflineIdentity(*first);
  ASSERT_EQ(first->tool_calls.size(), 1u);
  const json& note = first->tool_calls[0].arguments;
  EXPECT_NE(note["subjective"].get<std::string>().find("knee"), std::string::npos);
  EXPECT_NE(note["objective"].get<std::string>().find("tenderness"), std::string::npos);
  EXPECT_NE(note["assessment"].get<std::string>().find("sprain"), std::string::npos);
  EXPECT_NE(note["plan"].get<std::string>().find("brace"), std::string::npos);
  EXPECT_EQ(note["confidence"].get<double>(), *first->confidence);

  conversation.AnswerToolCall(*first, {{"stored", true}});
  Result<ChatResponse> second = conversation.Next();
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->content, "note drafted");
  EXPECT_TRUE(second->tool_calls.empty());
}

TEST(OfflineProvider, SchedulingBooksTheIntervalThePlanNames) {
  Conversation conversation(
      "scheduling.follow_up",
      {{"plan", "Start ibuprofen. Return in 4-6 weeks for a recheck."}, {"patient", "Patient/9"}},
      {"book_follow_up"});

  Result<ChatResponse> first = conversation.Next();
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->tool_calls.size(), 1u);
  const json& booking = first->tool_calls[0].arguments;
  EXPECT_EQ(booking["patient"], "Patient/9");
  EXPECT_EQ(booking["after_days"], 28);
  EXPECT_EQ(booking["reason"], "Return in 4-6 weeks for a recheck.");

  conversation.AnswerToolCall(*first, {{"appointment", "Appointment/1"}});
  Result<ChatResponse> second = conversation.Next();
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->content, "follow-up booked");
}

TEST(OfflineProvider, AToolThatFailedIsNotReportedAsDone) {
  Conversation conversation(
      "scheduling.follow_up",
      {{"plan", "Return in 2 weeks for a recheck."}, {"patient", "Patient/9"}}, {"book_follow_up"});
  Result<ChatResponse> first = conversation.Next();
  ASSERT_TRUE(first.ok());

  conversation.AnswerToolCall(*first, {{"error", "no active consent permits TREAT"}});
  Result<ChatResponse> second = conversation.Next();

  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->content.find("booked"), std::string::npos) << second->content;
  EXPECT_EQ(second->confidence, 0.0);
}

TEST(OfflineProvider, SchedulingWithoutAnIntervalBooksNothing) {
  Conversation conversation("scheduling.follow_up",
                            {{"plan", "Continue current medications."}, {"patient", "Patient/9"}},
                            {"book_follow_up"});

  Result<ChatResponse> response = conversation.Next();

  ASSERT_TRUE(response.ok());
  EXPECT_TRUE(response->tool_calls.empty());
  EXPECT_EQ(response->content, "no follow-up requested");
  EXPECT_EQ(response->confidence, 0.9);
}

const json kEncounter = {
    {"type",
     {{{"system", "http://www.ama-assn.org/go/cpt"},
       {"code", "99213"},
       {"display", "Office visit"}}}},
    {"reasons", {{{"system", "http://snomed.info/sct"}, {"code", "25064002"}}}},
    {"conditions",
     {{{"system", "http://hl7.org/fhir/sid/icd-10-cm"},
       {"code", "S83.241A"},
       {"display", "Medial meniscus tear"}}}}};

TEST(OfflineProvider, BillingReadsTheEncounterThenDraftsTheClaim) {
  Conversation conversation("billing.claim",
                            {{"encounter", "Encounter/e1"}, {"patient", "Patient/9"}},
                            {"read_encounter", "draft_claim"});

  Result<ChatResponse> first = conversation.Next();
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->tool_calls.size(), 1u);
  EXPECT_EQ(first->tool_calls[0].id, "call_1");
  EXPECT_EQ(first->tool_calls[0].name, "read_encounter");
  EXPECT_EQ(first->tool_calls[0].arguments, json({{"encounter", "Encounter/e1"}}));

  conversation.AnswerToolCall(*first, kEncounter);
  Result<ChatResponse> second = conversation.Next();
  ASSERT_TRUE(second.ok());
  ASSERT_EQ(second->tool_calls.size(), 1u);
  const ToolCall& claim = second->tool_calls[0];
  EXPECT_EQ(claim.id, "call_2");
  EXPECT_EQ(claim.name, "draft_claim");
  EXPECT_EQ(claim.arguments["encounter"], "Encounter/e1");
  ASSERT_EQ(claim.arguments["services"].size(), 1u);
  EXPECT_EQ(claim.arguments["services"][0]["code"], "99213");
  ASSERT_EQ(claim.arguments["diagnoses"].size(), 1u);
  EXPECT_EQ(claim.arguments["diagnoses"][0]["code"], "S83.241A");

  conversation.AnswerToolCall(*second, {{"claim", "Claim/c1"}});
  Result<ChatResponse> third = conversation.Next();
  ASSERT_TRUE(third.ok());
  EXPECT_EQ(third->content, "claim drafted");
  EXPECT_TRUE(third->tool_calls.empty());
}

TEST(OfflineProvider, BillingUsesReasonsWhenTheEncounterHasNoConditions) {
  Conversation conversation("billing.claim", {{"encounter", "Encounter/e1"}},
                            {"read_encounter", "draft_claim"});
  Result<ChatResponse> first = conversation.Next();
  ASSERT_TRUE(first.ok());

  json encounter = kEncounter;
  encounter.erase("conditions");
  conversation.AnswerToolCall(*first, encounter);
  Result<ChatResponse> second = conversation.Next();

  ASSERT_TRUE(second.ok());
  ASSERT_EQ(second->tool_calls.size(), 1u);
  EXPECT_EQ(second->tool_calls[0].arguments["diagnoses"][0]["code"], "25064002");
  EXPECT_EQ(second->tool_calls[0].arguments["diagnoses"][0]["display"], "");
}

TEST(OfflineProvider, BillingStopsWhenTheEncounterHasNoCodableType) {
  Conversation conversation("billing.claim", {{"encounter", "Encounter/e1"}},
                            {"read_encounter", "draft_claim"});
  Result<ChatResponse> first = conversation.Next();
  ASSERT_TRUE(first.ok());

  conversation.AnswerToolCall(*first, {{"type", {{{"display", "Office visit"}}}}});
  Result<ChatResponse> second = conversation.Next();

  ASSERT_TRUE(second.ok());
  EXPECT_TRUE(second->tool_calls.empty());
  EXPECT_FALSE(second->content.empty());
  EXPECT_EQ(second->confidence, 0.2);
}

TEST(OfflineProvider, ToolNotOfferedMeansNoCallAndZeroConfidence) {
  Conversation conversation("scribe.draft_note", {{"dialogue", "[patient] my knee hurts ."}},
                            {"lookup_patient"});

  Result<ChatResponse> response = conversation.Next();

  ASSERT_TRUE(response.ok());
  EXPECT_TRUE(response->tool_calls.empty());
  EXPECT_NE(response->content.find("draft_note"), std::string::npos);
  EXPECT_EQ(response->confidence, 0.0);
}

TEST(OfflineProvider, BillingWithoutDraftClaimOfferedStopsAfterReading) {
  Conversation conversation("billing.claim", {{"encounter", "Encounter/e1"}}, {"read_encounter"});
  Result<ChatResponse> first = conversation.Next();
  ASSERT_TRUE(first.ok());

  conversation.AnswerToolCall(*first, kEncounter);
  Result<ChatResponse> second = conversation.Next();

  ASSERT_TRUE(second.ok());
  EXPECT_TRUE(second->tool_calls.empty());
  EXPECT_EQ(second->confidence, 0.0);
}

TEST(OfflineProvider, UnknownPurposeIsInvalidArgument) {
  Conversation conversation("pharmacy.refill", {{"input", "x"}}, {});

  Result<ChatResponse> response = conversation.Next();

  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(response.status().message(), "unknown purpose");
}

TEST(OfflineProvider, UnparseableContextIsInvalidArgument) {
  Conversation conversation("router.classify", json::object(), {"route_to_agent"});
  conversation.request().messages[1].content = "not json {";

  Result<ChatResponse> response = conversation.Next();

  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), StatusCode::kInvalidArgument);
}

TEST(OfflineProvider, ContextMissingAFieldNamesTheFieldNotItsValue) {
  Conversation conversation("scheduling.follow_up", {{"plan", "Follow up in 2 weeks."}},
                            {"book_follow_up"});

  Result<ChatResponse> response = conversation.Next();

  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(response.status().message().find("patient"), std::string::npos);
  EXPECT_EQ(response.status().message().find("2 weeks"), std::string::npos);
}

TEST(OfflineProvider, SameConversationGetsTheSameAnswer) {
  Conversation conversation("router.classify", {{"input", "question about my insurance bill"}},
                            {"route_to_agent"});

  Result<ChatResponse> first = conversation.Next();
  Result<ChatResponse> second = conversation.Next();

  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(first->ToJson(), second->ToJson());
}

}  // namespace
}  // namespace medulla::model
