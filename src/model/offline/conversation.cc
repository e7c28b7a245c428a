#include "model/offline/conversation.h"

#include <algorithm>
#include <map>

#include "model/offline/offline_provider.h"

namespace medulla::model::offline {

bool Conversation::Offers(std::string_view tool) const {
  return std::any_of(request->tools.begin(), request->tools.end(),
                     [&](const ToolOffer& offer) { return offer.name == tool; });
}

std::optional<std::string> Conversation::ResultOf(std::string_view tool) const {
  for (auto it = results.rbegin(); it != results.rend(); ++it) {
    if (it->tool == tool)
      return it->content;
  }
  return std::nullopt;
}

Result<std::string> Conversation::ContextString(const std::string& field) const {
  const auto it = context.find(field);
  if (it == context.end() || !it->is_string()) {
    return InvalidArgument("context lacks a string \"" + field + "\"");
  }
  return it->get<std::string>();
}

Result<Conversation> ReadConversation(const ChatRequest& request) {
  const auto user = std::find_if(request.messages.begin(), request.messages.end(),
                                 [](const Message& m) { return m.role == "user"; });
  if (user == request.messages.end())
    return InvalidArgument("request has no user context");

  Conversation conversation;
  conversation.request = &request;
  conversation.context = nlohmann::json::parse(user->content, nullptr, false);
  if (conversation.context.is_discarded())
    return InvalidArgument("context is not JSON");
  if (!conversation.context.is_object())
    return InvalidArgument("context is not a JSON object");

  std::map<std::string, std::string> tool_by_call_id;
  for (const Message& message : request.messages) {
    if (message.role == "assistant") {
      ++conversation.turn;
      for (const ToolCall& call : message.tool_calls)
        tool_by_call_id[call.id] = call.name;
    }
    if (message.role != "tool")
      continue;
    const auto named = tool_by_call_id.find(message.tool_call_id);
    const std::string tool = named == tool_by_call_id.end() ? "" : named->second;
    conversation.results.push_back({tool, message.content});
  }
  return conversation;
}

ChatResponse Answer(std::string content, double confidence) {
  ChatResponse response;
  response.content = std::move(content);
  response.provider = kProviderName;
  response.model = kModelName;
  response.confidence = std::clamp(confidence, 0.0, 1.0);
  return response;
}

ChatResponse Call(const Conversation& conversation, std::string tool, nlohmann::json arguments,
                  double confidence) {
  ChatResponse response = Answer("", confidence);
  const std::string id = "call_" + std::to_string(conversation.turn);
  response.tool_calls.push_back({id, std::move(tool), std::move(arguments)});
  return response;
}

ChatResponse CannotProceed(std::string_view tool) {
  return Answer("cannot proceed: the " + std::string(tool) + " tool is not offered", 0);
}

}  // namespace medulla::model::offline
