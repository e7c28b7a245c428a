// What the offline provider reads from a ChatRequest before applying a purpose's rules: the
// context object, the turn number and the tool results so far; and the pieces every answer is
// built from. Internal to the offline provider.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "model/model.h"

namespace medulla::model::offline {

struct ToolResult {
  std::string tool;  // the name from the assistant call it answers; "" when unmatched
  std::string content;
};

struct Conversation {
  nlohmann::json context;  // a JSON object
  int turn = 1;            // 1 + assistant messages so far
  std::vector<ToolResult> results;
  const ChatRequest* request = nullptr;  // REQUIRES: outlives the Conversation

  bool Offers(std::string_view tool) const;

  // The latest result of `tool`, when one is present.
  std::optional<std::string> ResultOf(std::string_view tool) const;

  // The context's string field; InvalidArgument naming the field when absent or not a string.
  Result<std::string> ContextString(const std::string& field) const;
};

// InvalidArgument when there is no user message or its text is not a JSON object.
Result<Conversation> ReadConversation(const ChatRequest& request);

// An answer with text only.
ChatResponse Answer(std::string content, double confidence);

// An answer calling `tool` with id "call_<turn>".
ChatResponse Call(const Conversation& conversation, std::string tool, nlohmann::json arguments,
                  double confidence);

// The answer when the tool a step needs is not offered: no calls, confidence 0.
ChatResponse CannotProceed(std::string_view tool);

}  // namespace medulla::model::offline
