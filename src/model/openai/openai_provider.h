// A provider for OpenAI-compatible chat-completions endpoints (OpenAI, vLLM, llama.cpp's
// server, Ollama's /v1). It POSTs {base_url}/chat/completions with temperature 0, sends the
// API key as a bearer token when one is set, and ignores ChatRequest::purpose.
//
// Errors: the HTTP client's kDeadlineExceeded / kUnavailable pass through; HTTP 408, 429 and
// 5xx answers are kUnavailable (worth retrying later); 400, 413 and 422 are kInvalidArgument
// (the request was wrong); other 4xx (401, 403, 404) are kInternal (misconfiguration); a body
// that is not a chat completion, or tool arguments that are not JSON, are kInternal. Messages
// carry the HTTP status and never the response body, which may echo patient data.
//
// The response has provider "openai", the model the endpoint names, and no confidence: chat
// completions do not report one.
//
// Thread safety: Complete may be called concurrently; the http::Client must be thread-safe and
// outlive the provider.
#pragma once

#include <string>

#include "http/client.h"
#include "model/model.h"

namespace medulla::model::openai {

class OpenAiProvider final : public Provider {
 public:
  OpenAiProvider(OpenAiOptions options, http::Client& client);

  Result<ChatResponse> Complete(const ChatRequest& request) override;
  std::string name() const override { return "openai"; }

 private:
  const OpenAiOptions options_;
  const std::string url_;
  http::Client& client_;
};

}  // namespace medulla::model::openai
