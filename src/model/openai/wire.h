// The OpenAI chat-completions wire format: building the request body from a ChatRequest and
// reading a response body into a ChatResponse. Pure functions; thread-safe. Internal to the
// OpenAI provider, exposed for tests.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "common/status.h"
#include "model/model.h"

namespace medulla::model::openai {

// {model, messages, tools, tool_choice "auto" (only when tools are offered), temperature 0}.
// Assistant tool calls carry their arguments as a JSON string, as the API expects.
nlohmann::json BuildRequestBody(const ChatRequest& request, const std::string& model);

// Reads choices[0].message. kInternal when the body is not a chat completion or a tool call's
// arguments are not JSON. The messages name no part of the body.
Result<ChatResponse> ParseResponseBody(const std::string& body);

}  // namespace medulla::model::openai
