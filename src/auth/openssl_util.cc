#include "auth/openssl_util.h"

#include <openssl/err.h>

namespace medulla::auth::openssl {
namespace {

struct MdCtxFree {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
struct ParamFree {
  void operator()(OSSL_PARAM* params) const { OSSL_PARAM_free(params); }
};

using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;

Result<std::string> SignWith(const EVP_MD* digest, EVP_PKEY* key, std::string_view data) {
  MdCtxPtr ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, digest, nullptr, key) != 1) {
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

bool VerifyWith(const EVP_MD* digest, EVP_PKEY* key, std::string_view data,
                std::string_view signature) {
  MdCtxPtr ctx(EVP_MD_CTX_new());
  bool valid = ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, digest, nullptr, key) == 1 &&
               EVP_DigestVerify(ctx.get(), Bytes(signature), signature.size(), Bytes(data),
                                data.size()) == 1;
  ERR_clear_error();
  return valid;
}

}  // namespace

Status Failed(std::string message) {
  ERR_clear_error();
  return Internal(std::move(message));
}

Result<std::string> SignSha256(EVP_PKEY* key, std::string_view data) {
  return SignWith(EVP_sha256(), key, data);
}

Result<std::string> SignSha384(EVP_PKEY* key, std::string_view data) {
  return SignWith(EVP_sha384(), key, data);
}

bool VerifySha256(EVP_PKEY* key, std::string_view data, std::string_view signature) {
  return VerifyWith(EVP_sha256(), key, data, signature);
}

bool VerifySha384(EVP_PKEY* key, std::string_view data, std::string_view signature) {
  return VerifyWith(EVP_sha384(), key, data, signature);
}

Result<rs256::KeyPtr> PublicKeyFromParams(const char* type, OSSL_PARAM_BLD* builder,
                                          const std::string& what, const std::string& refusal) {
  std::unique_ptr<OSSL_PARAM, ParamFree> params(OSSL_PARAM_BLD_to_param(builder));
  if (!params)
    return Failed("could not build the " + what + " key parameters");

  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  EVP_PKEY* raw = nullptr;
  if (!ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    ERR_clear_error();
    return InvalidArgument(refusal);
  }
  return rs256::KeyPtr(raw);
}

}  // namespace medulla::auth::openssl
