#include "fhir/intent.h"

#include "common/ids.h"

namespace medulla::fhir {

const char* IntentKindName(IntentKind kind) {
  switch (kind) {
    case IntentKind::kDraftNote:
      return "draft_note";
    case IntentKind::kFollowUpAppointment:
      return "follow_up_appointment";
    case IntentKind::kClaim:
      return "claim";
  }
  return "draft_note";
}

Result<IntentKind> ParseIntentKind(const std::string& name) {
  if (name == "draft_note")
    return IntentKind::kDraftNote;
  if (name == "follow_up_appointment")
    return IntentKind::kFollowUpAppointment;
  if (name == "claim")
    return IntentKind::kClaim;
  return InvalidArgument("unknown intent kind '" + name + "'");
}

const char* ResourceTypeFor(IntentKind kind) {
  switch (kind) {
    case IntentKind::kDraftNote:
      return "DocumentReference";
    case IntentKind::kFollowUpAppointment:
      return "Appointment";
    case IntentKind::kClaim:
      return "Claim";
  }
  return "DocumentReference";
}

nlohmann::json WriteIntent::ToJson() const {
  return {{"intent_id", intent_id}, {"kind", IntentKindName(kind)}, {"tenant", tenant},
          {"task_id", task_id},     {"patient", patient},           {"encounter", encounter},
          {"content", content}};
}

Result<WriteIntent> WriteIntent::FromJson(const nlohmann::json& json) {
  if (!json.is_object() || !json.contains("kind") || !json["kind"].is_string()) {
    return InvalidArgument("intent lacks a kind");
  }
  ASSIGN_OR_RETURN(IntentKind kind, ParseIntentKind(json["kind"].get<std::string>()));

  WriteIntent intent;
  intent.kind = kind;
  intent.intent_id = json.value("intent_id", "");
  intent.tenant = json.value("tenant", "");
  intent.task_id = json.value("task_id", "");
  intent.patient = json.value("patient", "");
  intent.encounter = json.value("encounter", "");
  intent.content = json.value("content", nlohmann::json::object());
  if (intent.intent_id.empty())
    return InvalidArgument("intent lacks an intent_id");
  return intent;
}

std::string MakeIntentId(const std::string& tenant, const std::string& encounter, IntentKind kind) {
  std::string digest = Sha256Hex(tenant + "\n" + encounter + "\n" + IntentKindName(kind));
  return std::string(IntentKindName(kind)) + "-" + digest.substr(0, 32);
}

}  // namespace medulla::fhir
