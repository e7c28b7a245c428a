// A set of public verification keys read from a JWKS (RFC 7517), indexed by kid. Holds RSA
// keys (for RS256, at least 2048 bits) and P-256 EC keys (for ES256); keys of other types,
// curves, uses or algorithms are skipped. Immutable once built and so safe to share between
// threads; copies share the underlying keys.
#pragma once

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace medulla::auth {

// One usable key: its algorithm and public key. Defined inside the auth part.
struct VerificationKey;

class KeySet {
 public:
  // Reads every usable signing key of `jwks` ({"keys": [...]}). Fails with kInvalidArgument
  // when the document has no keys array or no key in it is usable. A repeated kid keeps the
  // first key, so a later entry cannot shadow it.
  static Result<KeySet> FromJwks(const nlohmann::json& jwks);

  bool Contains(std::string_view kid) const { return Find(kid) != nullptr; }
  std::vector<std::string> Kids() const;
  size_t size() const { return by_kid_.size(); }

  // Returns the key named `kid`, or nullptr. The pointer lives as long as this set or a copy.
  const VerificationKey* Find(std::string_view kid) const;

 private:
  std::map<std::string, std::shared_ptr<const VerificationKey>, std::less<>> by_kid_;
};

}  // namespace medulla::auth
