#include "model/openai/wire.h"

namespace medulla::model::openai {
namespace {

using nlohmann::json;

constexpr char kProviderName[] = "openai";

json ToolCallToWire(const ToolCall& call) {
  return {{"id", call.id},
          {"type", "function"},
          {"function", {{"name", call.name}, {"arguments", call.arguments.dump()}}}};
}

json MessageToWire(const Message& message) {
  json wire = {{"role", message.role}, {"content", message.content}};
  if (message.role == "tool")
    wire["tool_call_id"] = message.tool_call_id;
  if (message.tool_calls.empty())
    return wire;

  json calls = json::array();
  for (const ToolCall& call : message.tool_calls)
    calls.push_back(ToolCallToWire(call));
  wire["tool_calls"] = std::move(calls);
  if (message.content.empty())
    wire["content"] = nullptr;
  return wire;
}

json ToolToWire(const ToolOffer& tool) {
  const json parameters = tool.parameters.is_null()
                              ? json{{"type", "object"}, {"properties", json::object()}}
                              : tool.parameters;
  return {{"type", "function"},
          {"function",
           {{"name", tool.name}, {"description", tool.description}, {"parameters", parameters}}}};
}

Status NotACompletion() {
  return Internal("model endpoint answered with something that is not a chat completion");
}

// Some compatible servers send arguments as an object rather than a string; both are read.
Result<json> ReadArguments(const json& function) {
  const auto arguments = function.find("arguments");
  if (arguments == function.end() || arguments->is_null())
    return json::object();
  if (arguments->is_object())
    return *arguments;
  if (!arguments->is_string())
    return Internal("model returned tool arguments that are not JSON");

  const std::string& text = arguments->get_ref<const std::string&>();
  if (text.empty())
    return json::object();
  json parsed = json::parse(text, nullptr, false);
  if (parsed.is_discarded())
    return Internal("model returned tool arguments that are not JSON");
  return parsed;
}

Result<ToolCall> ReadToolCall(const json& wire) {
  if (!wire.is_object())
    return NotACompletion();
  const auto function = wire.find("function");
  if (function == wire.end() || !function->is_object())
    return NotACompletion();
  const auto name = function->find("name");
  if (name == function->end() || !name->is_string())
    return NotACompletion();

  ToolCall call;
  call.id = wire.value("id", "");
  call.name = name->get<std::string>();
  ASSIGN_OR_RETURN(call.arguments, ReadArguments(*function));
  return call;
}

Result<json> FirstMessage(const json& completion) {
  if (!completion.is_object())
    return NotACompletion();
  const auto choices = completion.find("choices");
  if (choices == completion.end() || !choices->is_array() || choices->empty()) {
    return NotACompletion();
  }
  const json& choice = choices->front();
  if (!choice.is_object())
    return NotACompletion();
  const auto message = choice.find("message");
  if (message == choice.end() || !message->is_object())
    return NotACompletion();
  return *message;
}

}  // namespace

json BuildRequestBody(const ChatRequest& request, const std::string& model) {
  json messages = json::array();
  for (const Message& message : request.messages)
    messages.push_back(MessageToWire(message));

  json body = {{"model", model}, {"messages", std::move(messages)}, {"temperature", 0}};
  if (request.tools.empty())
    return body;

  json tools = json::array();
  for (const ToolOffer& tool : request.tools)
    tools.push_back(ToolToWire(tool));
  body["tools"] = std::move(tools);
  body["tool_choice"] = "auto";
  return body;
}

Result<ChatResponse> ParseResponseBody(const std::string& body) {
  const json completion = json::parse(body, nullptr, false);
  if (completion.is_discarded())
    return NotACompletion();
  ASSIGN_OR_RETURN(const json message, FirstMessage(completion));

  ChatResponse response;
  response.provider = kProviderName;
  if (completion.contains("model") && completion["model"].is_string()) {
    response.model = completion["model"].get<std::string>();
  }
  const auto content = message.find("content");
  if (content != message.end() && content->is_string())
    response.content = *content;

  const auto calls = message.find("tool_calls");
  if (calls == message.end() || calls->is_null())
    return response;
  if (!calls->is_array())
    return NotACompletion();
  for (const json& wire : *calls) {
    ASSIGN_OR_RETURN(ToolCall call, ReadToolCall(wire));
    response.tool_calls.push_back(std::move(call));
  }
  return response;
}

}  // namespace medulla::model::openai
