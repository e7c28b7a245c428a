// Medulla's one interface to language models, in the shape of chat completions with tool
// calls. Agents build a ChatRequest; a provider answers with text and/or tool calls. The
// orchestrator records every response so a task can be replayed without the model.
#pragma once

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"

namespace medulla::http {
class Client;
}

namespace medulla::model {

// A tool offered to the model: its name, what it does, and a JSON Schema for its arguments.
struct ToolOffer {
  std::string name;
  std::string description;
  nlohmann::json parameters;
};

struct ToolCall {
  std::string id;
  std::string name;
  nlohmann::json arguments;  // parsed; a model that sends unparseable JSON is an error
};

struct Message {
  std::string role;  // system | user | assistant | tool
  std::string content;
  std::vector<ToolCall> tool_calls;  // assistant messages only
  std::string tool_call_id;          // tool messages only
};

struct ChatRequest {
  // What the agent is asking for, such as "scribe.draft_note". Providers that run rules
  // (the offline one) dispatch on it; remote providers ignore it.
  std::string purpose;
  std::vector<Message> messages;
  std::vector<ToolOffer> tools;
};

struct ChatResponse {
  std::string content;
  std::vector<ToolCall> tool_calls;
  std::string provider;  // "offline", "openai"
  std::string model;
  std::optional<double> confidence;  // when the provider can judge itself

  nlohmann::json ToJson() const;
  static ChatResponse FromJson(const nlohmann::json& json);
};

class Provider {
 public:
  virtual ~Provider() = default;
  // Thread-safe. kUnavailable / kDeadlineExceeded when the model cannot be reached;
  // kInternal when it answers something that is not a chat completion.
  virtual Result<ChatResponse> Complete(const ChatRequest& request) = 0;
  virtual std::string name() const = 0;
};

// The deterministic, rule-based provider that ships inside the binary.
std::unique_ptr<Provider> MakeOfflineProvider();

struct OpenAiOptions {
  std::string base_url;  // "http://127.0.0.1:9000/v1"; /chat/completions is appended
  std::string model;
  std::string api_key;  // sent as a bearer token when set
  std::chrono::milliseconds timeout{30000};
};

// A client for OpenAI-compatible chat completions endpoints. `client` must outlive it.
std::unique_ptr<Provider> MakeOpenAiProvider(OpenAiOptions options, http::Client& client);

}  // namespace medulla::model
