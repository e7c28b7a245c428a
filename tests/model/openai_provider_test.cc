// The OpenAI-compatible client against a scripted chat-completions server on 127.0.0.1 that
// answers canned JSON and records what it was sent.
#include <gtest/gtest.h>

#include <chrono>
#include <mutex>
#include <thread>

#include "http/client.h"
#include "http/server.h"
#include "model/model.h"

namespace medulla::model {
namespace {

using nlohmann::json;

json CompletionWithToolCall(const std::string& arguments) {
  return {{"id", "chatcmpl-1"},
          {"object", "chat.completion"},
          {"model", "scripted-model-7"},
          {"choices",
           {{{"index", 0},
             {"finish_reason", "tool_calls"},
             {"message",
              {{"role", "assistant"},
               {"content", nullptr},
               {"tool_calls",
                {{{"id", "call_abc"},
                  {"type", "function"},
                  {"function", {{"name", "draft_claim"}, {"arguments", arguments}}}}}}}}}}}};
}

class ScriptedServer {
 public:
  ScriptedServer() {
    http::Router router;
    router.Add(
        "POST", "/v1/chat/completions",
        [this](const http::Request& request, const http::PathParams&) { return Answer(request); });
    server_ = std::make_unique<http::Server>(std::move(router), http::ServerOptions{});
  }

  Status Start() { return server_->Start(); }
  std::string base_url() const {
    return "http://127.0.0.1:" + std::to_string(server_->port()) + "/v1";
  }

  void Script(int status, json body, std::chrono::milliseconds delay = {}) {
    std::lock_guard lock(mutex_);
    status_ = status;
    body_ = std::move(body);
    delay_ = delay;
  }

  std::vector<http::Request> received() const {
    std::lock_guard lock(mutex_);
    return received_;
  }

  void Stop() { server_->Stop(); }

 private:
  http::Response Answer(const http::Request& request) {
    std::chrono::milliseconds delay;
    http::Response response;
    {
      std::lock_guard lock(mutex_);
      received_.push_back(request);
      delay = delay_;
      response = http::Response::Json(status_, body_);
    }
    if (delay.count() > 0)
      std::this_thread::sleep_for(delay);
    return response;
  }

  mutable std::mutex mutex_;
  int status_ = 200;
  json body_ = json::object();
  std::chrono::milliseconds delay_{0};
  std::vector<http::Request> received_;
  std::unique_ptr<http::Server> server_;
};

// A billing conversation one tool round in.
ChatRequest BillingRequest() {
  ChatRequest request;
  request.purpose = "billing.claim";
  request.messages.push_back({"system", "You draft claims.", {}, ""});
  request.messages.push_back({"user", R"({"encounter":"Encounter/e1"})", {}, ""});
  request.messages.push_back(
      {"assistant", "", {{"call_1", "read_encounter", {{"encounter", "Encounter/e1"}}}}, ""});
  request.messages.push_back({"tool", R"({"type":[]})", {}, "call_1"});
  request.tools.push_back(
      {"draft_claim",
       "Drafts a claim",
       {{"type", "object"}, {"properties", {{"encounter", {{"type", "string"}}}}}}});
  return request;
}

class OpenAiProvider : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(server_.Start().ok()); }
  void TearDown() override { server_.Stop(); }

  std::unique_ptr<Provider> MakeProvider(
      std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    return MakeOpenAiProvider({server_.base_url(), "gpt-test", "sk-test-key", timeout}, *client_);
  }

  ScriptedServer server_;
  std::unique_ptr<http::Client> client_ = http::MakeClient();
};

TEST_F(OpenAiProvider, ScriptedServer_SendsAChatCompletionRequest) {
  server_.Script(200, CompletionWithToolCall(R"({"encounter":"Encounter/e1"})"));

  Result<ChatResponse> response = MakeProvider()->Complete(BillingRequest());
  ASSERT_TRUE(response.ok()) << response.status().ToString();

  const std::vector<http::Request> received = server_.received();
  ASSERT_EQ(received.size(), 1u);
  const http::Request& sent = received[0];
  EXPECT_EQ(sent.method, "POST");
  EXPECT_EQ(sent.path, "/v1/chat/completions");
  EXPECT_EQ(sent.Header("Authorization"), "Bearer sk-test-key");

  const json body = json::parse(sent.body);
  EXPECT_EQ(body["model"], "gpt-test");
  EXPECT_EQ(body["temperature"], 0);
  EXPECT_EQ(body["tool_choice"], "auto");
  ASSERT_EQ(body["tools"].size(), 1u);
  EXPECT_EQ(body["tools"][0]["type"], "function");
  EXPECT_EQ(body["tools"][0]["function"]["name"], "draft_claim");
  EXPECT_EQ(body["tools"][0]["function"]["parameters"]["type"], "object");

  ASSERT_EQ(body["messages"].size(), 4u);
  EXPECT_EQ(body["messages"][0]["role"], "system");
  const json& assistant = body["messages"][2];
  EXPECT_EQ(assistant["tool_calls"][0]["id"], "call_1");
  EXPECT_EQ(assistant["tool_calls"][0]["type"], "function");
  const json& arguments = assistant["tool_calls"][0]["function"]["arguments"];
  ASSERT_TRUE(arguments.is_string());
  EXPECT_EQ(json::parse(arguments.get<std::string>()), json({{"encounter", "Encounter/e1"}}));
  const json& tool = body["messages"][3];
  EXPECT_EQ(tool["role"], "tool");
  EXPECT_EQ(tool["tool_call_id"], "call_1");
  EXPECT_EQ(tool["content"], R"({"type":[]})");
}

