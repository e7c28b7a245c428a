#include "fhir/smart_backend_auth.h"

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

#include <fstream>
#include <sstream>

#include "auth/jwt.h"
#include "auth/openssl_util.h"
#include "auth/rs256.h"
#include "common/ids.h"
#include "common/log.h"
#include "http/client.h"

namespace medulla::fhir {
namespace {

using nlohmann::json;
namespace openssl = auth::openssl;

constexpr size_t kP384CoordinateBytes = 48;
// The longest a client assertion may live; the specification caps it at five minutes.
constexpr std::chrono::minutes kAssertionLifetime{4};

struct BioFree {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
struct EcdsaSigFree {
  void operator()(ECDSA_SIG* sig) const { ECDSA_SIG_free(sig); }
};

Result<auth::rs256::KeyPtr> ParsePrivateKey(const std::string& pem, AssertionAlgorithm alg) {
  std::unique_ptr<BIO, BioFree> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  EVP_PKEY* raw = bio ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr) : nullptr;
  if (raw == nullptr) {
    ERR_clear_error();
    return InvalidArgument("the client key is not an unencrypted PEM private key");
  }
  auth::rs256::KeyPtr key(raw);

  const bool rsa = EVP_PKEY_is_a(raw, "RSA") == 1;
  const bool ec = EVP_PKEY_is_a(raw, "EC") == 1;
  if (alg == AssertionAlgorithm::kRs384 && !rsa)
    return InvalidArgument("RS384 needs an RSA client key");
  if (alg == AssertionAlgorithm::kEs384) {
    char curve[64] = {};
    size_t length = 0;
    if (!ec ||
        EVP_PKEY_get_utf8_string_param(raw, OSSL_PKEY_PARAM_GROUP_NAME, curve, sizeof(curve),
                                       &length) != 1 ||
        std::string(curve) != "secp384r1") {
      ERR_clear_error();
      return InvalidArgument("ES384 needs a P-384 client key");
    }
  }
  return key;
}

Result<std::string> BigNumParam(EVP_PKEY* key, const char* name, size_t width) {
  BIGNUM* raw = nullptr;
  if (EVP_PKEY_get_bn_param(key, name, &raw) != 1)
    return openssl::Failed("could not read a public key parameter");
  openssl::BnPtr number(raw);
  std::string bytes(width, '\0');
  if (BN_bn2binpad(number.get(), reinterpret_cast<unsigned char*>(bytes.data()),
                   static_cast<int>(width)) < 0) {
    return openssl::Failed("a public key parameter is too wide");
  }
  return bytes;
}

// The public members of the JWK in RFC 7638's lexicographic order, which is also the
// thumbprint's input once serialised without whitespace.
Result<json> PublicMembers(EVP_PKEY* key, AssertionAlgorithm alg) {
  if (alg == AssertionAlgorithm::kRs384) {
    ASSIGN_OR_RETURN(auth::rs256::PublicNumbers numbers, auth::rs256::ExportPublicNumbers(key));
    return json{{"e", auth::Base64UrlEncode(numbers.exponent)},
                {"kty", "RSA"},
                {"n", auth::Base64UrlEncode(numbers.modulus)}};
  }
  ASSIGN_OR_RETURN(std::string x, BigNumParam(key, OSSL_PKEY_PARAM_EC_PUB_X, kP384CoordinateBytes));
  ASSIGN_OR_RETURN(std::string y, BigNumParam(key, OSSL_PKEY_PARAM_EC_PUB_Y, kP384CoordinateBytes));
  return json{{"crv", "P-384"},
              {"kty", "EC"},
              {"x", auth::Base64UrlEncode(x)},
              {"y", auth::Base64UrlEncode(y)}};
}

std::string Thumbprint(const json& members) {
  const std::string input = members.dump();  // nlohmann sorts keys and adds no whitespace
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(input.data(), input.size(), digest, &length, EVP_sha256(), nullptr);
  return auth::Base64UrlEncode(std::string(reinterpret_cast<char*>(digest), length));
}

// JWS carries ECDSA signatures as r||s of fixed width; OpenSSL produces DER.
Result<std::string> DerToJoseSignature(const std::string& der) {
  const unsigned char* cursor = openssl::Bytes(der);
  std::unique_ptr<ECDSA_SIG, EcdsaSigFree> sig(
      d2i_ECDSA_SIG(nullptr, &cursor, static_cast<long>(der.size())));
  if (!sig)
    return openssl::Failed("could not decode the ECDSA signature");
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(sig.get(), &r, &s);
  std::string out(2 * kP384CoordinateBytes, '\0');
  auto* bytes = reinterpret_cast<unsigned char*>(out.data());
  if (BN_bn2binpad(r, bytes, kP384CoordinateBytes) < 0 ||
      BN_bn2binpad(s, bytes + kP384CoordinateBytes, kP384CoordinateBytes) < 0) {
    return openssl::Failed("an ECDSA signature half is too wide");
  }
  return out;
}

std::string RandomJti() {
  unsigned char bytes[24];
  if (RAND_bytes(bytes, sizeof(bytes)) != 1)
    return NewUuid();
  return auth::Base64UrlEncode(std::string(reinterpret_cast<char*>(bytes), sizeof(bytes)));
}

std::string FormBody(const std::vector<std::pair<std::string, std::string>>& fields) {
  std::string body;
  for (const auto& [name, value] : fields) {
    if (!body.empty())
      body += "&";
    body += name + "=" + http::UrlEncode(value);
  }
  return body;
}

// The token endpoint's refusal, by its OAuth error code only: descriptions may echo input.
Status RefusalFor(const http::ClientResponse& response) {
  if (response.status == 429 || response.status >= 500)
    return Unavailable("token endpoint answered " + std::to_string(response.status));
  json body = json::parse(response.body, nullptr, false);
  std::string code = body.is_object() ? body.value("error", "no error code") : "no error code";
  if (code.size() > 40 ||
      code.find_first_not_of("abcdefghijklmnopqrstuvwxyz_") != std::string::npos)
    code = "unrecognised error code";
  return PermissionDenied("token endpoint refused the client (" + std::to_string(response.status) +
                          ", " + code + ")");
}

}  // namespace

struct SmartBackendAuth::Key {
  auth::rs256::KeyPtr pkey;
  std::string kid;
};

Result<std::unique_ptr<SmartBackendAuth>> SmartBackendAuth::Create(BackendServicesConfig config,
                                                                   http::Client& client,
                                                                   const Clock& clock) {
  if (config.token_url.empty() || config.client_id.empty())
    return InvalidArgument("backend services need a token URL and a client id");
  auto key = std::make_unique<Key>();
  ASSIGN_OR_RETURN(key->pkey, ParsePrivateKey(config.private_key_pem, config.algorithm));
  key->kid = config.kid;
  if (key->kid.empty()) {
    ASSIGN_OR_RETURN(json members, PublicMembers(key->pkey.get(), config.algorithm));
    key->kid = Thumbprint(members);
  }
  return std::unique_ptr<SmartBackendAuth>(
      new SmartBackendAuth(std::move(config), std::move(key), client, clock));
}

SmartBackendAuth::SmartBackendAuth(BackendServicesConfig config, std::unique_ptr<Key> key,
                                   http::Client& client, const Clock& clock)
    : config_(std::move(config)), key_(std::move(key)), client_(&client), clock_(&clock) {}

SmartBackendAuth::~SmartBackendAuth() = default;

Result<std::string> SmartBackendAuth::BearerToken() {
  std::unique_lock lock(mutex_);
  if (!token_.empty() && clock_->Now() < renew_at_)
    return token_;

  if (fetching_) {
    const uint64_t awaited = generation_;
    fetched_.wait(lock, [&] { return generation_ != awaited; });
    if (!last_fetch_.ok())
      return last_fetch_;
    return token_;
  }

  fetching_ = true;
  ++fetches_;
  lock.unlock();
  Result<Fetched> fetched = Fetch();
  lock.lock();

  fetching_ = false;
  ++generation_;
  last_fetch_ = fetched.status();
  if (fetched.ok()) {
    token_ = fetched->token;
    renew_at_ = fetched->renew_at;
  }
  fetched_.notify_all();
  if (!fetched.ok())
    return fetched.status();
  return token_;
}

void SmartBackendAuth::Invalidate() {
  std::lock_guard lock(mutex_);
  token_.clear();
}

uint64_t SmartBackendAuth::fetches() const {
  std::lock_guard lock(mutex_);
  return fetches_;
}

Result<std::string> SmartBackendAuth::Assertion() const {
  const auto now =
      std::chrono::duration_cast<std::chrono::seconds>(clock_->Now().time_since_epoch()).count();
  const json header = {
      {"alg", AssertionAlgorithmName(config_.algorithm)}, {"typ", "JWT"}, {"kid", key_->kid}};
  const json claims = {{"iss", config_.client_id},
                       {"sub", config_.client_id},
                       {"aud", config_.token_url},
                       {"jti", RandomJti()},
                       {"iat", now},
                       {"exp", now + std::chrono::seconds(kAssertionLifetime).count()}};
  const std::string input =
      auth::Base64UrlEncode(header.dump()) + "." + auth::Base64UrlEncode(claims.dump());

  ASSIGN_OR_RETURN(std::string signature, openssl::SignSha384(key_->pkey.get(), input));
  if (config_.algorithm == AssertionAlgorithm::kEs384) {
    ASSIGN_OR_RETURN(signature, DerToJoseSignature(signature));
  }
  return input + "." + auth::Base64UrlEncode(signature);
}

Result<SmartBackendAuth::Fetched> SmartBackendAuth::Fetch() {
  ASSIGN_OR_RETURN(std::string assertion, Assertion());
  std::string scope;
  for (const std::string& one : config_.scopes)
    scope += (scope.empty() ? "" : " ") + one;

  http::ClientRequest request;
  request.method = "POST";
  request.url = config_.token_url;
  request.headers["Content-Type"] = "application/x-www-form-urlencoded";
  request.headers["Accept"] = "application/json";
  request.body =
      FormBody({{"grant_type", "client_credentials"},
                {"scope", scope},
                {"client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"},
                {"client_assertion", assertion}});
  const TimePoint sent_at = clock_->Now();
  ASSIGN_OR_RETURN(http::ClientResponse response, client_->Send(request));
  if (response.status != 200) {
    Status refusal = RefusalFor(response);
    log::Warn("fhir", "ehr.token.refused", {{"status", response.status}});
    return refusal;
  }

  json body = json::parse(response.body, nullptr, false);
  if (!body.is_object() || !body.contains("access_token") || !body["access_token"].is_string() ||
      body["access_token"].get<std::string>().empty()) {
    return Unavailable("token endpoint answered without an access token");
  }
  long long expires_in = 300;
  if (body.contains("expires_in") && body["expires_in"].is_number_integer())
    expires_in = body["expires_in"].get<long long>();
  // A token that lives less than the margin is still used once rather than refetched forever.
  auto lifetime = std::chrono::seconds(expires_in) - config_.refresh_margin;
  if (lifetime < std::chrono::seconds(0))
    lifetime = std::chrono::seconds(0);

  log::Info("fhir", "ehr.token.fetched", {{"expires_in", expires_in}});
  return Fetched{body["access_token"].get<std::string>(), sent_at + lifetime};
}

Result<std::string> ReadPemFile(const std::string& path) {
  std::ifstream in(path);
  if (!in)
    return NotFound("client key file cannot be read: " + path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

Result<std::string> GenerateClientKeyPem(AssertionAlgorithm alg) {
  EVP_PKEY* raw = alg == AssertionAlgorithm::kRs384
                      ? EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{3072})
                      : EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384");
  if (raw == nullptr)
    return openssl::Failed("could not generate a client key");
  auth::rs256::KeyPtr key(raw);
  return auth::rs256::WritePrivateKeyPem(key.get());
}

Result<json> PublicJwksForPem(const std::string& private_key_pem, AssertionAlgorithm alg,
                              const std::string& kid) {
  ASSIGN_OR_RETURN(auth::rs256::KeyPtr key, ParsePrivateKey(private_key_pem, alg));
  ASSIGN_OR_RETURN(json jwk, PublicMembers(key.get(), alg));
  jwk["kid"] = kid.empty() ? Thumbprint(jwk) : kid;
  jwk["alg"] = AssertionAlgorithmName(alg);
  jwk["use"] = "sig";
  return json{{"keys", json::array({jwk})}};
}

}  // namespace medulla::fhir
