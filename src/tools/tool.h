// Tools are the only way an agent acts. Each declares a JSON Schema for its arguments, a risk
// class and the SMART scopes the asking person must hold; a tool the person may not use is
// never offered to the model. Tools read through the clinical data service and express writes
// as intents; they never call an EHR themselves.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "auth/principal.h"
#include "common/status.h"
#include "common/time.h"
#include "fhir/clinical_data.h"
#include "fhir/intent.h"

namespace medulla::tools {

enum class RiskClass {
  kNone,            // touches no patient data
  kRead,            // reads the chart
  kDraftWrite,      // writes a draft a clinician must still sign
  kClinicalWrite,   // changes the patient's care, such as a booked appointment
  kFinancialWrite,  // creates a financial record, such as a claim
};

const char* RiskClassName(RiskClass risk);

// What a tool may see and do during one call, all of it scoped to one task.
struct ToolContext {
  std::string task_id;
  std::string tenant;
  const auth::Principal* principal = nullptr;
  std::string agent;
  std::string patient;    // the task's patient; tools refuse any other
  std::string encounter;  // the task's encounter, when it has one
  fhir::ClinicalData* data = nullptr;
  const Clock* clock = nullptr;
  std::string grant;  // this call's grant; every intent the call emits carries it

  std::vector<fhir::DataView> views;       // filled by reads
  std::vector<fhir::WriteIntent> intents;  // filled by writes
};

using ToolFunction = std::function<Result<nlohmann::json>(ToolContext&, const nlohmann::json&)>;

struct ToolDefinition {
  std::string name;
  std::string description;
  nlohmann::json parameters;  // JSON Schema (draft 7) for the arguments
  RiskClass risk = RiskClass::kRead;
  std::vector<std::string> scopes;  // every one must be held by the principal
  ToolFunction run;
};

}  // namespace medulla::tools
