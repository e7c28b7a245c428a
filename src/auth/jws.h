// Compact JWS (RFC 7515) signing and checking shared by the user-token verifiers and the grant
// issuer and verifier. Internal to the auth part.
//
// Refusals carry kUnauthenticated and a short message safe to show the caller; the grant
// verifier re-codes them. Every function is thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "auth/jwt.h"
#include "auth/key_set.h"
#include "auth/rs256.h"
#include "common/status.h"

namespace medulla::auth {

struct VerificationKey {
  JwsAlgorithm alg;
  rs256::KeyPtr pkey;
};

namespace jws {

// A private key with the algorithm it signs with and its kid.
struct SigningKey {
  JwsAlgorithm alg = JwsAlgorithm::kRs256;
  rs256::KeyPtr pkey;
  std::string kid;
};

// Returns a fresh in-memory key: RSA 2048 for RS256, P-256 for ES256.
Result<SigningKey> GenerateSigningKey(JwsAlgorithm alg);

// Loads the unencrypted PEM private key at `path`, or creates one there (mode 0600, parent
// directories created). A loaded key must be of the type `alg` signs with: kInvalidArgument
// otherwise. A file readable by group or others is used, with a warning logged.
Result<SigningKey> LoadOrCreateSigningKey(const std::string& path, JwsAlgorithm alg);

// Writes a new private key file, owner-only (0600) from its first byte, creating parent
// directories. kConflict when the file already exists; kUnavailable when it cannot be written.
Status WriteNewKeyFile(const std::string& path, const std::string& pem);

// Returns the public JWK of `key`: {kty, kid, use: sig, alg, n, e} or {kty, crv, kid, use,
// alg, x, y}.
nlohmann::json PublicJwk(const SigningKey& key);

// Returns header.claims.signature with header {alg, typ: JWT, kid}. kInvalidArgument when the
// claims hold strings that are not UTF-8.
Result<std::string> SignCompact(const SigningKey& key, const nlohmann::json& claims);

// A compact token split and its header read, not yet checked against any key.
struct ParsedToken {
  JwsAlgorithm alg = JwsAlgorithm::kRs256;
  std::string kid;
  std::string_view signing_input;  // points into the token passed to ParseCompact
  std::string_view encoded_claims;
  std::string signature;
};

// Splits and decodes the header; refuses oversized or malformed tokens, algorithms outside
// `allowed`, and critical headers. The result points into `token`, which must outlive it.
Result<ParsedToken> ParseCompact(std::string_view token, const std::vector<JwsAlgorithm>& allowed);

// Refuses an unknown kid, a key whose type does not match the token's alg, and a signature
// that does not verify.
Status CheckSignature(const ParsedToken& token, const KeySet& keys);

// Decodes the claims object. Before CheckSignature succeeds its content is untrusted: read it
// only to choose which keys to check against.
Result<nlohmann::json> DecodeClaims(const ParsedToken& token);

}  // namespace jws
}  // namespace medulla::auth
