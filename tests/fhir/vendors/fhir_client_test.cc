#include "fhir/fhir_client.h"

#include <gtest/gtest.h>

#include "fhir/smart_backend_auth.h"
#include "fhir/vendors/fake_http.h"

namespace medulla::fhir {
namespace {

using nlohmann::json;
using testing::Answer;
using testing::ScriptedHttp;

class CountingTokens final : public TokenSource {
 public:
  Result<std::string> BearerToken() override { return "token-" + std::to_string(issued_); }
  void Invalidate() override { ++issued_; }
  int issued_ = 1;
};

TEST(RetryAfter, SecondsAndHttpDatesAreRead) {
  const auto now = std::chrono::system_clock::from_time_t(1'780'000'000);
  EXPECT_EQ(ParseRetryAfter("7", now), std::chrono::seconds(7));
  EXPECT_EQ(ParseRetryAfter("", now), std::nullopt);
  EXPECT_EQ(ParseRetryAfter("soon", now), std::nullopt);
  // 1780000000 is Thu, 28 May 2026 20:26:40 GMT.
  EXPECT_EQ(ParseRetryAfter("Thu, 28 May 2026 20:27:10 GMT", now), std::chrono::seconds(30));
  EXPECT_EQ(ParseRetryAfter("Thu, 28 May 2026 20:00:00 GMT", now), std::chrono::milliseconds(0));
}

TEST(FhirClientAuth, RefusedTokenIsReplacedAndTheCallSentOnceMore) {
  ScriptedHttp http([](const http::ClientRequest& request) {
    if (request.headers.at("Authorization") == "Bearer token-1")
      return Result<http::ClientResponse>(Answer(401, "{}"));
    return Result<http::ClientResponse>(Answer(200, R"({"resourceType":"Patient","id":"p"})"));
  });
  CountingTokens tokens;
  FhirClient client("http://ehr/fhir", http, {&tokens, true, 5});

  Result<json> patient = client.Read("Patient/p");
  ASSERT_TRUE(patient.ok()) << patient.status().ToString();
  EXPECT_EQ(http.sent().size(), 2u);
  EXPECT_EQ(http.sent()[1].headers.at("Authorization"), "Bearer token-2");
}

TEST(FhirClientAuth, SecondRefusalIsPermissionDenied) {
  ScriptedHttp http(
      [](const http::ClientRequest&) { return Result<http::ClientResponse>(Answer(401, "{}")); });
  CountingTokens tokens;
  FhirClient client("http://ehr/fhir", http, {&tokens, true, 5});
  EXPECT_EQ(client.Read("Patient/p").status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(http.sent().size(), 2u);
}

TEST(FhirClientWrites, TooManyRequestsCarriesRetryAfter) {
  ScriptedHttp http([](const http::ClientRequest&) {
    return Result<http::ClientResponse>(Answer(429, "", {{"Retry-After", "12"}}));
  });
  FhirClient client("http://ehr/fhir", http);
  WriteAnswer answer = client.Create({{"resourceType", "DocumentReference"}});
  EXPECT_EQ(answer.status.code(), StatusCode::kUnavailable);
  EXPECT_EQ(answer.retry_after, std::chrono::seconds(12));
  EXPECT_EQ(http.sent()[0].headers.count("If-None-Exist"), 0u);
}

TEST(FhirClientWrites, UpdateSendsIfMatchAndReadsTheNewVersionFromTheEtag) {
  ScriptedHttp http([](const http::ClientRequest&) {
    return Result<http::ClientResponse>(Answer(200, "", {{"ETag", "W/\"4\""}}));
  });
  FhirClientOptions options;
  options.prefer_representation = false;
  FhirClient client("http://ehr/fhir", http, options);

  WriteAnswer answer =
      client.Update("DocumentReference/9", {{"resourceType", "DocumentReference"}}, "3");
  ASSERT_TRUE(answer.status.ok()) << answer.status.ToString();
  EXPECT_EQ(answer.reference, "DocumentReference/9");
  EXPECT_EQ(answer.version, "4");
  EXPECT_EQ(http.sent()[0].headers.at("If-Match"), "W/\"3\"");
  EXPECT_EQ(http.sent()[0].method, "PUT");
  EXPECT_EQ(json::parse(http.sent()[0].body)["id"], "9");
}

TEST(FhirClientWrites, StaleVersionIsConflictAndUnsupportedIsFailedPrecondition) {
  int status = 412;
  ScriptedHttp http([&](const http::ClientRequest&) {
    return Result<http::ClientResponse>(Answer(status, "{}"));
  });
  FhirClient client("http://ehr/fhir", http);
  json note = {{"resourceType", "DocumentReference"}};
  EXPECT_EQ(client.Update("DocumentReference/9", note, "1").status.code(), StatusCode::kConflict);
  status = 405;
  EXPECT_EQ(client.Create(note).status.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(client.Update("Patient/9", note, "1").status.code(), StatusCode::kInvalidArgument);
}

TEST(FhirClientSearch, FollowsNextLinksOnItsOwnBaseOnly) {
  ScriptedHttp http([](const http::ClientRequest& request) {
    json bundle = {{"resourceType", "Bundle"}, {"entry", json::array()}};
    if (request.url.find("cursor=2") == std::string::npos) {
      bundle["entry"].push_back({{"resource", {{"id", "a"}}}});
      bundle["link"] = {{{"relation", "next"}, {"url", "http://ehr/fhir/Patient?cursor=2"}}};
    } else {
      bundle["entry"].push_back({{"resource", {{"id", "b"}}}});
      bundle["link"] = {{{"relation", "next"}, {"url", "http://elsewhere/fhir/Patient?c=3"}}};
    }
    return Result<http::ClientResponse>(Answer(200, bundle.dump()));
  });
  FhirClient client("http://ehr/fhir", http);
  Result<std::vector<json>> found = client.Search("Patient", {{"name", "x"}});
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->size(), 2u);
  EXPECT_EQ(http.sent().size(), 2u);
}

TEST(FhirClientSearch, StopsAtThePageCap) {
  ScriptedHttp http([](const http::ClientRequest&) {
    json bundle = {
        {"resourceType", "Bundle"},
        {"entry", {{{"resource", {{"id", "a"}}}}}},
        {"link", {{{"relation", "next"}, {"url", "http://ehr/fhir/Patient?_offset=1"}}}}};
    return Result<http::ClientResponse>(Answer(200, bundle.dump()));
  });
  FhirClient client("http://ehr/fhir", http, {nullptr, true, 3});
  SearchAnswer answer = client.SearchPages("Patient", {});
  EXPECT_TRUE(answer.status.ok());
  EXPECT_TRUE(answer.truncated);
  EXPECT_EQ(http.sent().size(), 4u);
}

}  // namespace
}  // namespace medulla::fhir
