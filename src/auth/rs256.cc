#include "auth/rs256.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include <array>

#include "auth/jwt.h"
#include "auth/openssl_util.h"

namespace medulla::auth::rs256 {
namespace {

using openssl::BnPtr;
using openssl::Bytes;
using openssl::Failed;
using openssl::PkeyCtxPtr;

constexpr int kMinimumBits = 2048;
// Larger moduli only make verification slow enough to be a denial of service.
constexpr size_t kMaximumModulusBytes = 16384 / 8;
constexpr size_t kMaximumExponentBytes = 8;

struct BioFree {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
struct OpensslFree {
  void operator()(unsigned char* bytes) const { OPENSSL_free(bytes); }
};

using BioPtr = std::unique_ptr<BIO, BioFree>;

Result<std::string> DrainBio(BIO* bio) {
  char* data = nullptr;
  long size = BIO_get_mem_data(bio, &data);
  if (size <= 0 || data == nullptr) {
    return Failed("could not serialise the key");
  }
  return std::string(data, static_cast<size_t>(size));
}

std::string BignumBytes(const BIGNUM* bn) {
  std::string bytes(static_cast<size_t>(BN_num_bytes(bn)), '\0');
  BN_bn2bin(bn, reinterpret_cast<unsigned char*>(bytes.data()));
  return bytes;
}

Result<std::string> ExportBignum(EVP_PKEY* key, const char* name) {
  BIGNUM* raw = nullptr;
  if (EVP_PKEY_get_bn_param(key, name, &raw) != 1) {
    return Failed("could not read the RSA public numbers");
  }
  BnPtr bn(raw);
  return BignumBytes(bn.get());
}

}  // namespace

Result<KeyPtr> GenerateKey(int bits) {
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr));
  if (!ctx || EVP_PKEY_keygen_init(ctx.get()) != 1 ||
      EVP_PKEY_CTX_set_rsa_keygen_bits(ctx.get(), bits) != 1) {
    return Failed("could not set up RSA key generation");
  }

  EVP_PKEY* raw = nullptr;
  if (EVP_PKEY_keygen(ctx.get(), &raw) != 1) {
    return Failed("RSA key generation failed");
  }
  return KeyPtr(raw);
}

Result<std::string> WritePrivateKeyPem(EVP_PKEY* key) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio ||
      PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    return Failed("could not serialise the private key");
  }
  return DrainBio(bio.get());
}

Result<std::string> WritePublicKeyPem(EVP_PKEY* key) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PUBKEY(bio.get(), key) != 1) {
    return Failed("could not serialise the public key");
  }
  return DrainBio(bio.get());
}

Result<KeyPtr> PublicKeyFromModulus(std::string_view modulus, std::string_view exponent) {
  if (modulus.size() > kMaximumModulusBytes || exponent.size() > kMaximumExponentBytes) {
    return InvalidArgument("the RSA key is larger than accepted");
  }

  BnPtr n(BN_bin2bn(Bytes(modulus), static_cast<int>(modulus.size()), nullptr));
  BnPtr e(BN_bin2bn(Bytes(exponent), static_cast<int>(exponent.size()), nullptr));
  if (!n || !e) {
    return Failed("could not read the RSA public numbers");
  }
  if (BN_num_bits(n.get()) < kMinimumBits || BN_is_zero(e.get())) {
    return InvalidArgument("the RSA key is too short or its exponent is zero");
  }

  openssl::ParamBldPtr builder(OSSL_PARAM_BLD_new());
  if (!builder || OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_N, n.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_E, e.get()) != 1) {
    return Failed("could not build the RSA key parameters");
  }
  return openssl::PublicKeyFromParams("RSA", builder.get(), "RSA",
                                      "the RSA public numbers do not form a key");
}

Result<PublicNumbers> ExportPublicNumbers(EVP_PKEY* key) {
  ASSIGN_OR_RETURN(std::string modulus, ExportBignum(key, OSSL_PKEY_PARAM_RSA_N));
  ASSIGN_OR_RETURN(std::string exponent, ExportBignum(key, OSSL_PKEY_PARAM_RSA_E));
  return PublicNumbers{std::move(modulus), std::move(exponent)};
}

Result<std::string> KeyId(EVP_PKEY* key) {
  unsigned char* raw_der = nullptr;
  int der_size = i2d_PUBKEY(key, &raw_der);
  if (der_size <= 0) {
    return Failed("could not encode the public key");
  }
  std::unique_ptr<unsigned char, OpensslFree> der(raw_der);

  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int digest_size = 0;
  if (EVP_Digest(der.get(), static_cast<size_t>(der_size), digest.data(), &digest_size,
                 EVP_sha256(), nullptr) != 1) {
    return Failed("could not digest the public key");
  }

  // Sixteen bytes are plenty to tell a handful of keys apart and keep headers short.
  return Base64UrlEncode(std::string_view(reinterpret_cast<const char*>(digest.data()), 16));
}

Result<std::string> Sign(EVP_PKEY* key, std::string_view data) {
  return openssl::SignSha256(key, data);
}

bool Verify(EVP_PKEY* key, std::string_view data, std::string_view signature) {
  return openssl::VerifySha256(key, data, signature);
}

}  // namespace medulla::auth::rs256
