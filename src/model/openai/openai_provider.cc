#include "model/openai/openai_provider.h"

#include "common/log.h"
#include "model/openai/wire.h"

namespace medulla::model {
namespace openai {
namespace {

std::string CompletionsUrl(std::string base_url) {
  while (!base_url.empty() && base_url.back() == '/')
    base_url.pop_back();
  return base_url + "/chat/completions";
}

Status StatusForHttp(int status) {
  const std::string what = "model endpoint answered HTTP " + std::to_string(status);
  if (status == 408 || status == 429 || status >= 500)
    return Unavailable(what);
  if (status == 400 || status == 413 || status == 422)
    return InvalidArgument(what);
  return Internal(what);
}

}  // namespace

OpenAiProvider::OpenAiProvider(OpenAiOptions options, http::Client& client)
    : options_(std::move(options)), url_(CompletionsUrl(options_.base_url)), client_(client) {}

Result<ChatResponse> OpenAiProvider::Complete(const ChatRequest& request) {
  http::ClientRequest post;
  post.method = "POST";
  post.url = url_;
  post.timeout = options_.timeout;
  post.headers["Content-Type"] = "application/json";
  post.headers["Accept"] = "application/json";
  if (!options_.api_key.empty())
    post.headers["Authorization"] = "Bearer " + options_.api_key;
  post.body = BuildRequestBody(request, options_.model).dump();

  Result<http::ClientResponse> answer = client_.Send(post);
  if (!answer.ok()) {
    log::Warn("model", "model.openai.unreachable",
              {{"purpose", request.purpose}, {"code", StatusCodeName(answer.status().code())}});
    return answer.status();
  }

  const int http_status = answer->status;
  if (http_status < 200 || http_status > 299) {
    log::Warn("model", "model.openai.rejected",
              {{"purpose", request.purpose}, {"http_status", http_status}});
    return StatusForHttp(http_status);
  }
  return ParseResponseBody(answer->body);
}

}  // namespace openai

std::unique_ptr<Provider> MakeOpenAiProvider(OpenAiOptions options, http::Client& client) {
  return std::make_unique<openai::OpenAiProvider>(std::move(options), client);
}

}  // namespace medulla::model
