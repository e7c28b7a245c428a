#include "store/event.h"

namespace medulla::store {

nlohmann::json Event::ToJson() const {
  return {
      {"seq", seq},       {"task_id", task_id}, {"task_seq", task_seq},
      {"tenant", tenant}, {"type", type},       {"at", FormatTimestamp(at)},
      {"actor", actor},   {"payload", payload}, {"prev_hash", prev_hash},
      {"hash", hash},
  };
}

}  // namespace medulla::store
