// The tamper-evident chain: every tenant's events form one hash chain in log order. Each
// event's hash covers its content and the previous event's hash, so an edited, deleted,
// inserted or reordered event breaks the chain at exactly that event.
#pragma once

#include <string>

#include "store/event.h"

namespace medulla::store {

// The prev_hash of a tenant's first event.
inline const std::string kChainGenesis(64, '0');

// The canonical bytes an event's hash covers: tenant, task, position, type, time (ms),
// actor and payload, serialised with sorted keys so every engine computes the same bytes.
std::string CanonicalEventBytes(const Event& event);

// SHA-256 over `prev_hash`, a newline and the canonical bytes, as lower-case hex.
std::string ChainHash(const std::string& prev_hash, const Event& event);

}  // namespace medulla::store
