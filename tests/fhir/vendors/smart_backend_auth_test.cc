#include "fhir/smart_backend_auth.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "auth/jwt.h"
#include "fhir/vendors/fake_http.h"
#include "http/url.h"

namespace medulla::fhir {
namespace {

using nlohmann::json;
using testing::Answer;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::ScriptedHttp;

constexpr char kTokenUrl[] = "http://127.0.0.1:9/epic/oauth2/token";

// The form fields of a token request.
std::map<std::string, std::string> FormOf(const std::string& body) {
  return http::ParseQuery(body).value();
}

json Segment(const std::string& token, int index) {
  size_t start = 0;
  for (int i = 0; i < index; ++i)
    start = token.find('.', start) + 1;
  const size_t end = token.find('.', start);
  return json::parse(auth::Base64UrlDecode(token.substr(start, end - start)).value());
}

class BackendServicesTest : public ::testing::Test {
 protected:
  std::unique_ptr<SmartBackendAuth> Make(AssertionAlgorithm alg, ScriptedHttp& http) {
    Result<std::string> pem = GenerateClientKeyPem(alg);
    EXPECT_TRUE(pem.ok());
    pem_ = *pem;
    BackendServicesConfig config;
    config.token_url = kTokenUrl;
    config.client_id = "medulla-test";
    config.private_key_pem = pem_;
    config.algorithm = alg;
    config.scopes = {"system/Patient.rs", "system/DocumentReference.c"};
    config.refresh_margin = std::chrono::seconds(60);
    Result<std::unique_ptr<SmartBackendAuth>> auth = SmartBackendAuth::Create(config, http, clock_);
    EXPECT_TRUE(auth.ok()) << auth.status().ToString();
    return std::move(auth).value();
  }

  static Result<http::ClientResponse> Grant(const std::string& token, int expires_in) {
    return Answer(
        200,
        json{{"access_token", token}, {"token_type", "bearer"}, {"expires_in", expires_in}}.dump());
  }

