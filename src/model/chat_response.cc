#include <string>

#include "model/model.h"

namespace medulla::model {
namespace {

using nlohmann::json;

std::string StringOr(const json& object, const char* field, std::string fallback) {
  const auto it = object.find(field);
  if (it == object.end() || !it->is_string())
    return fallback;
  return it->get<std::string>();
}

ToolCall ToolCallFromJson(const json& object) {
  ToolCall call;
  call.id = StringOr(object, "id", "");
  call.name = StringOr(object, "name", "");
  const auto arguments = object.find("arguments");
  if (arguments != object.end())
    call.arguments = *arguments;
  return call;
}

}  // namespace

json ChatResponse::ToJson() const {
  json calls = json::array();
  for (const ToolCall& call : tool_calls) {
    calls.push_back({{"id", call.id}, {"name", call.name}, {"arguments", call.arguments}});
  }

  json out = {{"content", content},
              {"tool_calls", std::move(calls)},
              {"provider", provider},
              {"model", model}};
  if (confidence)
    out["confidence"] = *confidence;
  return out;
}

// Lenient by design: a recorded response is replayed as far as it can be read, and fields of
// the wrong type are taken as absent rather than thrown about.
ChatResponse ChatResponse::FromJson(const json& object) {
  ChatResponse response;
  if (!object.is_object())
    return response;

  response.content = StringOr(object, "content", "");
  response.provider = StringOr(object, "provider", "");
  response.model = StringOr(object, "model", "");

  const auto confidence = object.find("confidence");
  if (confidence != object.end() && confidence->is_number()) {
    response.confidence = confidence->get<double>();
  }

  const auto calls = object.find("tool_calls");
  if (calls == object.end() || !calls->is_array())
    return response;
  for (const json& call : *calls) {
    if (call.is_object())
      response.tool_calls.push_back(ToolCallFromJson(call));
  }
  return response;
}

}  // namespace medulla::model
