// OpenSSL plumbing shared by the RS256 and ES256 code: owning pointers, error-queue hygiene,
// SHA-256 and SHA-384 signatures over any key, and building a public key from parameters. Internal
// to auth.
#pragma once

#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include <memory>
#include <string>
#include <string_view>

#include "auth/rs256.h"
#include "common/status.h"

namespace medulla::auth::openssl {

struct PkeyCtxFree {
  void operator()(EVP_PKEY_CTX* ctx) const { EVP_PKEY_CTX_free(ctx); }
};
struct BnFree {
  void operator()(BIGNUM* bn) const { BN_free(bn); }
};
struct ParamBldFree {
  void operator()(OSSL_PARAM_BLD* bld) const { OSSL_PARAM_BLD_free(bld); }
};

using PkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, PkeyCtxFree>;
using BnPtr = std::unique_ptr<BIGNUM, BnFree>;
using ParamBldPtr = std::unique_ptr<OSSL_PARAM_BLD, ParamBldFree>;

// OpenSSL keeps a per-thread error queue; a failure already turned into a Status must not
// linger there and be misreported by the next unrelated call on this thread.
Status Failed(std::string message);

inline const unsigned char* Bytes(std::string_view text) {
  return reinterpret_cast<const unsigned char*>(text.data());
}

// The signature over SHA-256 of `data` in the key's native encoding (DER for ECDSA).
Result<std::string> SignSha256(EVP_PKEY* key, std::string_view data);

// The signature over SHA-384 of `data` in the key's native encoding (DER for ECDSA), for
// RS384 and ES384 client assertions.
Result<std::string> SignSha384(EVP_PKEY* key, std::string_view data);

// True when `signature` (native encoding) verifies `data` under `key`.
bool VerifySha256(EVP_PKEY* key, std::string_view data, std::string_view signature);

// The SHA-384 counterpart of VerifySha256.
bool VerifySha384(EVP_PKEY* key, std::string_view data, std::string_view signature);

// A public key of `type` ("RSA", "EC") from the parameters in `builder`. `what` names the key
// in error messages; `refusal` is the message when the parameters do not form a key.
Result<rs256::KeyPtr> PublicKeyFromParams(const char* type, OSSL_PARAM_BLD* builder,
                                          const std::string& what, const std::string& refusal);

}  // namespace medulla::auth::openssl