TEST_F(OpenAiProvider, ScriptedServer_ToolCallsAreParsed) {
  server_.Script(200, CompletionWithToolCall(R"({"encounter":"Encounter/e1","services":[]})"));

  Result<ChatResponse> response = MakeProvider()->Complete(BillingRequest());

  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->provider, "openai");
  EXPECT_EQ(response->model, "scripted-model-7");
  EXPECT_EQ(response->content, "");
  EXPECT_FALSE(response->confidence.has_value());
  ASSERT_EQ(response->tool_calls.size(), 1u);
  EXPECT_EQ(response->tool_calls[0].id, "call_abc");
  EXPECT_EQ(response->tool_calls[0].name, "draft_claim");
  EXPECT_EQ(response->tool_calls[0].arguments["encounter"], "Encounter/e1");
  EXPECT_TRUE(response->tool_calls[0].arguments["services"].is_array());
}

TEST_F(OpenAiProvider, ScriptedServer_TextAnswerWithoutToolsOffered) {
  server_.Script(200, {{"model", "scripted-model-7"},
                       {"choices", {{{"message", {{"role", "assistant"}, {"content", "hi"}}}}}}});
  ChatRequest request;
  request.messages.push_back({"user", "{}", {}, ""});

  Result<ChatResponse> response = MakeProvider()->Complete(request);

  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->content, "hi");
  EXPECT_TRUE(response->tool_calls.empty());
  const json body = json::parse(server_.received().at(0).body);
  EXPECT_FALSE(body.contains("tools"));
  EXPECT_FALSE(body.contains("tool_choice"));
}

TEST_F(OpenAiProvider, ScriptedServer_NoKeyMeansNoAuthorizationHeader) {
  server_.Script(200, CompletionWithToolCall("{}"));
  auto provider =
      MakeOpenAiProvider({server_.base_url(), "gpt-test", "", std::chrono::seconds(5)}, *client_);

  ASSERT_TRUE(provider->Complete(BillingRequest()).ok());

  EXPECT_EQ(server_.received().at(0).Header("Authorization"), "");
}

TEST_F(OpenAiProvider, ScriptedServer_RateLimitIsUnavailable) {
  server_.Script(429, {{"error", {{"message", "slow down, patient Jane Doe"}}}});

  Result<ChatResponse> response = MakeProvider()->Complete(BillingRequest());

  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(response.status().message().find("429"), std::string::npos);
  EXPECT_EQ(response.status().message().find("Jane"), std::string::npos);
}

TEST_F(OpenAiProvider, ScriptedServer_ServerErrorIsUnavailable) {
  server_.Script(500, {{"error", "boom"}});

  Result<ChatResponse> response = MakeProvider()->Complete(BillingRequest());

  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(response.status().message().find("500"), std::string::npos);
}

TEST_F(OpenAiProvider, ScriptedServer_BadRequestIsInvalidArgumentAndAuthFailureInternal) {
  server_.Script(400, {{"error", "bad"}});
  Result<ChatResponse> bad = MakeProvider()->Complete(BillingRequest());
  server_.Script(401, {{"error", "no key"}});
  Result<ChatResponse> unauthorised = MakeProvider()->Complete(BillingRequest());

  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  ASSERT_FALSE(unauthorised.ok());
  EXPECT_EQ(unauthorised.status().code(), StatusCode::kInternal);
  EXPECT_NE(unauthorised.status().message().find("401"), std::string::npos);
}

TEST_F(OpenAiProvider, ScriptedServer_ToolArgumentsThatAreNotJsonAreAnError) {
  server_.Script(200, CompletionWithToolCall("{\"encounter\": \"Encounter/e1\""));

  Result<ChatResponse> response = MakeProvider()->Complete(BillingRequest());

  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), StatusCode::kInternal);
  EXPECT_EQ(response.status().message(), "model returned tool arguments that are not JSON");
}

TEST_F(OpenAiProvider, ScriptedServer_BodyThatIsNotACompletionIsInternal) {
  server_.Script(200, {{"object", "list"}, {"data", json::array()}});

  Result<ChatResponse> response = MakeProvider()->Complete(BillingRequest());

  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), StatusCode::kInternal);
}

TEST_F(OpenAiProvider, ScriptedServer_SlowServerIsDeadlineExceeded) {
  server_.Script(200, CompletionWithToolCall("{}"), std::chrono::milliseconds(1500));

  Result<ChatResponse> response =
      MakeProvider(std::chrono::milliseconds(200))->Complete(BillingRequest());

  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), StatusCode::kDeadlineExceeded);
}

TEST(OpenAiProviderUnreachable, RefusedConnectionIsUnavailable) {
  ScriptedServer server;
  ASSERT_TRUE(server.Start().ok());
  const std::string url = server.base_url();
  server.Stop();
  auto client = http::MakeClient();

  Result<ChatResponse> response =
      MakeOpenAiProvider({url, "gpt-test", "", std::chrono::seconds(2)}, *client)
          ->Complete(BillingRequest());

  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), StatusCode::kUnavailable);
}

}  // namespace
}  // namespace medulla::model
