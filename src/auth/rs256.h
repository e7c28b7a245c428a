// RS256 primitives over OpenSSL 3's EVP interface, shared by the issuer and the verifier.
// Internal to the auth part: other parts use jwt.h.
//
// Every OpenSSL object is owned by a unique_ptr with the matching free function. All
// functions are thread-safe; a key may be used by many threads at once for signing or
// verification because each call works on its own digest context.
#pragma once

#include <openssl/evp.h>

#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"

namespace medulla::auth::rs256 {

struct PkeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
using KeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;

// Returns a fresh RSA private key of `bits` bits.
Result<KeyPtr> GenerateKey(int bits);

// Returns the PKCS#8 PEM form of `key`.
Result<std::string> WritePrivateKeyPem(EVP_PKEY* key);

// Returns the SubjectPublicKeyInfo PEM form of `key`'s public half.
Result<std::string> WritePublicKeyPem(EVP_PKEY* key);

// Builds an RSA public key from the big-endian bytes of its modulus and exponent, as a
// JWK carries them. Refuses moduli shorter than 2048 bits.
Result<KeyPtr> PublicKeyFromModulus(std::string_view modulus, std::string_view exponent);

struct PublicNumbers {
  std::string modulus;   // big-endian bytes
  std::string exponent;  // big-endian bytes
};
Result<PublicNumbers> ExportPublicNumbers(EVP_PKEY* key);

// Returns a stable identifier of `key`'s public half: base64url of the first 16 bytes of
// the SHA-256 of its DER SubjectPublicKeyInfo.
Result<std::string> KeyId(EVP_PKEY* key);

// Returns the RSASSA-PKCS1-v1_5 SHA-256 signature of `data`.
Result<std::string> Sign(EVP_PKEY* key, std::string_view data);

// True when `signature` is a valid RS256 signature of `data` under `key`.
bool Verify(EVP_PKEY* key, std::string_view data, std::string_view signature);

}  // namespace medulla::auth::rs256
