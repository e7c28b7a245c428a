// Forged and stale tokens against TokenVerifier, for both key types Medulla accepts.
#include <gtest/gtest.h>

#include "auth/jwt.h"
#include "auth/key_set.h"
#include "auth/test_issuer.h"

namespace medulla::auth {
namespace {

using nlohmann::json;
using std::chrono::seconds;
using testing::HonestClaims;
using testing::TestIssuer;

constexpr char kIssuer[] = "https://idp.clinic-a.test";
constexpr char kAudience[] = "medulla-api";
const TimePoint kStart = TimePoint(seconds(1'790'000'000));

class ForgedTokenTest : public ::testing::TestWithParam<JwsAlgorithm> {
 protected:
  static void SetUpTestSuite() {
    rsa_ = new TestIssuer(TestIssuer::Rsa("rsa-1"));
    ec_ = new TestIssuer(TestIssuer::Ec("ec-1"));
    other_rsa_ = new TestIssuer(TestIssuer::Rsa("rsa-1"));
    other_ec_ = new TestIssuer(TestIssuer::Ec("ec-1"));
  }

  static void TearDownTestSuite() {
    for (TestIssuer* issuer : {rsa_, ec_, other_rsa_, other_ec_}) {
      delete issuer;
    }
  }

  // The issuer under test, and the one of the other key type.
  const TestIssuer& Ours() const { return GetParam() == JwsAlgorithm::kRs256 ? *rsa_ : *ec_; }
  const TestIssuer& Theirs() const { return GetParam() == JwsAlgorithm::kRs256 ? *ec_ : *rsa_; }
  const TestIssuer& Impostor() const {
    return GetParam() == JwsAlgorithm::kRs256 ? *other_rsa_ : *other_ec_;
  }

  // A key set publishing both an RSA and an EC key, as real issuers often do.
  json BothKeys() const { return {{"keys", {rsa_->Jwk(), ec_->Jwk()}}}; }

  json Claims() const { return HonestClaims(kIssuer, kAudience, clock_.Now()); }

  Result<Principal> Verify(const std::string& token, VerifierOptions options = {}) {
    options.issuer = kIssuer;
    options.audience = kAudience;
    Result<TokenVerifier> verifier = TokenVerifier::FromJwks(BothKeys(), options, clock_);
    EXPECT_TRUE(verifier.ok()) << verifier.status().ToString();
    return verifier->Verify(token);
  }

  void ExpectRefused(const std::string& token, const std::string& reason,
                     VerifierOptions options = {}) {
    Result<Principal> principal = Verify(token, options);
    ASSERT_FALSE(principal.ok()) << "accepted a token that should fail with: " << reason;
    EXPECT_EQ(principal.status().code(), StatusCode::kUnauthenticated);
    EXPECT_EQ(principal.status().message(), reason);
  }

  static inline TestIssuer* rsa_ = nullptr;
  static inline TestIssuer* ec_ = nullptr;
  static inline TestIssuer* other_rsa_ = nullptr;
  static inline TestIssuer* other_ec_ = nullptr;
  ManualClock clock_{kStart};
};

INSTANTIATE_TEST_SUITE_P(BothKeyTypes, ForgedTokenTest,
                         ::testing::Values(JwsAlgorithm::kRs256, JwsAlgorithm::kEs256),
                         [](const ::testing::TestParamInfo<JwsAlgorithm>& info) {
                           return std::string(JwsAlgorithmName(info.param));
                         });

TEST_P(ForgedTokenTest, HonestTokenVerifies) {
  json claims = Claims();
  claims["purpose_of_use"] = "payment";

  Result<Principal> principal = Verify(Ours().Token(claims));

  ASSERT_TRUE(principal.ok()) << principal.status().ToString();
  EXPECT_EQ(principal->subject, "user-17");
  EXPECT_EQ(principal->tenant, "clinic-a");
  EXPECT_EQ(principal->session_id, "session-1");
  EXPECT_EQ(principal->purpose_of_use, "payment");
}

TEST_P(ForgedTokenTest, PurposeOfUseDefaultsToTreatmentAndMustBeACode) {
  Result<Principal> principal = Verify(Ours().Token(Claims()));
  ASSERT_TRUE(principal.ok());
  EXPECT_EQ(principal->purpose_of_use, "treatment");

  json free_text = Claims();
  free_text["purpose_of_use"] = "looking up my neighbour";
  ExpectRefused(Ours().Token(free_text), "token has an unreadable purpose_of_use");

  json not_text = Claims();
  not_text["purpose_of_use"] = 3;
  ExpectRefused(Ours().Token(not_text), "token has an unreadable purpose_of_use");
}

TEST_P(ForgedTokenTest, AlgNoneIsRefused) {
  json header = {{"alg", "none"}, {"typ", "JWT"}, {"kid", Ours().kid()}};
  std::string unsigned_token = TestIssuer::SigningInput(header, Claims()) + ".";
  ExpectRefused(unsigned_token, "alg none is not accepted");
}

TEST_P(ForgedTokenTest, HmacKeyedWithThePublicKeyIsRefused) {
  for (const char* alg : {"HS256", "HS384", "HS512"}) {
    json header = {{"alg", alg}, {"typ", "JWT"}, {"kid", Ours().kid()}};
    std::string input = TestIssuer::SigningInput(header, Claims());
    std::string token =
        input + "." + Base64UrlEncode(testing::HmacSha256(Ours().PublicKeyPem(), input));
    ExpectRefused(token, std::string("alg ") + alg + " is not accepted");
  }
}

// The header claims the other algorithm while naming our key: a verifier that let the token
// choose the algorithm would check an RSA signature against an EC key or the reverse.
TEST_P(ForgedTokenTest, AlgNotMatchingTheKeyTypeIsRefused) {
  json header = Theirs().Header();
  header["kid"] = Ours().kid();
  ExpectRefused(Theirs().Forge(header, Claims()), "alg does not match the signing key");
}

TEST_P(ForgedTokenTest, AlgOutsideTheAllowedListIsRefused) {
  VerifierOptions only_theirs;
  only_theirs.allowed_algs = {Theirs().alg()};
  ExpectRefused(Ours().Token(Claims()),
                std::string("alg ") + Ours().alg_name() + " is not accepted", only_theirs);
}

TEST_P(ForgedTokenTest, UnknownKidIsRefused) {
  json header = Ours().Header();
  header["kid"] = "forged-kid";
  ExpectRefused(Ours().Forge(header, Claims()), "unknown signing key");

  header.erase("kid");
  ExpectRefused(Ours().Forge(header, Claims()), "unknown signing key");
}

TEST_P(ForgedTokenTest, AnotherKeyUnderOurKidIsRefused) {
  ExpectRefused(Impostor().Token(Claims()), "signature does not verify");
}

TEST_P(ForgedTokenTest, TamperedClaimsAreRefused) {
  std::string token = Ours().Token(Claims());
  json escalated = Claims();
  escalated["roles"] = {"admin"};
  std::string forged =
      TestIssuer::SigningInput(Ours().Header(), escalated) + token.substr(token.rfind('.'));
  ExpectRefused(forged, "signature does not verify");
}

TEST_P(ForgedTokenTest, SkewBoundaryAtExpiry) {
  std::string token = Ours().Token(Claims());

  clock_.Advance(seconds(600 + 59));
  EXPECT_TRUE(Verify(token).ok());

  clock_.Advance(seconds(1));
  ExpectRefused(token, "token expired");
}

TEST_P(ForgedTokenTest, SkewBoundaryBeforeValidity) {
  int64_t now = testing::EpochSeconds(kStart);
  json at_limit = Claims();
  at_limit["nbf"] = now + 60;
  at_limit["iat"] = now + 60;
  EXPECT_TRUE(Verify(Ours().Token(at_limit)).ok());

  json past_limit = Claims();
  past_limit["nbf"] = now + 61;
  ExpectRefused(Ours().Token(past_limit), "token not yet valid");
}

TEST_P(ForgedTokenTest, NarrowerSkewIsHonoured) {
  VerifierOptions strict;
  strict.allowed_skew = seconds(0);
  std::string token = Ours().Token(Claims());

  clock_.Advance(seconds(600));
  ExpectRefused(token, "token expired", strict);
}

TEST_P(ForgedTokenTest, WrongIssuerOrAudienceIsRefused) {
  json issuer = Claims();
  issuer["iss"] = "https://idp.clinic-b.test";
  ExpectRefused(Ours().Token(issuer), "wrong issuer");

  json audience = Claims();
  audience["aud"] = "another-api";
  ExpectRefused(Ours().Token(audience), "wrong audience");
}

TEST(Es256Token, DerEncodedSignatureIsRefused) {
  TestIssuer ec = TestIssuer::Ec("ec-1");
  ManualClock clock(kStart);
  std::string input =
      TestIssuer::SigningInput(ec.Header(), HonestClaims(kIssuer, kAudience, kStart));
  std::string der_token = input + "." + Base64UrlEncode(ec.DigestSign(input));
  Result<TokenVerifier> verifier = TokenVerifier::FromJwks(ec.Jwks(), {kIssuer, kAudience}, clock);
  ASSERT_TRUE(verifier.ok());

  Result<Principal> principal = verifier->Verify(der_token);

  ASSERT_FALSE(principal.ok());
  EXPECT_EQ(principal.status().message(), "signature does not verify");
}

TEST(Es256Token, ZeroSignatureIsRefused) {
  TestIssuer ec = TestIssuer::Ec("ec-1");
  ManualClock clock(kStart);
  std::string input =
      TestIssuer::SigningInput(ec.Header(), HonestClaims(kIssuer, kAudience, kStart));
  Result<TokenVerifier> verifier = TokenVerifier::FromJwks(ec.Jwks(), {kIssuer, kAudience}, clock);
  ASSERT_TRUE(verifier.ok());

  Result<Principal> principal =
      verifier->Verify(input + "." + Base64UrlEncode(std::string(64, '\0')));

  ASSERT_FALSE(principal.ok());
  EXPECT_EQ(principal.status().message(), "signature does not verify");
}

TEST(Es256Jwks, UnusableEcKeysAreSkipped) {
  TestIssuer ec = TestIssuer::Ec("ec-good");
  json off_curve = ec.Jwk();
  off_curve["kid"] = "off-curve";
  off_curve["y"] = off_curve["x"];
  json other_curve = ec.Jwk();
  other_curve["kid"] = "p384";
  other_curve["crv"] = "P-384";
  json mislabelled = ec.Jwk();
  mislabelled["kid"] = "mislabelled";
  mislabelled["alg"] = "RS256";
  json short_x = ec.Jwk();
  short_x["kid"] = "short";
  short_x["x"] = Base64UrlEncode("tiny");

  Result<KeySet> keys =
      KeySet::FromJwks({{"keys", {off_curve, other_curve, mislabelled, short_x, ec.Jwk()}}});

  ASSERT_TRUE(keys.ok()) << keys.status().ToString();
  EXPECT_EQ(keys->Kids(), std::vector<std::string>{"ec-good"});
}

TEST(VerifierOptions, SkewBeyondAMinuteIsRefused) {
  TestIssuer ec = TestIssuer::Ec("ec-1");
  VerifierOptions loose{kIssuer, kAudience, seconds(61)};
  Result<TokenVerifier> verifier = TokenVerifier::FromJwks(ec.Jwks(), loose);
  ASSERT_FALSE(verifier.ok());
  EXPECT_EQ(verifier.status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace medulla::auth
