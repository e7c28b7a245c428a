// Test-side token minting with raw OpenSSL, independent of the auth part's own signing code,
// so that a bug shared by signer and verifier cannot hide. A TestIssuer holds one RSA or P-256
// key under a kid and can sign honest tokens or forge dishonest ones.
#pragma once

#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>

#include <chrono>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "auth/jwt.h"
#include "common/time.h"

namespace medulla::auth::testing {

struct PkeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
using PkeyPtr = std::shared_ptr<EVP_PKEY>;

inline int64_t EpochSeconds(TimePoint at) {
  return std::chrono::duration_cast<std::chrono::seconds>(at.time_since_epoch()).count();
}

inline std::string HmacSha256(const std::string& secret, const std::string& data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest, &size);
  return std::string(reinterpret_cast<const char*>(digest), size);
}

inline std::string BignumBytes(EVP_PKEY* key, const char* name, int width = 0) {
  BIGNUM* bn = nullptr;
  EXPECT_EQ(EVP_PKEY_get_bn_param(key, name, &bn), 1);
  int size = width > 0 ? width : BN_num_bytes(bn);
  std::string bytes(static_cast<size_t>(size), '\0');
  BN_bn2binpad(bn, reinterpret_cast<unsigned char*>(bytes.data()), size);
  BN_free(bn);
  return bytes;
}

class TestIssuer {
 public:
  static TestIssuer Rsa(std::string kid) {
    return TestIssuer(
        JwsAlgorithm::kRs256, std::move(kid),
        PkeyPtr(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{2048}), EVP_PKEY_free));
  }

  static TestIssuer Ec(std::string kid) {
    return TestIssuer(JwsAlgorithm::kEs256, std::move(kid),
                      PkeyPtr(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"), EVP_PKEY_free));
  }

  JwsAlgorithm alg() const { return alg_; }
  const char* alg_name() const { return JwsAlgorithmName(alg_); }
  const std::string& kid() const { return kid_; }

  nlohmann::json Jwk() const {
    if (alg_ == JwsAlgorithm::kRs256) {
      return {{"kty", "RSA"},
              {"kid", kid_},
              {"use", "sig"},
              {"alg", "RS256"},
              {"n", Base64UrlEncode(BignumBytes(key_.get(), OSSL_PKEY_PARAM_RSA_N))},
              {"e", Base64UrlEncode(BignumBytes(key_.get(), OSSL_PKEY_PARAM_RSA_E))}};
    }
    return {{"kty", "EC"},
            {"crv", "P-256"},
            {"kid", kid_},
            {"use", "sig"},
            {"alg", "ES256"},
            {"x", Base64UrlEncode(BignumBytes(key_.get(), OSSL_PKEY_PARAM_EC_PUB_X, 32))},
            {"y", Base64UrlEncode(BignumBytes(key_.get(), OSSL_PKEY_PARAM_EC_PUB_Y, 32))}};
  }

  nlohmann::json Jwks() const { return {{"keys", {Jwk()}}}; }

  nlohmann::json Header() const { return {{"alg", alg_name()}, {"typ", "JWT"}, {"kid", kid_}}; }

  // An honest token: the header this key should produce, signed by this key.
  std::string Token(const nlohmann::json& claims) const { return Forge(Header(), claims); }

  // Any header, signed by this key in the form its own algorithm produces.
  std::string Forge(const nlohmann::json& header, const nlohmann::json& claims) const {
    std::string input = SigningInput(header, claims);
    return input + "." + Base64UrlEncode(Sign(input));
  }

  // Returns the JWS-form signature: PKCS#1 v1.5 bytes for RSA, r||s for EC.
  std::string Sign(const std::string& input) const {
    std::string der = DigestSign(input);
    if (alg_ == JwsAlgorithm::kRs256) {
      return der;
    }
    const auto* cursor = reinterpret_cast<const unsigned char*>(der.data());
    ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &cursor, static_cast<long>(der.size()));
    std::string raw(64, '\0');
    BN_bn2binpad(ECDSA_SIG_get0_r(sig), reinterpret_cast<unsigned char*>(raw.data()), 32);
    BN_bn2binpad(ECDSA_SIG_get0_s(sig), reinterpret_cast<unsigned char*>(raw.data()) + 32, 32);
    ECDSA_SIG_free(sig);
    return raw;
  }

  // The DER signature OpenSSL produces, which a JWS must not carry for ES256.
  std::string DigestSign(const std::string& input) const {
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    const auto* bytes = reinterpret_cast<const unsigned char*>(input.data());
    size_t size = 0;
    EXPECT_EQ(EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key_.get()), 1);
    EXPECT_EQ(EVP_DigestSign(ctx.get(), nullptr, &size, bytes, input.size()), 1);
    std::string signature(size, '\0');
    EXPECT_EQ(EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &size,
                             bytes, input.size()),
              1);
    signature.resize(size);
    return signature;
  }

  std::string PublicKeyPem() const {
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
    PEM_write_bio_PUBKEY(bio.get(), key_.get());
    char* data = nullptr;
    long size = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<size_t>(size));
  }

  static std::string SigningInput(const nlohmann::json& header, const nlohmann::json& claims) {
    return Base64UrlEncode(header.dump()) + "." + Base64UrlEncode(claims.dump());
  }

 private:
  TestIssuer(JwsAlgorithm alg, std::string kid, PkeyPtr key)
      : alg_(alg), kid_(std::move(kid)), key_(std::move(key)) {
    EXPECT_NE(key_, nullptr);
  }

  JwsAlgorithm alg_;
  std::string kid_;
  PkeyPtr key_;
};

// Claims an honest issuer would write, valid for ten minutes from `now`.
inline nlohmann::json HonestClaims(const std::string& issuer, const std::string& audience,
                                   TimePoint now) {
  int64_t at = EpochSeconds(now);
  return {{"iss", issuer},      {"aud", audience},
          {"sub", "user-17"},   {"tenant", "clinic-a"},
          {"roles", {"nurse"}}, {"scope", "user/Patient.rs"},
          {"sid", "session-1"}, {"jti", "token-1"},
          {"iat", at},          {"nbf", at},
          {"exp", at + 600}};
}

}  // namespace medulla::auth::testing
