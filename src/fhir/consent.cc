#include "fhir/consent.h"

#include "fhir/read_retry.h"

namespace medulla::fhir {
namespace {

using nlohmann::json;

bool ListsPurpose(const json& provision, const std::string& purpose) {
  for (const json& coding : provision.value("purpose", json::array())) {
    if (coding.value("system", "") == kActReasonSystem && coding.value("code", "") == purpose) {
      return true;
    }
  }
  return false;
}

bool CoversNow(const json& provision, TimePoint now) {
  if (!provision.contains("period"))
    return true;
  const json& period = provision["period"];
  if (period.contains("start")) {
    Result<TimePoint> start = ParseTimestamp(period["start"]);
    if (!start.ok() || now < *start)
      return false;
  }
  if (period.contains("end")) {
    Result<TimePoint> end = ParseTimestamp(period["end"]);
    if (!end.ok() || now > *end)
      return false;
  }
  return true;
}

// A nested deny provision for the purpose overrides the permit around it.
bool DeniesPurpose(const json& provision, const std::string& purpose) {
  for (const json& nested : provision.value("provision", json::array())) {
    if (nested.value("type", "") == "deny" && ListsPurpose(nested, purpose))
      return true;
  }
  return false;
}

}  // namespace

Result<ConsentDecision> ConsentChecker::Check(const std::string& patient,
                                              const std::string& purpose) const {
  ASSIGN_OR_RETURN(std::vector<json> consents, RetryRead([&] {
                     return ehr_->Search("Consent", {{"patient", patient}, {"status", "active"}});
                   }));

  const TimePoint now = clock_->Now();
  for (const json& consent : consents) {
    if (consent.value("status", "") != "active")
      continue;
    const json& provision = consent.value("provision", json::object());
    if (provision.value("type", "") != "permit")
      continue;
    if (!ListsPurpose(provision, purpose) || DeniesPurpose(provision, purpose))
      continue;
    if (!CoversNow(provision, now))
      continue;
    return ConsentDecision{true, "Consent/" + consent.value("id", ""), ""};
  }
  return ConsentDecision{false, "", "no active consent permits " + purpose + " for this patient"};
}

}  // namespace medulla::fhir
