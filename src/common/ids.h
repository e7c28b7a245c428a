// Identifiers Medulla mints: random UUIDs for tasks and events, and stable digests for
// business identifiers that must come out the same on every retry.
#pragma once

#include <string>
#include <string_view>

namespace medulla {

// Returns a random RFC 4122 version 4 UUID in lower-case text form.
std::string NewUuid();

// Returns the lower-case hex SHA-256 of `data`.
std::string Sha256Hex(std::string_view data);

}  // namespace medulla
