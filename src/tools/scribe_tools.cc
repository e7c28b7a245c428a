#include "tools/builtin_tools.h"

namespace medulla::tools {
namespace {

Result<nlohmann::json> DraftNote(ToolContext& context, const nlohmann::json& arguments) {
  if (context.encounter.empty())
    return FailedPrecondition("the task has no encounter");

  fhir::WriteIntent intent = NewIntent(context, fhir::IntentKind::kDraftNote);
  intent.content = {{"subjective", arguments["subjective"]},
                    {"objective", arguments["objective"]},
                    {"assessment", arguments["assessment"]},
                    {"plan", arguments["plan"]},
                    {"date", FormatTimestamp(context.clock->Now())}};
  context.intents.push_back(intent);

  return nlohmann::json{{"intent_id", intent.intent_id}, {"status", "queued for write-back"}};
}

nlohmann::json SectionSchema() {
  return {{"type", "string"}, {"maxLength", 20000}};
}

}  // namespace

ToolDefinition DraftNoteTool() {
  ToolDefinition tool;
  tool.name = "draft_note";
  tool.description =
      "Save a draft SOAP note for this visit; a clinician reviews and signs it in the EHR.";
  tool.risk = RiskClass::kDraftWrite;
  tool.scopes = {"user/DocumentReference.c"};
  tool.parameters = {{"type", "object"},
                     {"required", {"subjective", "objective", "assessment", "plan", "confidence"}},
                     {"additionalProperties", false},
                     {"properties",
                      {{"subjective", SectionSchema()},
                       {"objective", SectionSchema()},
                       {"assessment", SectionSchema()},
                       {"plan", SectionSchema()},
                       {"confidence", {{"type", "number"}, {"minimum", 0}, {"maximum", 1}}}}}};
  tool.run = DraftNote;
  return tool;
}

}  // namespace medulla::tools
