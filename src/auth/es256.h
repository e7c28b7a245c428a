// ES256 primitives (ECDSA over P-256 with SHA-256) over OpenSSL 3's EVP interface. Internal to
// the auth part: other parts use jwt.h, grant.h and multi_issuer.h.
//
// A JWS carries an ES256 signature as the fixed-width concatenation r||s (64 bytes), while
// OpenSSL speaks DER ECDSA-Sig-Value; Sign and Verify convert at this boundary so that no other
// file sees DER. All functions are thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "auth/rs256.h"
#include "common/status.h"

namespace medulla::auth::es256 {

using KeyPtr = rs256::KeyPtr;

// The length of one coordinate or one signature half, in bytes.
inline constexpr size_t kCoordinateBytes = 32;

// Returns a fresh P-256 private key.
Result<KeyPtr> GenerateKey();

// True when `key` is an EC key on P-256.
bool IsP256(EVP_PKEY* key);

// Builds a P-256 public key from the big-endian x and y coordinates a JWK carries (32 bytes
// each). Refuses points that are not on the curve.
Result<KeyPtr> PublicKeyFromCoordinates(std::string_view x, std::string_view y);

struct Coordinates {
  std::string x;  // 32 big-endian bytes
  std::string y;  // 32 big-endian bytes
};
Result<Coordinates> ExportCoordinates(EVP_PKEY* key);

// Returns the JWS form (r||s, 64 bytes) of the ECDSA SHA-256 signature of `data`.
Result<std::string> Sign(EVP_PKEY* key, std::string_view data);

// True when `signature` is a valid JWS-form ES256 signature of `data` under `key`. Any other
// length than 64 bytes, and r or s of zero, are refused before OpenSSL sees them.
bool Verify(EVP_PKEY* key, std::string_view data, std::string_view signature);

}  // namespace medulla::auth::es256
