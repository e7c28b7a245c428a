// Consent gates purposes: an agent may touch a patient's data for a purpose of use (v3
// ActReason: TREAT, HPAYMT, ...) only while the EHR holds an active Consent that permits it.
#pragma once

#include <string>

#include "common/status.h"
#include "common/time.h"
#include "fhir/fhir_client.h"

namespace medulla::fhir {

inline constexpr char kActReasonSystem[] = "http://terminology.hl7.org/CodeSystem/v3-ActReason";

struct ConsentDecision {
  bool permitted = false;
  std::string consent;      // "Consent/<id>" that permits, when permitted
  std::string reason;       // why not, when not; no PHI
  bool unanswered = false;  // the EHR could not be asked, so nothing is known either way
};

class ConsentChecker {
 public:
  // `ehr` and `clock` must outlive this object.
  ConsentChecker(FhirClient& ehr, const Clock& clock) : ehr_(&ehr), clock_(&clock) {}

  // Looks for an active Consent of `patient` whose permit provision lists `purpose` and whose
  // period, if any, covers now. Errors only when the EHR cannot be asked.
  Result<ConsentDecision> Check(const std::string& patient, const std::string& purpose) const;

 private:
  FhirClient* ehr_;
  const Clock* clock_;
};

}  // namespace medulla::fhir
