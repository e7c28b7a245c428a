#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <stdexcept>
#include <thread>

#include "http/client.h"
#include "http/server.h"

namespace medulla::http {
namespace {

// Holds a handler until the test lets it go, so a slow upstream needs no sleep.
class Gate {
 public:
  void Wait() {
    std::unique_lock<std::mutex> lock(mutex_);
    // Bounded so that a failing test cannot hang the server's shutdown.
    opened_.wait_for(lock, std::chrono::seconds(5), [this] { return open_; });
  }

  void Open() {
    std::lock_guard<std::mutex> lock(mutex_);
    open_ = true;
    opened_.notify_all();
  }

 private:
  std::mutex mutex_;
  std::condition_variable opened_;
  bool open_ = false;
};

nlohmann::json BodyOf(const ClientResponse& response) {
  return nlohmann::json::parse(response.body);
}

class LoopbackTest : public testing::Test {
 protected:
  LoopbackTest() {
    router_.Add("POST", "/v1/tasks/{id}/events",
                [](const Request& request, const PathParams& params) {
                  nlohmann::json sent = nlohmann::json::parse(request.body);
                  return Response::Json(201, {{"id", params.at("id")},
                                              {"path", request.path},
                                              {"query", request.query},
                                              {"kind", sent.at("kind")},
                                              {"content_type", request.Header("content-type")},
                                              {"user_agent", request.Header("User-Agent")}});
                });
    router_.Add("GET", "/v1/echo/{value}", [](const Request&, const PathParams& params) {
      return Response::Json(200, {{"value", params.at("value")}});
    });
    router_.Add("POST", "/v1/upload", [](const Request& request, const PathParams&) {
      return Response::Json(200, {{"bytes", request.body.size()}});
    });
    router_.Add("GET", "/v1/boom", [](const Request&, const PathParams&) -> Response {
      throw std::runtime_error("secret-clinical-note");
    });
    router_.Add("GET", "/v1/challenge", [](const Request&, const PathParams&) {
      Response response = Response::Problem(Unauthenticated("a bearer token is required"));
      response.headers["WWW-Authenticate"] = "Bearer realm=\"medulla\"";
      return response;
    });
    router_.Add("GET", "/v1/slow", [this](const Request&, const PathParams&) {
      gate_.Wait();
      return Response::Json(200, {{"late", true}});
    });
  }

  ~LoopbackTest() override {
    gate_.Open();
    if (server_ != nullptr)
      server_->Stop();
  }

  void StartServer(ServerOptions options = {}) {
    options.address = "127.0.0.1";
    options.port = 0;
    server_ = std::make_unique<Server>(router_, options,
                                       [this](const Request&, const Response&, double seconds) {
                                         answered_.fetch_add(1);
                                         if (seconds < 0)
                                           negative_durations_.fetch_add(1);
                                       });
    ASSERT_TRUE(server_->Start().ok());
    ASSERT_NE(server_->port(), 0);
  }

  std::string UrlFor(const std::string& target) const {
    return "http://127.0.0.1:" + std::to_string(server_->port()) + target;
  }

  Result<ClientResponse> Call(std::string method, const std::string& target,
                              std::string body = "") {
    ClientRequest request;
    request.method = std::move(method);
    request.url = UrlFor(target);
    request.body = std::move(body);
    request.timeout = std::chrono::seconds(5);
    return client_->Send(request);
  }

  Router router_;
  Gate gate_;
  std::unique_ptr<Server> server_;
  std::unique_ptr<Client> client_ = MakeClient();
  std::atomic<int> answered_{0};
  std::atomic<int> negative_durations_{0};
};

TEST_F(LoopbackTest, JsonRoundTripCarriesPathParamsAndDecodedQuery) {
  StartServer();
  ClientRequest request;
  request.method = "POST";
  request.url = UrlFor("/v1/tasks/t%2042/events?limit=5&q=two%20words+here&flag");
  request.headers["Content-Type"] = "application/json";
  request.body = R"({"kind": "intake"})";

  Result<ClientResponse> response = client_->Send(request);

  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->status, 201);
  EXPECT_EQ(response->Header("content-type"), "application/json");
  EXPECT_EQ(response->Header("Content-Length"), std::to_string(response->body.size()));
  nlohmann::json body = BodyOf(*response);
  EXPECT_EQ(body["id"], "t 42");
  EXPECT_EQ(body["path"], "/v1/tasks/t 42/events");
  EXPECT_EQ(body["query"]["limit"], "5");
  EXPECT_EQ(body["query"]["q"], "two words here");
  EXPECT_EQ(body["query"]["flag"], "");
  EXPECT_EQ(body["kind"], "intake");
  EXPECT_EQ(body["content_type"], "application/json");
  EXPECT_EQ(body["user_agent"], "medulla");
}

TEST_F(LoopbackTest, UnknownPathIsNotFoundProblem) {
  StartServer();

  Result<ClientResponse> response = Call("GET", "/v1/missing");

  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->status, 404);
  EXPECT_EQ(response->Header("Content-Type"), "application/problem+json");
  EXPECT_EQ(BodyOf(*response)["title"], "Not found");
  EXPECT_EQ(BodyOf(*response)["status"], 404);
}

