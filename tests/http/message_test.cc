#include "http/message.h"

#include <gtest/gtest.h>

#include "http/client.h"
#include "http/url.h"

namespace medulla::http {
namespace {

TEST(Headers, NamesCompareWithoutCase) {
  Request request;
  request.headers["Content-Type"] = "application/json";

  EXPECT_EQ(request.Header("content-type"), "application/json");
  EXPECT_EQ(request.Header("CONTENT-TYPE"), "application/json");
  EXPECT_EQ(request.Header("Accept"), "");
}

TEST(Response, JsonSetsContentTypeAndBody) {
  Response response = Response::Json(201, {{"id", "t-1"}});

  EXPECT_EQ(response.status, 201);
  EXPECT_EQ(response.headers["Content-Type"], "application/json");
  EXPECT_EQ(nlohmann::json::parse(response.body)["id"], "t-1");
}

TEST(Response, ProblemCarriesTypeTitleStatusAndDetail) {
  Response response = Response::Problem(413, "Payload too large", "body exceeds 1024 bytes");

  EXPECT_EQ(response.status, 413);
  EXPECT_EQ(response.headers["Content-Type"], "application/problem+json");
  nlohmann::json body = nlohmann::json::parse(response.body);
  EXPECT_EQ(body["type"], "about:blank");
  EXPECT_EQ(body["title"], "Payload too large");
  EXPECT_EQ(body["status"], 413);
  EXPECT_EQ(body["detail"], "body exceeds 1024 bytes");
}

struct StatusProblemCase {
  Status status;
  int http_status;
  const char* type;
  const char* title;
};

class ProblemFromStatus : public testing::TestWithParam<StatusProblemCase> {};

TEST_P(ProblemFromStatus, MapsCodeToStatusTypeAndTitle) {
  const StatusProblemCase& expected = GetParam();

  Response response = Response::Problem(expected.status);

  EXPECT_EQ(response.status, expected.http_status);
  EXPECT_EQ(response.headers["Content-Type"], "application/problem+json");
  nlohmann::json body = nlohmann::json::parse(response.body);
  EXPECT_EQ(body["type"], expected.type);
  EXPECT_EQ(body["title"], expected.title);
  EXPECT_EQ(body["status"], expected.http_status);
  EXPECT_EQ(body["detail"], expected.status.message());
}

INSTANTIATE_TEST_SUITE_P(
    EveryCode, ProblemFromStatus,
    testing::Values(StatusProblemCase{InvalidArgument("limit must be positive"), 400,
                                      "urn:medulla:problem:invalid_argument", "Invalid request"},
                    StatusProblemCase{Unauthenticated("token expired"), 401,
                                      "urn:medulla:problem:unauthenticated", "Unauthenticated"},
                    StatusProblemCase{PermissionDenied("scope missing"), 403,
                                      "urn:medulla:problem:permission_denied", "Forbidden"},
                    StatusProblemCase{NotFound("no such task"), 404,
                                      "urn:medulla:problem:not_found", "Not found"},
                    StatusProblemCase{Conflict("version 3 is stale"), 409,
                                      "urn:medulla:problem:conflict", "Conflict"},
                    StatusProblemCase{FailedPrecondition("task is closed"), 422,
                                      "urn:medulla:problem:failed_precondition",
                                      "Precondition failed"},
                    StatusProblemCase{Unavailable("EHR is down"), 503,
                                      "urn:medulla:problem:unavailable", "Service unavailable"},
                    StatusProblemCase{DeadlineExceeded("EHR timed out"), 504,
                                      "urn:medulla:problem:deadline_exceeded", "Upstream timeout"},
                    StatusProblemCase{Internal("invariant broken"), 500,
                                      "urn:medulla:problem:internal", "Internal error"}));

TEST(Response, ProblemFromOkStatusIsInternalError) {
  Response response = Response::Problem(Status::Ok());

  EXPECT_EQ(response.status, 500);
}

TEST(PercentDecode, DecodesEscapesAndOptionallyPlus) {
  EXPECT_EQ(*PercentDecode("a%20b%2Fc", false), "a b/c");
  EXPECT_EQ(*PercentDecode("a+b", false), "a+b");
  EXPECT_EQ(*PercentDecode("a+b", true), "a b");
  EXPECT_EQ(*PercentDecode("%e2%82%AC", false), "\xE2\x82\xAC");
}

TEST(PercentDecode, MalformedEscapeIsInvalidArgument) {
  EXPECT_EQ(PercentDecode("100%", false).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(PercentDecode("%4", false).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(PercentDecode("%zz", false).status().code(), StatusCode::kInvalidArgument);
}

TEST(ParseQuery, SplitsPairsAndDecodesBothSides) {
  auto query = ParseQuery("limit=5&q=two%20words+here&flag&a%26b=c%3Dd&&limit=9");

  ASSERT_TRUE(query.ok());
  EXPECT_EQ(query->at("limit"), "5");
  EXPECT_EQ(query->at("q"), "two words here");
  EXPECT_EQ(query->at("flag"), "");
  EXPECT_EQ(query->at("a&b"), "c=d");
  EXPECT_EQ(query->size(), 4u);
}

TEST(ParseUrl, DefaultsPortAndPathPerScheme) {
  Result<Url> http = ParseUrl("http://ehr.internal");
  Result<Url> https = ParseUrl("HTTPS://ehr.internal?x=1#part");

  ASSERT_TRUE(http.ok());
  EXPECT_FALSE(http->tls);
  EXPECT_EQ(http->port, 80);
  EXPECT_EQ(http->target, "/");
  EXPECT_EQ(http->HostHeader(), "ehr.internal");
  ASSERT_TRUE(https.ok());
  EXPECT_TRUE(https->tls);
  EXPECT_EQ(https->port, 443);
  EXPECT_EQ(https->target, "/?x=1");
}

TEST(ParseUrl, KeepsExplicitPortPathAndQuery) {
  Result<Url> url = ParseUrl("http://127.0.0.1:8090/fhir/R4/Patient?identifier=a%7Cb");

  ASSERT_TRUE(url.ok());
  EXPECT_EQ(url->host, "127.0.0.1");
  EXPECT_EQ(url->port, 8090);
  EXPECT_EQ(url->target, "/fhir/R4/Patient?identifier=a%7Cb");
  EXPECT_EQ(url->HostHeader(), "127.0.0.1:8090");
}

TEST(ParseUrl, AcceptsBracketedIpv6Host) {
  Result<Url> url = ParseUrl("http://[::1]:8080/x");

  ASSERT_TRUE(url.ok());
  EXPECT_EQ(url->host, "::1");
  EXPECT_EQ(url->port, 8080);
  EXPECT_EQ(url->Authority(), "[::1]:8080");
}

TEST(ParseUrl, RejectsWhatItCannotConnectTo) {
  for (const char* bad : {"ftp://host/x", "/relative/path", "http://", "http://:80/x",
                          "http://host:0/", "http://host:99999/", "http://host:8a/",
                          "http://host:/", "http://user:secret@host/", "http://[::1/x"}) {
    Result<Url> url = ParseUrl(bad);
    ASSERT_FALSE(url.ok()) << bad;
    EXPECT_EQ(url.status().code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_EQ(url.status().message().find("secret"), std::string::npos);
  }
}

TEST(UrlEncode, KeepsUnreservedAndEscapesTheRest) {
  EXPECT_EQ(UrlEncode("AZaz09-._~"), "AZaz09-._~");
  EXPECT_EQ(UrlEncode("a b&c=d/e?f+g"), "a%20b%26c%3Dd%2Fe%3Ff%2Bg");
  EXPECT_EQ(UrlEncode("\xE2\x82\xAC"), "%E2%82%AC");
  EXPECT_EQ(UrlEncode(""), "");
}

TEST(UrlEncode, RoundTripsThroughQueryDecoding) {
  std::string value = "system|code with spaces & symbols=+%";

  EXPECT_EQ(*PercentDecode(UrlEncode(value), true), value);
}

}  // namespace
}  // namespace medulla::http
