#include <gtest/gtest.h>

#include <stdexcept>

#include "http/server.h"

namespace medulla::http {
namespace {

Request RequestFor(std::string method, std::string path) {
  Request request;
  request.method = std::move(method);
  request.target = path;
  request.path = std::move(path);
  return request;
}

// A handler that answers with the route's name and the parameters it captured.
Handler Named(std::string name) {
  return [name](const Request&, const PathParams& params) {
    return Response::Json(200, {{"route", name}, {"params", params}});
  };
}

nlohmann::json BodyOf(const Response& response) {
  return nlohmann::json::parse(response.body);
}

class RouterTest : public testing::Test {
 protected:
  RouterTest() {
    router_.Add("GET", "/v1/tasks", Named("list"));
    router_.Add("POST", "/v1/tasks", Named("create"));
    router_.Add("GET", "/v1/tasks/{id}", Named("get"));
    router_.Add("GET", "/v1/tasks/{id}/events", Named("events"));
    router_.Add("GET", "/v1/tasks/{id}/events/{seq}", Named("event"));
    router_.Add("GET", "/", Named("root"));
  }

  Response Dispatch(std::string method, std::string path) const {
    return router_.Dispatch(RequestFor(std::move(method), std::move(path)));
  }

  Router router_;
};

TEST_F(RouterTest, LiteralPathPicksTheRouteForItsMethod) {
  EXPECT_EQ(BodyOf(Dispatch("GET", "/v1/tasks"))["route"], "list");
  EXPECT_EQ(BodyOf(Dispatch("POST", "/v1/tasks"))["route"], "create");
  EXPECT_EQ(BodyOf(Dispatch("GET", "/"))["route"], "root");
}

TEST_F(RouterTest, CaptureTakesExactlyOneSegment) {
  nlohmann::json body = BodyOf(Dispatch("GET", "/v1/tasks/t-42/events/7"));

  EXPECT_EQ(body["route"], "event");
  EXPECT_EQ(body["params"]["id"], "t-42");
  EXPECT_EQ(body["params"]["seq"], "7");
}

TEST_F(RouterTest, EmptySegmentIsNotCaptured) {
  Response response = Dispatch("GET", "/v1/tasks//events");

  EXPECT_EQ(response.status, 404);
}

TEST_F(RouterTest, TrailingSlashIsAnotherPath) {
  EXPECT_EQ(Dispatch("GET", "/v1/tasks/").status, 404);
  EXPECT_EQ(Dispatch("GET", "/v1/tasks/t-1/events/").status, 404);
}

TEST_F(RouterTest, ExtraOrMissingSegmentsDoNotMatch) {
  EXPECT_EQ(Dispatch("GET", "/v1").status, 404);
  EXPECT_EQ(Dispatch("GET", "/v1/tasks/t-1/events/7/more").status, 404);
}

TEST_F(RouterTest, UnknownPathIsNotFoundProblem) {
  Response response = Dispatch("GET", "/v2/nothing");

  EXPECT_EQ(response.status, 404);
  EXPECT_EQ(response.headers["Content-Type"], "application/problem+json");
  nlohmann::json body = BodyOf(response);
  EXPECT_EQ(body["title"], "Not found");
  EXPECT_EQ(body["status"], 404);
  EXPECT_EQ(body["type"], "about:blank");
}

TEST_F(RouterTest, KnownPathWithOtherMethodIsMethodNotAllowedWithAllow) {
  Response response = Dispatch("DELETE", "/v1/tasks");

  EXPECT_EQ(response.status, 405);
  EXPECT_EQ(response.headers["Allow"], "GET, POST");
  EXPECT_EQ(response.headers["Content-Type"], "application/problem+json");
  EXPECT_EQ(BodyOf(response)["title"], "Method not allowed");
}

TEST_F(RouterTest, MethodMatchIsCaseSensitive) {
  Response response = Dispatch("get", "/v1/tasks");

  EXPECT_EQ(response.status, 405);
}

TEST(Router, LiteralSegmentBeatsCaptureWhateverTheOrder) {
  Router router;
  router.Add("GET", "/v1/tasks/{id}", Named("get"));
  router.Add("GET", "/v1/tasks/stats", Named("stats"));

  Response stats = router.Dispatch(RequestFor("GET", "/v1/tasks/stats"));
  Response task = router.Dispatch(RequestFor("GET", "/v1/tasks/t-9"));

  EXPECT_EQ(BodyOf(stats)["route"], "stats");
  EXPECT_EQ(BodyOf(task)["route"], "get");
}

TEST(Router, FirstAddedWinsAmongEquallySpecificRoutes) {
  Router router;
  router.Add("GET", "/v1/{kind}", Named("first"));
  router.Add("GET", "/v1/{other}", Named("second"));

  EXPECT_EQ(BodyOf(router.Dispatch(RequestFor("GET", "/v1/x")))["route"], "first");
}

TEST(Router, HandlerExceptionBecomesInternalErrorWithoutItsText) {
  Router router;
  router.Add("POST", "/v1/boom", [](const Request&, const PathParams&) -> Response {
    throw std::runtime_error("secret-diagnosis-text");
  });

  Response response = router.Dispatch(RequestFor("POST", "/v1/boom"));

  EXPECT_EQ(response.status, 500);
  EXPECT_EQ(BodyOf(response)["title"], "Internal error");
  EXPECT_EQ(response.body.find("secret-diagnosis-text"), std::string::npos);
}

TEST(Router, NonStandardThrowBecomesInternalError) {
  Router router;
  router.Add("GET", "/v1/odd", [](const Request&, const PathParams&) -> Response { throw 7; });

  EXPECT_EQ(router.Dispatch(RequestFor("GET", "/v1/odd")).status, 500);
}

TEST(Router, HandlerSeesTheRequest) {
  Router router;
  router.Add("PUT", "/v1/items/{id}", [](const Request& request, const PathParams& params) {
    return Response::Text(200, params.at("id") + ":" + request.body, "text/plain");
  });
  Request request = RequestFor("PUT", "/v1/items/abc");
  request.body = "payload";

  Response response = router.Dispatch(request);

  EXPECT_EQ(response.body, "abc:payload");
  EXPECT_EQ(response.headers["content-type"], "text/plain");
}

}  // namespace
}  // namespace medulla::http