TEST_F(LoopbackTest, WrongMethodIsMethodNotAllowedProblemWithAllow) {
  StartServer();

  Result<ClientResponse> response = Call("DELETE", "/v1/echo/x");

  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->status, 405);
  EXPECT_EQ(response->Header("Allow"), "GET");
  EXPECT_EQ(response->Header("Content-Type"), "application/problem+json");
  EXPECT_EQ(BodyOf(*response)["title"], "Method not allowed");
}

TEST_F(LoopbackTest, BodyOverTheLimitIsPayloadTooLarge) {
  ServerOptions options;
  options.max_body_bytes = 1024;
  StartServer(options);

  Result<ClientResponse> at_limit = Call("POST", "/v1/upload", std::string(1024, 'a'));
  Result<ClientResponse> over_limit = Call("POST", "/v1/upload", std::string(64 * 1024, 'a'));

  ASSERT_TRUE(at_limit.ok()) << at_limit.status().ToString();
  EXPECT_EQ(at_limit->status, 200);
  EXPECT_EQ(BodyOf(*at_limit)["bytes"], 1024);
  ASSERT_TRUE(over_limit.ok()) << over_limit.status().ToString();
  EXPECT_EQ(over_limit->status, 413);
  EXPECT_EQ(over_limit->Header("Content-Type"), "application/problem+json");
  EXPECT_EQ(BodyOf(*over_limit)["status"], 413);
}

TEST_F(LoopbackTest, ServerStillAnswersAfterRejectingABody) {
  ServerOptions options;
  options.max_body_bytes = 16;
  StartServer(options);

  Result<ClientResponse> rejected = Call("POST", "/v1/upload", std::string(4096, 'a'));
  Result<ClientResponse> next = Call("GET", "/v1/echo/after");

  ASSERT_TRUE(rejected.ok()) << rejected.status().ToString();
  EXPECT_EQ(rejected->status, 413);
  ASSERT_TRUE(next.ok()) << next.status().ToString();
  EXPECT_EQ(BodyOf(*next)["value"], "after");
}

TEST_F(LoopbackTest, ThrowingHandlerIsInternalErrorWithoutTheExceptionText) {
  StartServer();

  Result<ClientResponse> response = Call("GET", "/v1/boom");

  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->status, 500);
  EXPECT_EQ(response->Header("Content-Type"), "application/problem+json");
  EXPECT_EQ(BodyOf(*response)["title"], "Internal error");
  EXPECT_EQ(response->body.find("secret-clinical-note"), std::string::npos);
}

TEST_F(LoopbackTest, MalformedEscapeInTargetIsInvalidRequestProblem) {
  StartServer();

  Result<ClientResponse> response = Call("GET", "/v1/echo/%zz");

  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->status, 400);
  EXPECT_EQ(response->Header("Content-Type"), "application/problem+json");
  EXPECT_EQ(BodyOf(*response)["title"], "Invalid request");
}

TEST_F(LoopbackTest, HandlerHeadersReachTheClient) {
  StartServer();

  Result<ClientResponse> response = Call("GET", "/v1/challenge");

  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->status, 401);
  EXPECT_EQ(response->Header("www-authenticate"), "Bearer realm=\"medulla\"");
  EXPECT_EQ(BodyOf(*response)["type"], "urn:medulla:problem:unauthenticated");
  EXPECT_EQ(response->Header("Server"), "medulla");
}

TEST_F(LoopbackTest, ConnectionClosedByServerWhileIdleIsReplacedTransparently) {
  ServerOptions options;
  options.read_timeout = std::chrono::milliseconds(100);
  StartServer(options);
  ASSERT_TRUE(Call("GET", "/v1/echo/first").ok());

  // Long enough, with a wide margin, for the server to drop the idle connection.
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  Result<ClientResponse> response = Call("GET", "/v1/echo/second");

  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(BodyOf(*response)["value"], "second");
  EXPECT_EQ(server_->accepted_connections(), 2u);
}

TEST_F(LoopbackTest, SequentialRequestsReuseOneConnection) {
  StartServer();

  for (int i = 0; i < 20; ++i) {
    Result<ClientResponse> response = Call("GET", "/v1/echo/" + std::to_string(i));
    ASSERT_TRUE(response.ok()) << response.status().ToString();
    EXPECT_EQ(BodyOf(*response)["value"], std::to_string(i));
  }

  EXPECT_EQ(server_->accepted_connections(), 1u);
  EXPECT_EQ(answered_.load(), 20);
  EXPECT_EQ(negative_durations_.load(), 0);
}

