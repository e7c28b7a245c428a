#include "tools/builtin_tools.h"

namespace medulla::tools {
namespace {

// Intake confirms the patient exists, is active and is alive: nothing else of the record.
const std::vector<std::string> kIntakeElements = {"active", "deceasedBoolean", "deceasedDateTime"};

Result<nlohmann::json> LookupPatient(ToolContext& context, const nlohmann::json& arguments) {
  const std::string patient = arguments["patient"];
  RETURN_IF_ERROR(RequireTaskReference(patient, context.patient, "patient"));

  Result<nlohmann::json> record = context.data->Read(patient, kIntakeElements, context.views);
  if (!record.ok() && record.status().code() == StatusCode::kNotFound) {
    return nlohmann::json{{"found", false}};
  }
  if (!record.ok())
    return record.status();

  bool deceased = record->value("deceasedBoolean", false) || record->contains("deceasedDateTime");
  return nlohmann::json{
      {"found", true}, {"active", record->value("active", true)}, {"deceased", deceased}};
}

}  // namespace

ToolDefinition LookupPatientTool() {
  ToolDefinition tool;
  tool.name = "lookup_patient";
  tool.description = "Confirm that the patient exists in the EHR and may be seen.";
  tool.risk = RiskClass::kRead;
  tool.scopes = {"user/Patient.r"};
  tool.parameters = {
      {"type", "object"},
      {"required", {"patient"}},
      {"additionalProperties", false},
      {"properties",
       {{"patient", {{"type", "string"}, {"pattern", "^Patient/[A-Za-z0-9.-]{1,64}$"}}}}}};
  tool.run = LookupPatient;
  return tool;
}

}  // namespace medulla::tools
