#include <gtest/gtest.h>

#include "model/model.h"

namespace medulla::model {
namespace {

using nlohmann::json;

TEST(ChatResponse, RoundTripsThroughJson) {
  ChatResponse original;
  original.content = "checking";
  original.tool_calls.push_back({"call_1", "read_encounter", {{"encounter", "Encounter/1"}}});
  original.provider = "openai";
  original.model = "gpt-test";
  original.confidence = 0.75;

  const ChatResponse copy = ChatResponse::FromJson(json::parse(original.ToJson().dump()));

  EXPECT_EQ(copy.content, original.content);
  ASSERT_EQ(copy.tool_calls.size(), 1u);
  EXPECT_EQ(copy.tool_calls[0].id, "call_1");
  EXPECT_EQ(copy.tool_calls[0].name, "read_encounter");
  EXPECT_EQ(copy.tool_calls[0].arguments, original.tool_calls[0].arguments);
  EXPECT_EQ(copy.provider, "openai");
  EXPECT_EQ(copy.model, "gpt-test");
  EXPECT_EQ(copy.confidence, 0.75);
}

TEST(ChatResponse, AbsentConfidenceStaysAbsent) {
  ChatResponse original;
  original.content = "hello";

  const json recorded = original.ToJson();
  const ChatResponse copy = ChatResponse::FromJson(recorded);

  EXPECT_FALSE(recorded.contains("confidence"));
  EXPECT_FALSE(copy.confidence.has_value());
  EXPECT_TRUE(copy.tool_calls.empty());
}

TEST(ChatResponse, FromJsonReadsWrongTypesAsAbsentInsteadOfThrowing) {
  const ChatResponse copy = ChatResponse::FromJson(
      {{"content", 5}, {"tool_calls", "none"}, {"confidence", "high"}, {"model", "m"}});

  EXPECT_EQ(copy.content, "");
  EXPECT_TRUE(copy.tool_calls.empty());
  EXPECT_FALSE(copy.confidence.has_value());
  EXPECT_EQ(copy.model, "m");
  EXPECT_EQ(ChatResponse::FromJson(json::array()).content, "");
}

}  // namespace
}  // namespace medulla::model