TEST_F(LoopbackTest, ConcurrentRequestsFromSeveralThreadsAreAllAnswered) {
  StartServer();
  constexpr int kThreads = 4;
  constexpr int kPerThread = 25;
  std::atomic<int> correct{0};

  std::vector<std::thread> callers;
  for (int t = 0; t < kThreads; ++t) {
    callers.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        std::string value = std::to_string(t) + "-" + std::to_string(i);
        Result<ClientResponse> response = Call("GET", "/v1/echo/" + value);
        if (response.ok() && response->status == 200 && BodyOf(*response)["value"] == value) {
          correct.fetch_add(1);
        }
      }
    });
  }
  for (std::thread& caller : callers)
    caller.join();

  EXPECT_EQ(correct.load(), kThreads * kPerThread);
  EXPECT_EQ(answered_.load(), kThreads * kPerThread);
  EXPECT_LE(server_->accepted_connections(), static_cast<uint64_t>(kThreads));
}

TEST_F(LoopbackTest, SlowHandlerPastTheTimeoutIsDeadlineExceeded) {
  StartServer();
  ClientRequest request;
  request.url = UrlFor("/v1/slow");
  request.timeout = std::chrono::milliseconds(200);

  Result<ClientResponse> response = client_->Send(request);
  gate_.Open();

  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), StatusCode::kDeadlineExceeded);
}

TEST_F(LoopbackTest, ClientRecoversAfterATimedOutConnection) {
  StartServer();
  ClientRequest slow;
  slow.url = UrlFor("/v1/slow");
  slow.timeout = std::chrono::milliseconds(200);
  ASSERT_FALSE(client_->Send(slow).ok());
  gate_.Open();

  Result<ClientResponse> response = Call("GET", "/v1/echo/again");

  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(BodyOf(*response)["value"], "again");
}

TEST_F(LoopbackTest, StoppedServerRefusesRequests) {
  StartServer();
  ASSERT_TRUE(Call("GET", "/v1/echo/before").ok());

  server_->Stop();
  Result<ClientResponse> pooled = Call("GET", "/v1/echo/after");
  Result<ClientResponse> fresh = [&] {
    std::unique_ptr<Client> other = MakeClient();
    ClientRequest request;
    request.url = UrlFor("/v1/echo/after");
    return other->Send(request);
  }();

  ASSERT_FALSE(pooled.ok());
  EXPECT_EQ(pooled.status().code(), StatusCode::kUnavailable);
  ASSERT_FALSE(fresh.ok());
  EXPECT_EQ(fresh.status().code(), StatusCode::kUnavailable);
}

TEST_F(LoopbackTest, StopIsIdempotent) {
  StartServer();

  server_->Stop();
  server_->Stop();

  EXPECT_FALSE(Call("GET", "/v1/echo/x").ok());
}

TEST_F(LoopbackTest, SecondStartIsFailedPrecondition) {
  StartServer();

  Status again = server_->Start();

  EXPECT_EQ(again.code(), StatusCode::kFailedPrecondition);
}

TEST_F(LoopbackTest, TlsAgainstAPlaintextPortIsUnavailable) {
  StartServer();
  ClientRequest request;
  request.url = "https://127.0.0.1:" + std::to_string(server_->port()) + "/v1/echo/x";
  request.timeout = std::chrono::seconds(5);

  Result<ClientResponse> response = client_->Send(request);

  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), StatusCode::kUnavailable);
}

TEST(Server, BindingATakenPortIsUnavailable) {
  Server first(Router(), ServerOptions{});
  ASSERT_TRUE(first.Start().ok());
  ServerOptions options;
  options.port = first.port();

  Server second(Router(), options);
  Status status = second.Start();

  EXPECT_EQ(status.code(), StatusCode::kUnavailable);
  EXPECT_NE(status.message().find("cannot listen on 127.0.0.1:" + std::to_string(first.port())),
            std::string::npos);
}

TEST(Server, NonIpListenAddressIsInvalidArgument) {
  ServerOptions options;
  options.address = "not-an-address";
  Server server(Router(), options);

  EXPECT_EQ(server.Start().code(), StatusCode::kInvalidArgument);
}

TEST(Client, ClosedPortIsUnavailableNamingTheAddress) {
  uint16_t closed_port = 0;
  {
    Server server(Router(), ServerOptions{});
    ASSERT_TRUE(server.Start().ok());
    closed_port = server.port();
  }
  std::unique_ptr<Client> client = MakeClient();
  ClientRequest request;
  request.url = "http://127.0.0.1:" + std::to_string(closed_port) + "/x";

  Result<ClientResponse> response = client->Send(request);

  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(response.status().message(),
            "connection refused by 127.0.0.1:" + std::to_string(closed_port));
}

TEST(Client, MalformedUrlIsInvalidArgument) {
  std::unique_ptr<Client> client = MakeClient();
  ClientRequest request;
  request.url = "ftp://127.0.0.1/file";

  EXPECT_EQ(client->Send(request).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace medulla::http
