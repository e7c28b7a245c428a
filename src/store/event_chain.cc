#include "store/event_chain.h"

#include <chrono>

#include "common/ids.h"

namespace medulla::store {

std::string CanonicalEventBytes(const Event& event) {
  const int64_t at_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(event.at.time_since_epoch()).count();
  nlohmann::json canonical = nlohmann::json::array(
      {event.tenant, event.task_id, event.task_seq, event.type, at_ms, event.actor, event.payload});
  return canonical.dump(-1, ' ', false, nlohmann::json::error_handler_t::strict);
}

std::string ChainHash(const std::string& prev_hash, const Event& event) {
  return Sha256Hex(prev_hash + "\n" + CanonicalEventBytes(event));
}

}  // namespace medulla::store