  ManualClock clock_{std::chrono::system_clock::now()};
  std::string pem_;
};

TEST_F(BackendServicesTest, AssertionCarriesTheSpecifiedClaimsAndHeader) {
  ScriptedHttp http([](const http::ClientRequest&) { return Grant("t1", 300); });
  auto auth = Make(AssertionAlgorithm::kRs384, http);
  ASSERT_EQ(auth->BearerToken().value(), "t1");

  std::map<std::string, std::string> form = FormOf(http.sent().at(0).body);
  EXPECT_EQ(form["grant_type"], "client_credentials");
  EXPECT_EQ(form["scope"], "system/Patient.rs system/DocumentReference.c");
  EXPECT_EQ(form["client_assertion_type"],
            "urn:ietf:params:oauth:client-assertion-type:jwt-bearer");
  json header = Segment(form["client_assertion"], 0);
  json claims = Segment(form["client_assertion"], 1);
  json jwks = PublicJwksForPem(pem_, AssertionAlgorithm::kRs384).value();
  EXPECT_EQ(header["alg"], "RS384");
  EXPECT_EQ(header["kid"], jwks["keys"][0]["kid"]);
  EXPECT_EQ(claims["iss"], "medulla-test");
  EXPECT_EQ(claims["sub"], "medulla-test");
  EXPECT_EQ(claims["aud"], kTokenUrl);
  EXPECT_LE(claims["exp"].get<int64_t>() - claims["iat"].get<int64_t>(), 300);
  EXPECT_FALSE(claims["jti"].get<std::string>().empty());
}

TEST_F(BackendServicesTest, EveryAssertionHasAFreshJti) {
  ScriptedHttp http([](const http::ClientRequest&) { return Grant("t", 300); });
  auto auth = Make(AssertionAlgorithm::kEs384, http);
  ASSERT_TRUE(auth->BearerToken().ok());
  auth->Invalidate();
  ASSERT_TRUE(auth->BearerToken().ok());

  json first = Segment(FormOf(http.sent().at(0).body)["client_assertion"], 1);
  json second = Segment(FormOf(http.sent().at(1).body)["client_assertion"], 1);
  EXPECT_NE(first["jti"], second["jti"]);
  EXPECT_EQ(Segment(FormOf(http.sent().at(0).body)["client_assertion"], 0)["alg"], "ES384");
}

TEST_F(BackendServicesTest, TokenIsCachedUntilTheRefreshMargin) {
  int issued = 0;
  ScriptedHttp http(
      [&](const http::ClientRequest&) { return Grant("t" + std::to_string(++issued), 300); });
  auto auth = Make(AssertionAlgorithm::kRs384, http);

  EXPECT_EQ(auth->BearerToken().value(), "t1");
  clock_.Advance(std::chrono::seconds(239));
  EXPECT_EQ(auth->BearerToken().value(), "t1");
  clock_.Advance(std::chrono::seconds(1));
  EXPECT_EQ(auth->BearerToken().value(), "t2");
  EXPECT_EQ(auth->fetches(), 2u);
}

TEST_F(BackendServicesTest, InvalidateForcesANewToken) {
  int issued = 0;
  ScriptedHttp http(
      [&](const http::ClientRequest&) { return Grant("t" + std::to_string(++issued), 3600); });
  auto auth = Make(AssertionAlgorithm::kRs384, http);
  EXPECT_EQ(auth->BearerToken().value(), "t1");
  auth->Invalidate();
  EXPECT_EQ(auth->BearerToken().value(), "t2");
}

TEST_F(BackendServicesTest, ConcurrentCallersShareOneFetch) {
  std::atomic<bool> release{false};
  ScriptedHttp http([&](const http::ClientRequest&) {
    while (!release.load())
      std::this_thread::yield();
    return Grant("shared", 3600);
  });
  auto auth = Make(AssertionAlgorithm::kRs384, http);

  std::vector<std::thread> callers;
  std::vector<std::string> seen(8);
  for (int i = 0; i < 8; ++i)
    callers.emplace_back([&, i] { seen[i] = auth->BearerToken().value(); });
  while (http.sent().empty())
    std::this_thread::yield();
  release = true;
  for (std::thread& caller : callers)
    caller.join();

  EXPECT_EQ(http.sent().size(), 1u);
  for (const std::string& token : seen)
    EXPECT_EQ(token, "shared");
}

TEST_F(BackendServicesTest, RefusalNamesTheOAuthCodeButNotTheDescription) {
  ScriptedHttp http([](const http::ClientRequest&) {
    return Result<http::ClientResponse>(
        Answer(401, R"({"error":"invalid_client","error_description":"kid abc123 unknown"})"));
  });
  auto auth = Make(AssertionAlgorithm::kRs384, http);
  Status refused = auth->BearerToken().status();
  EXPECT_EQ(refused.code(), StatusCode::kPermissionDenied);
  EXPECT_THAT(refused.message(), HasSubstr("invalid_client"));
  EXPECT_THAT(refused.message(), Not(HasSubstr("abc123")));
}

TEST_F(BackendServicesTest, UnreachableEndpointIsUnavailable) {
  ScriptedHttp http([](const http::ClientRequest&) {
    return Result<http::ClientResponse>(Unavailable("connection refused"));
  });
  auto auth = Make(AssertionAlgorithm::kRs384, http);
  EXPECT_EQ(auth->BearerToken().status().code(), StatusCode::kUnavailable);
  ScriptedHttp busy(
      [](const http::ClientRequest&) { return Result<http::ClientResponse>(Answer(503, "")); });
  EXPECT_EQ(Make(AssertionAlgorithm::kRs384, busy)->BearerToken().status().code(),
            StatusCode::kUnavailable);
}

TEST(ClientKeys, WrongKeyTypeForTheAlgorithmIsRefused) {
  std::string rsa = GenerateClientKeyPem(AssertionAlgorithm::kRs384).value();
  EXPECT_EQ(PublicJwksForPem(rsa, AssertionAlgorithm::kEs384).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(PublicJwksForPem("not a key", AssertionAlgorithm::kRs384).status().code(),
            StatusCode::kInvalidArgument);
}

TEST(ClientKeys, JwksHoldsOnlyPublicMembersAndAStableThumbprint) {
  std::string ec = GenerateClientKeyPem(AssertionAlgorithm::kEs384).value();
  json jwks = PublicJwksForPem(ec, AssertionAlgorithm::kEs384).value();
  const json& key = jwks["keys"][0];
  EXPECT_EQ(key["crv"], "P-384");
  EXPECT_EQ(key["alg"], "ES384");
  EXPECT_FALSE(key.contains("d"));
  EXPECT_EQ(auth::Base64UrlDecode(key["x"].get<std::string>())->size(), 48u);
  EXPECT_EQ(key["kid"], PublicJwksForPem(ec, AssertionAlgorithm::kEs384).value()["keys"][0]["kid"]);
  EXPECT_EQ(PublicJwksForPem(ec, AssertionAlgorithm::kEs384, "mine").value()["keys"][0]["kid"],
            "mine");
}

}  // namespace
}  // namespace medulla::fhir
