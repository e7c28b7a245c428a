#include "policy/policy.h"

namespace medulla::policy {

std::string ResourceFor(const std::string& tenant, const std::string& patient) {
  if (patient.empty())
    return "tenant:" + tenant;
  return "tenant:" + tenant + "/" + patient;
}

nlohmann::json DecisionRecord(const Decision& decision) {
  nlohmann::json record = {{"effect", decision.effect == Effect::kAllow ? "allow" : "deny"},
                           {"reason", std::string(decision.reason)}};
  if (!decision.sid.empty()) {
    record["statement"] = std::string(decision.sid);
    record["source"] = std::string(decision.source);
    record["line"] = decision.line;
  }
  return record;
}

}  // namespace medulla::policy
