#include "auth/jwt.h"

#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>

#include "common/ids.h"

namespace medulla::auth {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using std::chrono::seconds;

constexpr char kIssuer[] = "https://medulla.test/dev";
constexpr char kAudience[] = "medulla-api";
const TimePoint kStart = TimePoint(seconds(1'790'000'000));

struct PkeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;
struct BioFree {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;

// How a forged token is signed. Each is an attack the verifier must refuse, except
// kIssuerKey, which lets a test mint tokens with claims the issuer would never write.
enum class Signer { kIssuerKey, kOtherRsaKey, kHmacWithPublicKey, kUnsigned };

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::string RsaSign(EVP_PKEY* key, const std::string& data) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  size_t size = 0;
  const auto* bytes = reinterpret_cast<const unsigned char*>(data.data());
  EXPECT_EQ(EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key), 1);
  EXPECT_EQ(EVP_DigestSign(ctx.get(), nullptr, &size, bytes, data.size()), 1);
  std::string signature(size, '\0');
  EXPECT_EQ(EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &size,
                           bytes, data.size()),
            1);
  signature.resize(size);
  return signature;
}

std::string HmacSha256(const std::string& secret, const std::string& data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest, &size);
  return std::string(reinterpret_cast<const char*>(digest), size);
}

class JwtTest : public testing::Test {
 protected:
  static void SetUpTestSuite() {
    shared_dir_ = fs::temp_directory_path() / ("medulla-auth-" + NewUuid());
    other_key_.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{2048}));
    ASSERT_NE(other_key_, nullptr);
  }

  static void TearDownTestSuite() {
    fs::remove_all(shared_dir_);
    other_key_.reset();
  }

  void SetUp() override {
    Result<DevIssuer> issuer = DevIssuer::LoadOrCreate(KeyPath(), kIssuer, kAudience, clock_);
    ASSERT_TRUE(issuer.ok()) << issuer.status().ToString();
    issuer_.emplace(std::move(issuer).value());
  }

  static fs::path KeyPath() { return shared_dir_ / "keys" / "dev-signing.pem"; }

  static TokenRequest ClinicianRequest() {
    TokenRequest request;
    request.subject = "user-17";
    request.tenant = "clinic-a";
    request.roles = {"clinician"};
    request.scopes = {"openid", "user/Patient.rs", "user/DocumentReference.c"};
    request.ttl = seconds(600);
    return request;
  }

  std::string IssueToken(const TokenRequest& request = ClinicianRequest()) {
    Result<std::string> token = issuer_->Issue(request);
    EXPECT_TRUE(token.ok()) << token.status().ToString();
    return token.ok() ? *token : "";
  }

  Result<Principal> Verify(const std::string& token) {
    Result<TokenVerifier> verifier =
        TokenVerifier::FromJwks(issuer_->Jwks(), {kIssuer, kAudience}, clock_);
    EXPECT_TRUE(verifier.ok()) << verifier.status().ToString();
    return verifier->Verify(token);
  }

  void ExpectRefused(const std::string& token, const std::string& reason) {
    Result<Principal> principal = Verify(token);
    ASSERT_FALSE(principal.ok()) << "accepted a token that should fail with: " << reason;
    EXPECT_EQ(principal.status().code(), StatusCode::kUnauthenticated);
    EXPECT_EQ(principal.status().message(), reason);
  }

  std::string Kid() { return issuer_->Jwks()["keys"][0]["kid"]; }

  json HonestHeader() { return {{"alg", "RS256"}, {"typ", "JWT"}, {"kid", Kid()}}; }

  json HonestClaims() {
    int64_t now = std::chrono::duration_cast<seconds>(clock_.Now().time_since_epoch()).count();
    return {{"iss", kIssuer},       {"aud", kAudience},   {"sub", "user-17"},
            {"tenant", "clinic-a"}, {"roles", {"nurse"}}, {"scope", "user/Patient.r"},
            {"sid", "session-1"},   {"jti", "token-1"},   {"iat", now},
            {"nbf", now},           {"exp", now + 600}};
  }

  // Builds a compact token by hand, independently of the issuer's code.
  std::string ForgeToken(const json& header, const json& claims, Signer signer) {
    std::string input = Base64UrlEncode(header.dump()) + "." + Base64UrlEncode(claims.dump());
    return input + "." + Base64UrlEncode(Signature(signer, input));
  }

  std::string Signature(Signer signer, const std::string& input) {
    switch (signer) {
      case Signer::kIssuerKey:
        return RsaSign(IssuerKey().get(), input);
      case Signer::kOtherRsaKey:
        return RsaSign(other_key_.get(), input);
      case Signer::kHmacWithPublicKey:
        return HmacSha256(IssuerPublicKeyPem(), input);
      case Signer::kUnsigned:
        return "";
    }
    return "";
  }

  PkeyPtr IssuerKey() {
    std::string pem = ReadFile(KeyPath());
    BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    PkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
    EXPECT_NE(key, nullptr);
    return key;
  }

  std::string IssuerPublicKeyPem() {
    PkeyPtr key = IssuerKey();
    BioPtr bio(BIO_new(BIO_s_mem()));
    PEM_write_bio_PUBKEY(bio.get(), key.get());
    char* data = nullptr;
    long size = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<size_t>(size));
  }

  static json DecodePart(const std::string& token, int index) {
    size_t start = 0;
    for (int i = 0; i < index; ++i) {
      start = token.find('.', start) + 1;
    }
    std::string part = token.substr(start, token.find('.', start) - start);
    return json::parse(*Base64UrlDecode(part));
  }

  static inline fs::path shared_dir_;
  static inline PkeyPtr other_key_;
  ManualClock clock_{kStart};
  std::optional<DevIssuer> issuer_;
};

