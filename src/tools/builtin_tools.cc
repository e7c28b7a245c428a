#include "tools/builtin_tools.h"

namespace medulla::tools {

Status RequireTaskReference(const std::string& asked, const std::string& task_reference,
                            const char* what) {
  if (task_reference.empty()) {
    return FailedPrecondition(std::string("the task has no ") + what);
  }
  if (asked != task_reference) {
    return PermissionDenied(std::string("the ") + what + " asked for is not the task's " + what);
  }
  return Status::Ok();
}

fhir::WriteIntent NewIntent(const ToolContext& context, fhir::IntentKind kind) {
  fhir::WriteIntent intent;
  intent.kind = kind;
  intent.intent_id = fhir::MakeIntentId(context.tenant, context.encounter, kind);
  intent.tenant = context.tenant;
  intent.task_id = context.task_id;
  intent.patient = context.patient;
  intent.encounter = context.encounter;
  intent.grant = context.grant;
  return intent;
}

ToolDefinition RouteToAgentTool() {
  ToolDefinition tool;
  tool.name = "route_to_agent";
  tool.description = "Choose which agent should handle the request.";
  tool.risk = RiskClass::kNone;
  tool.parameters = {
      {"type", "object"},
      {"required", {"agent", "confidence"}},
      {"additionalProperties", false},
      {"properties",
       {{"agent", {{"type", "string"}, {"enum", {"intake", "scribe", "scheduling", "billing"}}}},
        {"confidence", {{"type", "number"}, {"minimum", 0}, {"maximum", 1}}},
        {"reason", {{"type", "string"}, {"maxLength", 500}}}}}};
  tool.run = [](ToolContext&, const nlohmann::json& arguments) -> Result<nlohmann::json> {
    return nlohmann::json{{"routed_to", arguments["agent"]}};
  };
  return tool;
}

std::vector<ToolDefinition> BuiltinTools() {
  return {RouteToAgentTool(), LookupPatientTool(), DraftNoteTool(),
          BookFollowUpTool(), ReadEncounterTool(), DraftClaimTool()};
}

}  // namespace medulla::tools
