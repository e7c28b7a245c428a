#include "auth/multi_issuer.h"

#include <gtest/gtest.h>

#include "auth/local_jwks_server.h"
#include "auth/test_issuer.h"

namespace medulla::auth {
namespace {

using nlohmann::json;
using std::chrono::seconds;
using testing::LocalJwksServer;
using testing::TestIssuer;

const TimePoint kStart = TimePoint(seconds(1'790'000'000));

// Two hospitals, each with its own identity provider: clinic A signs with RSA and accepts
// both algorithms, clinic B signs with P-256 and accepts only ES256.
class MultiIssuerLocalJwksServerTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    idp_a_ = new TestIssuer(TestIssuer::Rsa("a-1"));
    idp_b_ = new TestIssuer(TestIssuer::Ec("b-1"));
    idp_a_next_ = new TestIssuer(TestIssuer::Ec("a-2"));
  }
  static void TearDownTestSuite() {
    for (TestIssuer* issuer : {idp_a_, idp_b_, idp_a_next_}) {
      delete issuer;
    }
  }

  void SetUp() override {
    server_.Publish("a", idp_a_->Jwks());
    server_.Publish("b", idp_b_->Jwks());
  }

  std::vector<IssuerConfig> Configs() const {
    IssuerConfig a{server_.IssuerUrl("a"), "medulla-a", "clinic-a"};
    IssuerConfig b{server_.IssuerUrl("b"),
                   "medulla-b",
                   "clinic-b",
                   server_.JwksUrl("b"),
                   {JwsAlgorithm::kEs256}};
    return {a, b};
  }

  Result<Principal> Verify(const std::string& token) {
    if (!verifier_) {
      Result<MultiIssuerVerifier> created =
          MultiIssuerVerifier::Create(Configs(), *client_, clock_);
      EXPECT_TRUE(created.ok()) << created.status().ToString();
      verifier_.emplace(std::move(created).value());
    }
    return verifier_->Verify(token);
  }

  void ExpectRefused(const std::string& token, const std::string& reason) {
    Result<Principal> principal = Verify(token);
    ASSERT_FALSE(principal.ok()) << "accepted a token that should fail with: " << reason;
    EXPECT_EQ(principal.status().code(), StatusCode::kUnauthenticated);
    EXPECT_EQ(principal.status().message(), reason);
  }

  json ClaimsFrom(const std::string& realm, const std::string& audience) const {
    json claims = testing::HonestClaims(server_.IssuerUrl(realm), audience, clock_.Now());
    claims.erase("tenant");
    return claims;
  }

  static inline TestIssuer* idp_a_ = nullptr;
  static inline TestIssuer* idp_b_ = nullptr;
  static inline TestIssuer* idp_a_next_ = nullptr;
  LocalJwksServer server_;
  std::unique_ptr<http::Client> client_ = http::MakeClient();
  ManualClock clock_{kStart};
  std::optional<MultiIssuerVerifier> verifier_;
};

TEST_F(MultiIssuerLocalJwksServerTest, EachIssuerMapsToItsConfiguredTenant) {
  Result<Principal> from_a = Verify(idp_a_->Token(ClaimsFrom("a", "medulla-a")));
  Result<Principal> from_b = Verify(idp_b_->Token(ClaimsFrom("b", "medulla-b")));

  ASSERT_TRUE(from_a.ok()) << from_a.status().ToString();
  ASSERT_TRUE(from_b.ok()) << from_b.status().ToString();
  EXPECT_EQ(from_a->tenant, "clinic-a");
  EXPECT_EQ(from_b->tenant, "clinic-b");
  EXPECT_EQ(from_a->purpose_of_use, "treatment");
}

TEST_F(MultiIssuerLocalJwksServerTest, MatchingTenantClaimIsAccepted) {
  json claims = ClaimsFrom("a", "medulla-a");
  claims["tenant"] = "clinic-a";

  Result<Principal> principal = Verify(idp_a_->Token(claims));

  ASSERT_TRUE(principal.ok()) << principal.status().ToString();
  EXPECT_EQ(principal->tenant, "clinic-a");
}

TEST_F(MultiIssuerLocalJwksServerTest, TenantClaimNamingAnotherTenantIsRefused) {
  json claims = ClaimsFrom("a", "medulla-a");
  claims["tenant"] = "clinic-b";
  ExpectRefused(idp_a_->Token(claims), "token is for another tenant");

  claims["tenant"] = 7;
  ExpectRefused(idp_a_->Token(claims), "token is for another tenant");
}

TEST_F(MultiIssuerLocalJwksServerTest, OneIssuersKeyCannotSpeakForAnother) {
  ExpectRefused(idp_a_->Token(ClaimsFrom("b", "medulla-b")), "alg RS256 is not accepted");
  ExpectRefused(idp_b_->Token(ClaimsFrom("a", "medulla-a")), "unknown signing key");

  json header = idp_b_->Header();
  header["kid"] = "b-1";
  TestIssuer impostor = TestIssuer::Ec("b-1");
  ExpectRefused(impostor.Forge(header, ClaimsFrom("b", "medulla-b")), "signature does not verify");
}

TEST_F(MultiIssuerLocalJwksServerTest, UnknownIssuerIsRefusedWithoutFetching) {
  json claims = ClaimsFrom("a", "medulla-a");
  claims["iss"] = server_.IssuerUrl("c");

  ExpectRefused(idp_a_->Token(claims), "unknown issuer");
  EXPECT_EQ(server_.discovery_hits("c"), 0);
  EXPECT_EQ(server_.key_hits("c"), 0);
}

TEST_F(MultiIssuerLocalJwksServerTest, AudienceOfAnotherIssuerIsRefused) {
  ExpectRefused(idp_a_->Token(ClaimsFrom("a", "medulla-b")), "wrong audience");
}

TEST_F(MultiIssuerLocalJwksServerTest, ExpiredTokenIsRefused) {
  std::string token = idp_b_->Token(ClaimsFrom("b", "medulla-b"));
  clock_.Advance(seconds(660));
  ExpectRefused(token, "token expired");
}

TEST_F(MultiIssuerLocalJwksServerTest, RotatedKeyVerifiesAndTheRetiredOneStops) {
  std::string old_token = idp_a_->Token(ClaimsFrom("a", "medulla-a"));
  ASSERT_TRUE(Verify(old_token).ok());
  server_.Publish("a", idp_a_next_->Jwks());
  clock_.Advance(seconds(30));

  Result<Principal> rotated = Verify(idp_a_next_->Token(ClaimsFrom("a", "medulla-a")));
  ASSERT_TRUE(rotated.ok()) << rotated.status().ToString();

  ExpectRefused(old_token, "unknown signing key");
}

TEST_F(MultiIssuerLocalJwksServerTest, UnreachableKeysAreUnavailableNotUnauthenticated) {
  server_.FailKeys("b", true);

  Result<Principal> principal = Verify(idp_b_->Token(ClaimsFrom("b", "medulla-b")));

  ASSERT_FALSE(principal.ok());
  EXPECT_EQ(principal.status().code(), StatusCode::kUnavailable);
}

TEST(MultiIssuerCreate, RefusesIncompleteOrRepeatedIssuers) {
  std::unique_ptr<http::Client> client = http::MakeClient();
  IssuerConfig good{"https://idp.a.test", "medulla", "clinic-a"};
  IssuerConfig no_tenant{"https://idp.b.test", "medulla", ""};
  IssuerConfig no_algs{"https://idp.b.test", "medulla", "clinic-b", "", {}};
  IssuerConfig loose{"https://idp.b.test",   "medulla",   "clinic-b", "",
                     {JwsAlgorithm::kEs256}, seconds(120)};
  IssuerConfig plain_http{"http://idp.b.test", "medulla", "clinic-b"};

  for (const std::vector<IssuerConfig>& configs :
       std::vector<std::vector<IssuerConfig>>{{},
                                              {good, no_tenant},
                                              {good, no_algs},
                                              {good, loose},
                                              {good, plain_http},
                                              {good, good}}) {
    Result<MultiIssuerVerifier> verifier = MultiIssuerVerifier::Create(configs, *client);
    ASSERT_FALSE(verifier.ok()) << configs.size();
    EXPECT_EQ(verifier.status().code(), StatusCode::kInvalidArgument);
  }
  EXPECT_TRUE(MultiIssuerVerifier::Create({good}, *client).ok());
}

}  // namespace
}  // namespace medulla::auth