TEST_F(JwtTest, IssuedTokenVerifiesToItsPrincipal) {
  Result<Principal> principal = Verify(IssueToken());

  ASSERT_TRUE(principal.ok()) << principal.status().ToString();
  EXPECT_EQ(principal->subject, "user-17");
  EXPECT_EQ(principal->tenant, "clinic-a");
  EXPECT_EQ(principal->roles, std::vector<std::string>{"clinician"});
  EXPECT_EQ(principal->scopes,
            (std::vector<std::string>{"openid", "user/Patient.rs", "user/DocumentReference.c"}));
  EXPECT_TRUE(principal->HasScope("user/Patient.r"));
  EXPECT_FALSE(principal->HasScope("user/Patient.c"));
  EXPECT_EQ(principal->expires_at, kStart + seconds(600));
  EXPECT_EQ(principal->session_id.size(), 36u);
  EXPECT_EQ(principal->token_id.size(), 36u);
}

TEST_F(JwtTest, IssuedTokenCarriesHeaderAndClaims) {
  std::string token = IssueToken();

  json header = DecodePart(token, 0);
  EXPECT_EQ(header, json({{"alg", "RS256"}, {"typ", "JWT"}, {"kid", Kid()}}));

  json claims = DecodePart(token, 1);
  EXPECT_EQ(claims["iss"], kIssuer);
  EXPECT_EQ(claims["aud"], kAudience);
  EXPECT_EQ(claims["scope"], "openid user/Patient.rs user/DocumentReference.c");
  EXPECT_EQ(claims["iat"], 1'790'000'000);
  EXPECT_EQ(claims["nbf"], 1'790'000'000);
  EXPECT_EQ(claims["exp"], 1'790'000'600);
}

TEST_F(JwtTest, IssueKeepsAGivenSessionAndMintsFreshTokenIds) {
  TokenRequest request = ClinicianRequest();
  request.session_id = "session-42";

  Result<Principal> first = Verify(IssueToken(request));
  Result<Principal> second = Verify(IssueToken(request));

  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(first->session_id, "session-42");
  EXPECT_EQ(second->session_id, "session-42");
  EXPECT_NE(first->token_id, second->token_id);
}

TEST_F(JwtTest, IssueRefusesIncompleteRequests) {
  TokenRequest no_subject = ClinicianRequest();
  no_subject.subject.clear();
  TokenRequest no_tenant = ClinicianRequest();
  no_tenant.tenant.clear();
  TokenRequest no_lifetime = ClinicianRequest();
  no_lifetime.ttl = seconds(0);
  TokenRequest spaced_scope = ClinicianRequest();
  spaced_scope.scopes = {"user/Patient.r user/Patient.c"};

  for (const TokenRequest& request : {no_subject, no_tenant, no_lifetime, spaced_scope}) {
    Result<std::string> token = issuer_->Issue(request);
    ASSERT_FALSE(token.ok());
    EXPECT_EQ(token.status().code(), StatusCode::kInvalidArgument);
  }
}

TEST_F(JwtTest, ForgedTokenWithIssuerKeyVerifies) {
  Result<Principal> principal =
      Verify(ForgeToken(HonestHeader(), HonestClaims(), Signer::kIssuerKey));

  ASSERT_TRUE(principal.ok()) << principal.status().ToString();
  EXPECT_EQ(principal->roles, std::vector<std::string>{"nurse"});
  EXPECT_EQ(principal->session_id, "session-1");
  EXPECT_EQ(principal->token_id, "token-1");
}

TEST_F(JwtTest, VerifyRefusesMalformedTokens) {
  std::string token = IssueToken();

  ExpectRefused("", "token is malformed");
  ExpectRefused("not-a-token", "token is malformed");
  ExpectRefused(token.substr(0, token.rfind('.')), "token is malformed");
  ExpectRefused(token + ".extra", "token is malformed");
  ExpectRefused("e30+." + token.substr(token.find('.') + 1), "token is malformed");
  ExpectRefused(Base64UrlEncode("not json") + token.substr(token.find('.')), "token is malformed");
  ExpectRefused(std::string(20'000, 'a') + token, "token is malformed");
}

TEST_F(JwtTest, VerifyRefusesAlgNone) {
  json header = {{"alg", "none"}, {"typ", "JWT"}, {"kid", Kid()}};
  ExpectRefused(ForgeToken(header, HonestClaims(), Signer::kUnsigned), "alg none is not accepted");
}

TEST_F(JwtTest, VerifyRefusesHmacSignedWithThePublicKey) {
  json header = {{"alg", "HS256"}, {"typ", "JWT"}, {"kid", Kid()}};
  ExpectRefused(ForgeToken(header, HonestClaims(), Signer::kHmacWithPublicKey),
                "alg HS256 is not accepted");
}

TEST_F(JwtTest, VerifyDoesNotEchoOddAlgNames) {
  json header = {{"alg", "<b>RS256</b>"}, {"kid", Kid()}};
  ExpectRefused(ForgeToken(header, HonestClaims(), Signer::kIssuerKey), "alg is not accepted");

  json missing = {{"kid", Kid()}};
  ExpectRefused(ForgeToken(missing, HonestClaims(), Signer::kIssuerKey), "token is malformed");
}

TEST_F(JwtTest, VerifyRefusesUnknownKid) {
  json header = HonestHeader();
  header["kid"] = "some-other-key";
  ExpectRefused(ForgeToken(header, HonestClaims(), Signer::kIssuerKey), "unknown signing key");

  header.erase("kid");
  ExpectRefused(ForgeToken(header, HonestClaims(), Signer::kIssuerKey), "unknown signing key");
}

TEST_F(JwtTest, VerifyRefusesAnotherKeyClaimingTheIssuersKid) {
  ExpectRefused(ForgeToken(HonestHeader(), HonestClaims(), Signer::kOtherRsaKey),
                "signature does not verify");
}

TEST_F(JwtTest, VerifyRefusesTamperedClaims) {
  std::string token = IssueToken();
  json claims = DecodePart(token, 1);
  claims["roles"] = {"admin"};

  size_t first = token.find('.');
  size_t second = token.find('.', first + 1);
  std::string tampered =
      token.substr(0, first + 1) + Base64UrlEncode(claims.dump()) + token.substr(second);
  ExpectRefused(tampered, "signature does not verify");
}

TEST_F(JwtTest, VerifyRefusesTruncatedSignature) {
  std::string token = IssueToken();
  ExpectRefused(token.substr(0, token.size() - 4), "signature does not verify");
}

TEST_F(JwtTest, VerifyAllowsSkewPastExpiry) {
  std::string token = IssueToken();

  clock_.Advance(seconds(600 + 59));
  EXPECT_TRUE(Verify(token).ok());

  clock_.Advance(seconds(2));
  ExpectRefused(token, "token expired");
}

TEST_F(JwtTest, VerifyRefusesAtExactlyExpiryPlusSkew) {
  std::string token = IssueToken();

  clock_.Advance(seconds(600 + 60));
  ExpectRefused(token, "token expired");
}

TEST_F(JwtTest, VerifyRefusesTokensFromTheFuture) {
  json not_before = HonestClaims();
  not_before["nbf"] = not_before["iat"].get<int64_t>() + 61;
  ExpectRefused(ForgeToken(HonestHeader(), not_before, Signer::kIssuerKey), "token not yet valid");

  json issued_later = HonestClaims();
  issued_later["iat"] = issued_later["iat"].get<int64_t>() + 61;
  ExpectRefused(ForgeToken(HonestHeader(), issued_later, Signer::kIssuerKey),
                "token not yet valid");

  json within_skew = HonestClaims();
  within_skew["nbf"] = within_skew["iat"].get<int64_t>() + 59;
  EXPECT_TRUE(Verify(ForgeToken(HonestHeader(), within_skew, Signer::kIssuerKey)).ok());
}

TEST_F(JwtTest, VerifyRefusesWrongIssuerAndAudience) {
  json issuer = HonestClaims();
  issuer["iss"] = "https://elsewhere.test";
  ExpectRefused(ForgeToken(HonestHeader(), issuer, Signer::kIssuerKey), "wrong issuer");

  json audience = HonestClaims();
  audience["aud"] = "another-api";
  ExpectRefused(ForgeToken(HonestHeader(), audience, Signer::kIssuerKey), "wrong audience");

  json audiences = HonestClaims();
  audiences["aud"] = {"another-api", "a-third-api"};
  ExpectRefused(ForgeToken(HonestHeader(), audiences, Signer::kIssuerKey), "wrong audience");
}

TEST_F(JwtTest, VerifyAcceptsAudienceListContainingOurs) {
  json claims = HonestClaims();
  claims["aud"] = {"another-api", kAudience};
  EXPECT_TRUE(Verify(ForgeToken(HonestHeader(), claims, Signer::kIssuerKey)).ok());
}

TEST_F(JwtTest, VerifyRefusesMissingRequiredClaims) {
  json no_sub = HonestClaims();
  no_sub.erase("sub");
  ExpectRefused(ForgeToken(HonestHeader(), no_sub, Signer::kIssuerKey), "token lacks sub");

  json no_tenant = HonestClaims();
  no_tenant.erase("tenant");
  ExpectRefused(ForgeToken(HonestHeader(), no_tenant, Signer::kIssuerKey), "token lacks tenant");

  json no_exp = HonestClaims();
  no_exp.erase("exp");
  ExpectRefused(ForgeToken(HonestHeader(), no_exp, Signer::kIssuerKey), "token lacks exp");

  json text_exp = HonestClaims();
  text_exp["exp"] = "tomorrow";
  ExpectRefused(ForgeToken(HonestHeader(), text_exp, Signer::kIssuerKey), "token lacks exp");
}

TEST_F(JwtTest, VerifyRefusesCriticalHeaders) {
  json header = HonestHeader();
  header["crit"] = {"exp-policy"};
  ExpectRefused(ForgeToken(header, HonestClaims(), Signer::kIssuerKey),
                "token has unsupported critical headers");
}

TEST_F(JwtTest, VerifyRejectsWrongRoleShapes) {
  json claims = HonestClaims();
  claims["roles"] = "admin";
  ExpectRefused(ForgeToken(HonestHeader(), claims, Signer::kIssuerKey), "token is malformed");
}

TEST_F(JwtTest, JwksPublishesAnRs256SigningKey) {
  json key = issuer_->Jwks()["keys"][0];
  EXPECT_EQ(key["kty"], "RSA");
  EXPECT_EQ(key["use"], "sig");
  EXPECT_EQ(key["alg"], "RS256");
  EXPECT_EQ(key["e"], "AQAB");
  EXPECT_EQ(Base64UrlDecode(key["n"].get<std::string>())->size(), 256u);
  EXPECT_FALSE(key.contains("d"));
}

TEST_F(JwtTest, FromJwksSkipsKeysOfOtherKinds) {
  json jwks = issuer_->Jwks();
  jwks["keys"].insert(jwks["keys"].begin(),
                      json({{"kty", "EC"}, {"kid", "ec-1"}, {"crv", "P-256"}}));
  jwks["keys"].push_back({{"kty", "RSA"}, {"kid", "enc-1"}, {"use", "enc"}});
  jwks["keys"].push_back({{"kty", "RSA"}, {"kid", "broken"}, {"n", "!!"}, {"e", "AQAB"}});

  Result<TokenVerifier> verifier = TokenVerifier::FromJwks(jwks, {kIssuer, kAudience}, clock_);

  ASSERT_TRUE(verifier.ok()) << verifier.status().ToString();
  EXPECT_TRUE(verifier->Verify(IssueToken()).ok());
}

TEST_F(JwtTest, FromJwksRefusesSetsWithoutUsableKeys) {
  json only_ec = {{"keys", {{{"kty", "EC"}, {"kid", "ec-1"}}}}};
  json rsa_without_kid = issuer_->Jwks();
  rsa_without_kid["keys"][0].erase("kid");

  for (const json& jwks : {only_ec, rsa_without_kid, json::object(), json({{"keys", "x"}})}) {
    Result<TokenVerifier> verifier = TokenVerifier::FromJwks(jwks, {kIssuer, kAudience});
    ASSERT_FALSE(verifier.ok()) << jwks.dump();
    EXPECT_EQ(verifier.status().code(), StatusCode::kInvalidArgument);
  }
}

TEST_F(JwtTest, FromJwksRefusesShortRsaKeys) {
  PkeyPtr small(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{1024}));
  BIGNUM* n = nullptr;
  ASSERT_EQ(EVP_PKEY_get_bn_param(small.get(), "n", &n), 1);
  std::string modulus(static_cast<size_t>(BN_num_bytes(n)), '\0');
  BN_bn2bin(n, reinterpret_cast<unsigned char*>(modulus.data()));
  BN_free(n);

  json jwks = {
      {"keys",
       {{{"kty", "RSA"}, {"kid", "small"}, {"n", Base64UrlEncode(modulus)}, {"e", "AQAB"}}}}};
  EXPECT_FALSE(TokenVerifier::FromJwks(jwks, {kIssuer, kAudience}).ok());
}

class DevIssuerKeyFileTest : public testing::Test {
 protected:
  void TearDown() override { fs::remove_all(dir_); }

  Result<DevIssuer> Open() {
    return DevIssuer::LoadOrCreate(KeyPath(), kIssuer, kAudience, clock_);
  }
  fs::path KeyPath() const { return dir_ / "nested" / "dir" / "signing.pem"; }

  fs::path dir_ = fs::temp_directory_path() / ("medulla-auth-key-" + NewUuid());
  ManualClock clock_{kStart};
};

TEST_F(DevIssuerKeyFileTest, CreatesParentDirectoriesAndAnOwnerOnlyFile) {
  ASSERT_TRUE(Open().ok());

  struct stat info {};
  ASSERT_EQ(::stat(KeyPath().c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  EXPECT_NE(ReadFile(KeyPath()).find("-----BEGIN PRIVATE KEY-----"), std::string::npos);
}

TEST_F(DevIssuerKeyFileTest, ReloadsTheSameKeySoEarlierTokensStillVerify) {
  Result<DevIssuer> first = Open();
  ASSERT_TRUE(first.ok());
  TokenRequest request{"user-17", "clinic-a", {}, {}, "", seconds(600)};
  Result<std::string> token = first->Issue(request);
  ASSERT_TRUE(token.ok());

  Result<DevIssuer> second = Open();
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->Jwks(), first->Jwks());

  Result<TokenVerifier> verifier =
      TokenVerifier::FromJwks(second->Jwks(), {kIssuer, kAudience}, clock_);
  ASSERT_TRUE(verifier.ok());
  EXPECT_TRUE(verifier->Verify(*token).ok());
}

TEST_F(DevIssuerKeyFileTest, DifferentKeysGetDifferentKids) {
  Result<DevIssuer> first = Open();
  fs::path other = dir_ / "other.pem";
  Result<DevIssuer> second = DevIssuer::LoadOrCreate(other, kIssuer, kAudience, clock_);
  ASSERT_TRUE(first.ok() && second.ok());

  EXPECT_NE(first->Jwks()["keys"][0]["kid"], second->Jwks()["keys"][0]["kid"]);
}

TEST_F(DevIssuerKeyFileTest, RefusesAFileThatIsNotAKey) {
  fs::create_directories(KeyPath().parent_path());
  std::ofstream(KeyPath()) << "not a key\n";

  Result<DevIssuer> issuer = Open();
  ASSERT_FALSE(issuer.ok());
  EXPECT_EQ(issuer.status().code(), StatusCode::kInvalidArgument);
}

TEST_F(DevIssuerKeyFileTest, RefusesEmptyIssuerOrAudience) {
  EXPECT_FALSE(DevIssuer::LoadOrCreate(KeyPath(), "", kAudience).ok());
  EXPECT_FALSE(DevIssuer::LoadOrCreate(KeyPath(), kIssuer, "").ok());
  EXPECT_FALSE(fs::exists(KeyPath()));
}

}  // namespace
}  // namespace medulla::auth
