#include "tools/builtin_tools.h"

namespace medulla::tools {
namespace {

using nlohmann::json;

const std::vector<std::string> kEncounterCodingElements = {"type", "reasonCode"};
const std::vector<std::string> kEncounterBillingElements = {"period", "serviceProvider"};
const std::vector<std::string> kConditionElements = {"code"};
const std::vector<std::string> kPriorClaimElements = {"insurance"};

json Codings(const json& concepts) {
  json out = json::array();
  if (!concepts.is_array())
    return out;
  for (const json& concept_json : concepts) {
    for (const json& coding : concept_json.value("coding", json::array())) {
      out.push_back({{"system", coding.value("system", "")},
                     {"code", coding.value("code", "")},
                     {"display", coding.value("display", "")}});
    }
  }
  return out;
}

Result<json> ReadEncounter(ToolContext& context, const json& arguments) {
  RETURN_IF_ERROR(RequireTaskReference(arguments["encounter"], context.encounter, "encounter"));

  ASSIGN_OR_RETURN(json encounter,
                   context.data->Read(context.encounter, kEncounterCodingElements, context.views));
  ASSIGN_OR_RETURN(std::vector<json> conditions,
                   context.data->Search("Condition", {{"encounter", context.encounter}},
                                        kConditionElements, context.views));

  json condition_codes = json::array();
  for (const json& condition : conditions) {
    for (const json& coding : Codings(json::array({condition.value("code", json::object())}))) {
      condition_codes.push_back(coding);
    }
  }
  return json{{"type", Codings(encounter.value("type", json::array()))},
              {"reasons", Codings(encounter.value("reasonCode", json::array()))},
              {"conditions", condition_codes}};
}

// The payer named on the encounter's earlier claim. Shipped data carries payers only as
// display text on claims, with no Coverage resource, so that is where billing finds them.
Result<std::string> PayerOf(ToolContext& context) {
  ASSIGN_OR_RETURN(std::vector<json> prior_claims,
                   context.data->Search("Claim", {{"encounter", context.encounter}},
                                        kPriorClaimElements, context.views));
  for (const json& claim : prior_claims) {
    for (const json& insurance : claim.value("insurance", json::array())) {
      std::string payer = insurance.value("coverage", json::object()).value("display", "");
      if (!payer.empty())
        return payer;
    }
  }
  return FailedPrecondition("no payer is on record for the encounter");
}

Result<json> DraftClaim(ToolContext& context, const json& arguments) {
  RETURN_IF_ERROR(RequireTaskReference(arguments["encounter"], context.encounter, "encounter"));

  ASSIGN_OR_RETURN(json encounter,
                   context.data->Read(context.encounter, kEncounterBillingElements, context.views));
  std::string provider = encounter.value("serviceProvider", json::object()).value("reference", "");
  if (provider.empty())
    return FailedPrecondition("the encounter names no service provider");
  ASSIGN_OR_RETURN(std::string payer, PayerOf(context));

  fhir::WriteIntent intent = NewIntent(context, fhir::IntentKind::kClaim);
  intent.content = {{"created", FormatTimestamp(context.clock->Now()).substr(0, 10)},
                    {"provider", provider},
                    {"payer", payer},
                    {"diagnoses", arguments.value("diagnoses", json::array())},
                    {"services", arguments["services"]}};
  if (encounter.contains("period"))
    intent.content["period"] = encounter["period"];
  context.intents.push_back(intent);

  return json{{"intent_id", intent.intent_id}, {"status", "queued for write-back"}};
}

json CodingArraySchema(int min_items) {
  return {{"type", "array"},
          {"minItems", min_items},
          {"maxItems", 25},
          {"items",
           {{"type", "object"},
            {"required", {"system", "code"}},
            {"properties",
             {{"system", {{"type", "string"}, {"minLength", 1}}},
              {"code", {{"type", "string"}, {"minLength", 1}}},
              {"display", {{"type", "string"}}}}}}}};
}

json EncounterArgument() {
  return {{"type", "string"}, {"pattern", "^Encounter/[A-Za-z0-9.-]{1,64}$"}};
}

}  // namespace

ToolDefinition ReadEncounterTool() {
  ToolDefinition tool;
  tool.name = "read_encounter";
  tool.description = "Read the encounter's type, reasons and diagnosed conditions as codes.";
  tool.risk = RiskClass::kRead;
  tool.scopes = {"user/Encounter.r", "user/Condition.r"};
  tool.parameters = {{"type", "object"},
                     {"required", {"encounter"}},
                     {"additionalProperties", false},
                     {"properties", {{"encounter", EncounterArgument()}}}};
  tool.run = ReadEncounter;
  return tool;
}

ToolDefinition DraftClaimTool() {
  ToolDefinition tool;
  tool.name = "draft_claim";
  tool.description = "Draft a professional claim for the encounter from its codes.";
  tool.risk = RiskClass::kFinancialWrite;
  tool.scopes = {"user/Claim.c", "user/Claim.r", "user/Encounter.r"};
  tool.parameters = {{"type", "object"},
                     {"required", {"encounter", "services"}},
                     {"additionalProperties", false},
                     {"properties",
                      {{"encounter", EncounterArgument()},
                       {"diagnoses", CodingArraySchema(0)},
                       {"services", CodingArraySchema(1)}}}};
  tool.run = DraftClaim;
  return tool;
}

}  // namespace medulla::tools
