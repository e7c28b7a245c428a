#include "auth/es256.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/param_build.h>

#include <memory>

#include "auth/openssl_util.h"

namespace medulla::auth::es256 {
namespace {

using openssl::BnPtr;
using openssl::Bytes;
using openssl::Failed;
using openssl::PkeyCtxPtr;

struct EcdsaSigFree {
  void operator()(ECDSA_SIG* sig) const { ECDSA_SIG_free(sig); }
};

using EcdsaSigPtr = std::unique_ptr<ECDSA_SIG, EcdsaSigFree>;

constexpr char kCurveName[] = "prime256v1";

// Writes `bn` as exactly kCoordinateBytes big-endian bytes, left-padded with zeros.
Result<std::string> FixedWidth(const BIGNUM* bn) {
  std::string out(kCoordinateBytes, '\0');
  if (BN_bn2binpad(bn, reinterpret_cast<unsigned char*>(out.data()),
                   static_cast<int>(kCoordinateBytes)) != static_cast<int>(kCoordinateBytes)) {
    return Failed("an EC number does not fit 32 bytes");
  }
  return out;
}

Result<std::string> ExportCoordinate(EVP_PKEY* key, const char* name) {
  BIGNUM* raw = nullptr;
  if (EVP_PKEY_get_bn_param(key, name, &raw) != 1) {
    return Failed("could not read the EC public point");
  }
  BnPtr bn(raw);
  return FixedWidth(bn.get());
}

// DER ECDSA-Sig-Value to r||s.
Result<std::string> RawFromDer(std::string_view der) {
  const unsigned char* cursor = Bytes(der);
  EcdsaSigPtr sig(d2i_ECDSA_SIG(nullptr, &cursor, static_cast<long>(der.size())));
  if (!sig) {
    return Failed("could not read the ECDSA signature");
  }
  ASSIGN_OR_RETURN(std::string r, FixedWidth(ECDSA_SIG_get0_r(sig.get())));
  ASSIGN_OR_RETURN(std::string s, FixedWidth(ECDSA_SIG_get0_s(sig.get())));
  return r + s;
}

// r||s to DER ECDSA-Sig-Value, or empty when the halves cannot form a signature.
std::string DerFromRaw(std::string_view raw) {
  BnPtr r(BN_bin2bn(Bytes(raw.substr(0, kCoordinateBytes)), kCoordinateBytes, nullptr));
  BnPtr s(BN_bin2bn(Bytes(raw.substr(kCoordinateBytes)), kCoordinateBytes, nullptr));
  EcdsaSigPtr sig(ECDSA_SIG_new());
  if (!r || !s || !sig || BN_is_zero(r.get()) || BN_is_zero(s.get())) {
    return "";
  }
  if (ECDSA_SIG_set0(sig.get(), r.get(), s.get()) != 1) {
    return "";
  }
  r.release();
  s.release();

  unsigned char* der = nullptr;
  int size = i2d_ECDSA_SIG(sig.get(), &der);
  if (size <= 0) {
    return "";
  }
  std::string out(reinterpret_cast<const char*>(der), static_cast<size_t>(size));
  OPENSSL_free(der);
  return out;
}

}  // namespace

Result<KeyPtr> GenerateKey() {
  EVP_PKEY* raw = EVP_EC_gen(kCurveName);
  if (raw == nullptr) {
    return Failed("EC key generation failed");
  }
  return KeyPtr(raw);
}

bool IsP256(EVP_PKEY* key) {
  if (EVP_PKEY_is_a(key, "EC") != 1) {
    return false;
  }
  char group[64] = {};
  size_t length = 0;
  bool named = EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group),
                                              &length) == 1;
  ERR_clear_error();
  return named && std::string_view(group, length) == kCurveName;
}

Result<KeyPtr> PublicKeyFromCoordinates(std::string_view x, std::string_view y) {
  if (x.size() != kCoordinateBytes || y.size() != kCoordinateBytes) {
    return InvalidArgument("a P-256 coordinate must be 32 bytes");
  }

  // Uncompressed SEC1 point: 0x04 || x || y.
  std::string point = "\x04" + std::string(x) + std::string(y);
  openssl::ParamBldPtr builder(OSSL_PARAM_BLD_new());
  if (!builder ||
      OSSL_PARAM_BLD_push_utf8_string(builder.get(), OSSL_PKEY_PARAM_GROUP_NAME, kCurveName, 0) !=
          1 ||
      OSSL_PARAM_BLD_push_octet_string(builder.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                       point.size()) != 1) {
    return Failed("could not build the EC key parameters");
  }
  ASSIGN_OR_RETURN(KeyPtr key,
                   openssl::PublicKeyFromParams("EC", builder.get(), "EC",
                                                "the EC coordinates do not form a P-256 point"));

  // fromdata decodes the point; an explicit check makes the on-curve test independent of
  // provider behaviour, since an off-curve point enables invalid-curve attacks.
  PkeyCtxPtr check(EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr));
  if (!check || EVP_PKEY_public_check(check.get()) != 1) {
    ERR_clear_error();
    return InvalidArgument("the EC coordinates do not form a P-256 point");
  }
  return key;
}

Result<Coordinates> ExportCoordinates(EVP_PKEY* key) {
  ASSIGN_OR_RETURN(std::string x, ExportCoordinate(key, OSSL_PKEY_PARAM_EC_PUB_X));
  ASSIGN_OR_RETURN(std::string y, ExportCoordinate(key, OSSL_PKEY_PARAM_EC_PUB_Y));
  return Coordinates{std::move(x), std::move(y)};
}

Result<std::string> Sign(EVP_PKEY* key, std::string_view data) {
  ASSIGN_OR_RETURN(std::string der, openssl::SignSha256(key, data));
  return RawFromDer(der);
}

bool Verify(EVP_PKEY* key, std::string_view data, std::string_view signature) {
  if (signature.size() != 2 * kCoordinateBytes) {
    return false;
  }
  std::string der = DerFromRaw(signature);
  if (der.empty()) {
    ERR_clear_error();
    return false;
  }
  return openssl::VerifySha256(key, data, der);
}

}  // namespace medulla::auth::es256
