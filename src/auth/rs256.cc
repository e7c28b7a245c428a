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

namespace medulla::auth::rs256 {
namespace {

constexpr int kMinimumBits = 2048;
// Larger moduli only make verification slow enough to be a denial of service.
constexpr size_t kMaximumModulusBytes = 16384 / 8;
constexpr size_t kMaximumExponentBytes = 8;

struct BioFree {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
struct PkeyCtxFree {
  void operator()(EVP_PKEY_CTX* ctx) const { EVP_PKEY_CTX_free(ctx); }
};
struct MdCtxFree {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
struct BnFree {
  void operator()(BIGNUM* bn) const { BN_free(bn); }
};
struct ParamBldFree {
  void operator()(OSSL_PARAM_BLD* bld) const { OSSL_PARAM_BLD_free(bld); }
};
struct ParamFree {
  void operator()(OSSL_PARAM* params) const { OSSL_PARAM_free(params); }
};
struct OpensslFree {
  void operator()(unsigned char* bytes) const { OPENSSL_free(bytes); }
};

using BioPtr = std::unique_ptr<BIO, BioFree>;
using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;
using BnPtr = std::unique_ptr<BIGNUM, BnFree>;

// OpenSSL keeps a per-thread error queue; a failure we have already turned into a Status
// must not linger there and be misreported by the next unrelated call on this thread.
Status Failed(std::string message) {
  ERR_clear_error();
  return Internal(std::move(message));
}

const unsigned char* Bytes(std::string_view text) {
  return reinterpret_cast<const unsigned char*>(text.data());
}

// Refuses a passphrase-protected PEM instead of letting OpenSSL prompt on the terminal.
int NoPassphrase(char*, int, int, void*) {
  return 0;
}

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

bool IsStrongRsa(EVP_PKEY* key) {
  return EVP_PKEY_is_a(key, "RSA") == 1 && EVP_PKEY_get_bits(key) >= kMinimumBits;
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

Result<KeyPtr> ReadPrivateKeyPem(std::string_view pem) {
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  if (!bio) {
    return Failed("could not read the private key");
  }

  KeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, NoPassphrase, nullptr));
  if (!key) {
    ERR_clear_error();
    return InvalidArgument("the private key file is not an unencrypted PEM private key");
  }
  if (!IsStrongRsa(key.get())) {
    return InvalidArgument("the private key must be RSA of at least 2048 bits");
  }
  return key;
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

  std::unique_ptr<OSSL_PARAM_BLD, ParamBldFree> builder(OSSL_PARAM_BLD_new());
  if (!builder || OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_N, n.get()) != 1 ||
      OSSL_PARAM_BLD_push_BN(builder.get(), OSSL_PKEY_PARAM_RSA_E, e.get()) != 1) {
    return Failed("could not build the RSA key parameters");
  }
  std::unique_ptr<OSSL_PARAM, ParamFree> params(OSSL_PARAM_BLD_to_param(builder.get()));
  if (!params) {
    return Failed("could not build the RSA key parameters");
  }

  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr));
  EVP_PKEY* raw = nullptr;
  if (!ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    ERR_clear_error();
    return InvalidArgument("the RSA public numbers do not form a key");
  }
  return KeyPtr(raw);
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
  MdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key) != 1) {
    return Failed("could not set up signing");
  }

  size_t size = 0;
  if (EVP_DigestSign(ctx.get(), nullptr, &size, Bytes(data), data.size()) != 1) {
    return Failed("could not size the signature");
  }
  std::string signature(size, '\0');
  if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(signature.data()), &size,
                     Bytes(data), data.size()) != 1) {
    return Failed("signing failed");
  }
  signature.resize(size);
  return signature;
}

bool Verify(EVP_PKEY* key, std::string_view data, std::string_view signature) {
  MdCtxPtr ctx(EVP_MD_CTX_new());
  bool valid = ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key) == 1 &&
               EVP_DigestVerify(ctx.get(), Bytes(signature), signature.size(), Bytes(data),
                                data.size()) == 1;
  ERR_clear_error();
  return valid;
}

}  // namespace medulla::auth::rs256
