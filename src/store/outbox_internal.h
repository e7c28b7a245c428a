// What both store engines share when they keep the write-back outbox: input checks, the
// stored form of an intent and of times. Internal to the store part.
#pragma once

#include <chrono>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "common/status.h"
#include "common/time.h"
#include "store/outbox.h"

namespace medulla::store::outbox {

// Times are stored as milliseconds since the epoch from the store's clock.
int64_t ToMillis(TimePoint at);
TimePoint FromMillis(int64_t millis);

// kInvalidArgument when the entry lacks a tenant, intent id, task id or patient.
Status CheckNewEntry(const WritebackEntry& entry);

// kInvalidArgument for an empty worker name or a lease that is not positive.
Status CheckClaim(const std::string& worker, std::chrono::milliseconds lease_for);

// The intent as stored; kInvalidArgument when it holds text that is not valid UTF-8.
Result<std::string> StoredIntent(const nlohmann::json& intent);

// The stored intent read back; kInternal when the stored text is not JSON.
Result<nlohmann::json> LoadedIntent(const std::string& text, const std::string& intent_id);

}  // namespace medulla::store::outbox
