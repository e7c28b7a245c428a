#include "auth/grant.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>

#include "auth/test_issuer.h"
#include "common/ids.h"

namespace medulla::auth {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using std::chrono::seconds;

const TimePoint kStart = TimePoint(seconds(1'790'000'000));

json DecodeClaims(const std::string& token) {
  size_t first = token.find('.');
  std::string part = token.substr(first + 1, token.find('.', first + 1) - first - 1);
  return json::parse(*Base64UrlDecode(part));
}

class GrantTest : public ::testing::TestWithParam<JwsAlgorithm> {
 protected:
  void SetUp() override {
    Result<GrantIssuer> issuer = GrantIssuer::Generate(GetParam(), clock_);
    ASSERT_TRUE(issuer.ok()) << issuer.status().ToString();
    issuer_.emplace(std::move(issuer).value());
    Result<GrantVerifier> verifier = GrantVerifier::FromJwks(issuer_->Jwks(), clock_);
    ASSERT_TRUE(verifier.ok()) << verifier.status().ToString();
    verifier_.emplace(std::move(verifier).value());
  }

  static Principal Clinician() {
    Principal user;
    user.subject = "user-17";
    user.tenant = "clinic-a";
    user.roles = {"clinician"};
    user.scopes = {"openid", "user/Patient.rs", "user/DocumentReference.cruds"};
    user.session_id = "session-1";
    user.token_id = "user-token-1";
    user.expires_at = kStart + seconds(3600);
    return user;
  }

  static GrantRequest ScribeWrite() {
    GrantRequest request;
    request.principal = Clinician();
    request.subject_token_id = "user-token-1";
    request.agent = "scribe";
    request.tool = "fhir.write_document_reference";
    request.scopes = {"user/DocumentReference.c", "user/Patient.r"};
    request.task_id = "task-1";
    request.patient = "patient-9";
    return request;
  }

  static GrantExpectation TheWrite() {
    GrantExpectation expected;
    expected.tenant = "clinic-a";
    expected.task_id = "task-1";
    expected.patient = "patient-9";
    expected.required_scope = "user/DocumentReference.c";
    return expected;
  }

  std::string Mint(const GrantRequest& request = ScribeWrite()) {
    Result<MintedGrant> grant = issuer_->Mint(request);
    EXPECT_TRUE(grant.ok()) << grant.status().ToString();
    return grant.ok() ? grant->token : "";
  }

  void ExpectDenied(const std::string& token, const GrantExpectation& expected,
                    const std::string& reason) {
    Result<VerifiedGrant> grant = verifier_->Verify(token, expected);
    ASSERT_FALSE(grant.ok()) << "accepted a grant that should fail with: " << reason;
    EXPECT_EQ(grant.status().code(), StatusCode::kPermissionDenied);
    EXPECT_EQ(grant.status().message(), reason);
  }

  ManualClock clock_{kStart};
  std::optional<GrantIssuer> issuer_;
  std::optional<GrantVerifier> verifier_;
};

INSTANTIATE_TEST_SUITE_P(BothKeyTypes, GrantTest,
                         ::testing::Values(JwsAlgorithm::kRs256, JwsAlgorithm::kEs256),
                         [](const ::testing::TestParamInfo<JwsAlgorithm>& info) {
                           return std::string(JwsAlgorithmName(info.param));
                         });

TEST_P(GrantTest, MintedGrantVerifiesForItsCall) {
  Result<MintedGrant> minted = issuer_->Mint(ScribeWrite());
  ASSERT_TRUE(minted.ok()) << minted.status().ToString();

  Result<VerifiedGrant> grant = verifier_->Verify(minted->token, TheWrite());

  ASSERT_TRUE(grant.ok()) << grant.status().ToString();
  EXPECT_EQ(grant->grant_id, minted->grant_id);
  EXPECT_EQ(grant->subject, "user-17");
  EXPECT_EQ(grant->tenant, "clinic-a");
  EXPECT_EQ(grant->agent, "agent:scribe");
  EXPECT_EQ(grant->tool, "fhir.write_document_reference");
  EXPECT_EQ(grant->scopes,
            (std::vector<std::string>{"user/DocumentReference.c", "user/Patient.r"}));
  EXPECT_EQ(grant->subject_token_id, "user-token-1");
  EXPECT_EQ(grant->purpose_of_use, "treatment");
  EXPECT_EQ(grant->expires_at, kStart + seconds(120));
  EXPECT_EQ(minted->expires_at, kStart + seconds(120));
  EXPECT_EQ(grant->ToActorJson()["act"]["sub"], "agent:scribe");
  EXPECT_EQ(grant->ToActorJson()["grant"], minted->grant_id);
}

TEST_P(GrantTest, GrantCarriesTokenExchangeClaims) {
  json claims = DecodeClaims(Mint());

  EXPECT_EQ(claims["iss"], "medulla-orchestrator");
  EXPECT_EQ(claims["aud"], "medulla-integration");
  EXPECT_EQ(claims["sub"], "user-17");
  EXPECT_EQ(claims["act"], json({{"sub", "agent:scribe"}}));
  EXPECT_EQ(claims["scope"], "user/DocumentReference.c user/Patient.r");
  EXPECT_EQ(claims["task_id"], "task-1");
  EXPECT_EQ(claims["patient"], "patient-9");
  EXPECT_EQ(claims["exp"].get<int64_t>() - claims["iat"].get<int64_t>(), 120);
  EXPECT_FALSE(claims.contains("may_act"));
  // The user's roles travel with the grant so that policy can be decided again where the EHR
  // is written.
  EXPECT_EQ(claims["roles"], json(ScribeWrite().principal.roles));
}

TEST_P(GrantTest, MintRefusesScopesTheUserLacks) {
  GrantRequest wider = ScribeWrite();
  wider.scopes = {"user/DocumentReference.c", "user/Observation.c"};

  Result<MintedGrant> grant = issuer_->Mint(wider);

  ASSERT_FALSE(grant.ok());
  EXPECT_EQ(grant.status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(grant.status().message(), "user lacks a scope the tool needs");
}

TEST_P(GrantTest, MintRefusesBadRequests) {
  GrantRequest too_long = ScribeWrite();
  too_long.ttl = seconds(301);
  GrantRequest no_task = ScribeWrite();
  no_task.task_id.clear();
  GrantRequest no_scopes = ScribeWrite();
  no_scopes.scopes.clear();
  GrantRequest no_agent = ScribeWrite();
  no_agent.agent.clear();

  for (const GrantRequest& request : {too_long, no_task, no_scopes, no_agent}) {
    Result<MintedGrant> grant = issuer_->Mint(request);
    ASSERT_FALSE(grant.ok());
    EXPECT_EQ(grant.status().code(), StatusCode::kInvalidArgument);
  }
}

TEST_P(GrantTest, GrantNeverOutlivesTheUsersToken) {
  GrantRequest request = ScribeWrite();
  request.principal.expires_at = kStart + seconds(30);
  request.ttl = seconds(300);

  Result<MintedGrant> grant = issuer_->Mint(request);
  ASSERT_TRUE(grant.ok());
  EXPECT_EQ(grant->expires_at, kStart + seconds(30));

  clock_.Advance(seconds(30));
  Result<MintedGrant> late = issuer_->Mint(request);
  ASSERT_FALSE(late.ok());
  EXPECT_EQ(late.status().message(), "user token expired");
}

TEST_P(GrantTest, NarrowScopeDoesNotCoverAnotherWrite) {
  GrantExpectation observation = TheWrite();
  observation.required_scope = "user/Observation.c";
  ExpectDenied(Mint(), observation, "grant scope does not cover the call");

  GrantExpectation update = TheWrite();
  update.required_scope = "user/DocumentReference.u";
  ExpectDenied(Mint(), update, "grant scope does not cover the call");
}

TEST_P(GrantTest, OtherPatientIsDenied) {
  GrantExpectation other = TheWrite();
  other.patient = "patient-10";
  ExpectDenied(Mint(), other, "grant is for another patient");

  other.patient = "";
  ExpectDenied(Mint(), other, "grant is for another patient");
}

TEST_P(GrantTest, OtherTaskIsDenied) {
  GrantExpectation other = TheWrite();
  other.task_id = "task-2";
  ExpectDenied(Mint(), other, "grant is for another task");
}

TEST_P(GrantTest, OtherTenantIsDenied) {
  GrantExpectation other = TheWrite();
  other.tenant = "clinic-b";
  ExpectDenied(Mint(), other, "grant is for another tenant");
}

TEST_P(GrantTest, WrongAudienceIsDenied) {
  GrantExpectation other = TheWrite();
  other.audience = "medulla-api";
  ExpectDenied(Mint(), other, "grant is for another audience");
}

TEST_P(GrantTest, ExpiredGrantIsDenied) {
  std::string token = Mint();

  clock_.Advance(seconds(120 + 4));
  GrantExpectation read_only = TheWrite();
  read_only.single_use = false;
  EXPECT_TRUE(verifier_->Verify(token, read_only).ok());

  clock_.Advance(seconds(1));
  ExpectDenied(token, TheWrite(), "grant expired");
}

TEST_P(GrantTest, ReplayedGrantIsDenied) {
  std::string token = Mint();

  ASSERT_TRUE(verifier_->Verify(token, TheWrite()).ok());
  ExpectDenied(token, TheWrite(), "grant already used");
}

TEST_P(GrantTest, ReadsShareTheGrantUntilTheWriteConsumesIt) {
  std::string token = Mint();
  GrantExpectation read = TheWrite();
  read.required_scope = "user/Patient.r";
  read.single_use = false;

  ASSERT_TRUE(verifier_->Verify(token, read).ok());
  ASSERT_TRUE(verifier_->Verify(token, read).ok());
  ASSERT_TRUE(verifier_->Verify(token, TheWrite()).ok());
  ExpectDenied(token, read, "grant already used");
}

TEST_P(GrantTest, RefusedAttemptDoesNotConsumeTheGrant) {
  std::string token = Mint();
  GrantExpectation other = TheWrite();
  other.patient = "patient-10";

  ExpectDenied(token, other, "grant is for another patient");
  EXPECT_TRUE(verifier_->Verify(token, TheWrite()).ok());
}

TEST_P(GrantTest, GrantFromAnotherKeyIsDenied) {
  Result<GrantIssuer> rogue = GrantIssuer::Generate(GetParam(), clock_);
  ASSERT_TRUE(rogue.ok());
  Result<MintedGrant> grant = rogue->Mint(ScribeWrite());
  ASSERT_TRUE(grant.ok());

  ExpectDenied(grant->token, TheWrite(), "unknown signing key");
}

TEST_P(GrantTest, TamperedGrantIsDenied) {
  std::string token = Mint();
  json claims = DecodeClaims(token);
  claims["patient"] = "patient-10";
  size_t first = token.find('.');
  size_t second = token.find('.', first + 1);
  std::string forged =
      token.substr(0, first + 1) + Base64UrlEncode(claims.dump()) + token.substr(second);

  GrantExpectation other = TheWrite();
  other.patient = "patient-10";
  ExpectDenied(forged, other, "signature does not verify");
}

TEST_P(GrantTest, UserTokenIsNotAGrant) {
  testing::TestIssuer idp = GetParam() == JwsAlgorithm::kRs256 ? testing::TestIssuer::Rsa("u")
                                                               : testing::TestIssuer::Ec("u");
  Result<GrantVerifier> confused =
      GrantVerifier::FromJwks({{"keys", {issuer_->Jwks()["keys"][0], idp.Jwk()}}}, clock_);
  ASSERT_TRUE(confused.ok());
  json user_claims = testing::HonestClaims("https://idp.test", "medulla-integration", kStart);

  Result<VerifiedGrant> grant = confused->Verify(idp.Token(user_claims), TheWrite());

  ASSERT_FALSE(grant.ok());
  EXPECT_EQ(grant.status().message(), "grant is from another issuer");
}

TEST_P(GrantTest, AlgNoneAndHmacAreDenied) {
  json header = {{"alg", "none"}, {"typ", "JWT"}};
  std::string body = Base64UrlEncode(DecodeClaims(Mint()).dump());
  ExpectDenied(Base64UrlEncode(header.dump()) + "." + body + ".", TheWrite(),
               "alg none is not accepted");

  header["alg"] = "HS256";
  std::string input = Base64UrlEncode(header.dump()) + "." + body;
  ExpectDenied(input + "." + Base64UrlEncode(testing::HmacSha256(issuer_->Jwks().dump(), input)),
               TheWrite(), "alg HS256 is not accepted");
}

TEST(GrantVerifierReplayMemory, FullMemoryFailsClosedUntilGrantsExpire) {
  ManualClock clock(kStart);
  Result<GrantIssuer> issuer = GrantIssuer::Generate(JwsAlgorithm::kEs256, clock);
  ASSERT_TRUE(issuer.ok());
  GrantVerifierOptions small;
  small.max_remembered_grants = 2;
  Result<GrantVerifier> verifier = GrantVerifier::FromJwks(issuer->Jwks(), clock, small);
  ASSERT_TRUE(verifier.ok());

  GrantRequest request;
  request.principal.subject = "user-17";
  request.principal.tenant = "clinic-a";
  request.principal.scopes = {"user/Patient.r"};
  request.agent = "intake";
  request.tool = "fhir.read_patient";
  request.scopes = {"user/Patient.r"};
  request.task_id = "task-1";
  GrantExpectation expected{"clinic-a", "task-1", "", "user/Patient.r"};

  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(verifier->Verify(issuer->Mint(request)->token, expected).ok());
  }
  Result<VerifiedGrant> third = verifier->Verify(issuer->Mint(request)->token, expected);
  ASSERT_FALSE(third.ok());
  EXPECT_EQ(third.status().code(), StatusCode::kUnavailable);

  clock.Advance(seconds(130));
  EXPECT_TRUE(verifier->Verify(issuer->Mint(request)->token, expected).ok());
}

TEST(GrantIssuerKeyFile, PersistsAnOwnerOnlyKeyAndReloadsIt) {
  fs::path dir = fs::temp_directory_path() / ("medulla-grant-key-" + NewUuid());
  std::string path = (dir / "grant.pem").string();

  Result<GrantIssuer> first = GrantIssuer::LoadOrCreate(path, JwsAlgorithm::kEs256);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  struct stat info {};
  ASSERT_EQ(::stat(path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);

  Result<GrantIssuer> second = GrantIssuer::LoadOrCreate(path, JwsAlgorithm::kEs256);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->Jwks(), first->Jwks());
  EXPECT_EQ(first->Jwks()["keys"][0]["kty"], "EC");

  Result<GrantIssuer> wrong_type = GrantIssuer::LoadOrCreate(path, JwsAlgorithm::kRs256);
  ASSERT_FALSE(wrong_type.ok());
  EXPECT_EQ(wrong_type.status().code(), StatusCode::kInvalidArgument);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace medulla::auth
