#include "model/offline/purposes.h"

#include "model/offline/follow_up_extractor.h"
#include "model/offline/request_classifier.h"
#include "model/offline/soap_drafter.h"

namespace medulla::model::offline {
namespace {

using nlohmann::json;

// Booking reasons are shown in schedules; a whole paragraph would not fit.
constexpr size_t kMaxReasonChars = 200;
constexpr double kFollowUpConfidence = 0.9;
constexpr double kUncodableConfidence = 0.2;
constexpr double kClaimConfidence = 0.8;
constexpr double kClaimWithoutDiagnosisConfidence = 0.4;

std::string RoutingReason(const Routing& routing) {
  if (routing.matched.empty())
    return "no routing cue matched; intake clarifies the request";

  std::string reason = "matched:";
  for (const std::string& phrase : routing.matched)
    reason += " " + phrase + ",";
  reason.pop_back();
  return reason;
}

std::string ShortReason(std::string sentence) {
  if (sentence.size() <= kMaxReasonChars)
    return sentence;
  sentence.resize(kMaxReasonChars - 3);
  return sentence + "...";
}

// Keeps the codings that carry a system and a code; display defaults to "".
json CodableCodings(const json& codings) {
  json kept = json::array();
  if (!codings.is_array())
    return kept;
  for (const json& coding : codings) {
    if (!coding.is_object())
      continue;
    const auto system = coding.find("system");
    const auto code = coding.find("code");
    if (system == coding.end() || code == coding.end())
      continue;
    if (!system->is_string() || !code->is_string() || code->get<std::string>().empty())
      continue;
    const auto display = coding.find("display");
    const bool has_display = display != coding.end() && display->is_string();
    kept.push_back({{"system", *system},
                    {"code", *code},
                    {"display", has_display ? display->get<std::string>() : ""}});
  }
  return kept;
}

json Field(const json& object, const char* name) {
  if (!object.is_object() || !object.contains(name))
    return json();
  return object.at(name);
}

ChatResponse ClaimFromEncounter(const Conversation& conversation, const std::string& encounter,
                                const std::string& encounter_json) {
  const json read = json::parse(encounter_json, nullptr, false);
  const json services = CodableCodings(Field(read, "type"));
  if (services.empty()) {
    return Answer("cannot draft a claim: the encounter has no coded type to bill as a service",
                  kUncodableConfidence);
  }

  json diagnoses = CodableCodings(Field(read, "conditions"));
  if (diagnoses.empty())
    diagnoses = CodableCodings(Field(read, "reasons"));
  const double confidence = diagnoses.empty() ? kClaimWithoutDiagnosisConfidence : kClaimConfidence;

  if (!conversation.Offers("draft_claim"))
    return CannotProceed("draft_claim");
  json arguments = {{"encounter", encounter}, {"diagnoses", diagnoses}, {"services", services}};
  return Call(conversation, "draft_claim", std::move(arguments), confidence);
}

}  // namespace

Result<ChatResponse> ClassifyForRouter(const Conversation& conversation) {
  ASSIGN_OR_RETURN(const std::string input, conversation.ContextString("input"));
  if (conversation.ResultOf("route_to_agent"))
    return Answer("request routed", 1);
  if (!conversation.Offers("route_to_agent"))
    return CannotProceed("route_to_agent");

  const Routing routing = ClassifyRequest(input);
  json arguments = {{"agent", routing.agent},
                    {"confidence", routing.confidence},
                    {"reason", RoutingReason(routing)}};
  return Call(conversation, "route_to_agent", std::move(arguments), routing.confidence);
}

// The closing answer once `tool` has answered: what it did, or, when the tool reported an
// error, that it did not complete, so the text never claims what did not happen.
ChatResponse Closing(const std::string& tool_result, const std::string& done) {
  json result = json::parse(tool_result, nullptr, false);
  if (result.is_object() && result.contains("error"))
    return Answer("the step did not complete: " + result.value("error", "error"), 0);
  return Answer(done, 1);
}

Result<ChatResponse> CheckIntake(const Conversation& conversation) {
  ASSIGN_OR_RETURN(const std::string patient, conversation.ContextString("patient"));
  if (std::optional<std::string> found = conversation.ResultOf("lookup_patient"))
    return Closing(*found, "patient record reviewed for " + patient + "; ready for intake");
  if (!conversation.Offers("lookup_patient"))
    return CannotProceed("lookup_patient");

  return Call(conversation, "lookup_patient", {{"patient", patient}}, 1);
}

Result<ChatResponse> DraftNote(const Conversation& conversation) {
  ASSIGN_OR_RETURN(const std::string dialogue, conversation.ContextString("dialogue"));
  if (std::optional<std::string> drafted = conversation.ResultOf("draft_note"))
    return Closing(*drafted, "note drafted");
  if (!conversation.Offers("draft_note"))
    return CannotProceed("draft_note");

  const SoapDraft draft = DraftSoapNote(dialogue);
  json arguments = {{"subjective", draft.subjective},
                    {"objective", draft.objective},
                    {"assessment", draft.assessment},
                    {"plan", draft.plan},
                    {"confidence", draft.confidence}};
  return Call(conversation, "draft_note", std::move(arguments), draft.confidence);
}

Result<ChatResponse> BookFollowUp(const Conversation& conversation) {
  ASSIGN_OR_RETURN(const std::string plan, conversation.ContextString("plan"));
  ASSIGN_OR_RETURN(const std::string patient, conversation.ContextString("patient"));
  if (std::optional<std::string> booked = conversation.ResultOf("book_follow_up"))
    return Closing(*booked, "follow-up booked");

  const std::optional<FollowUp> follow_up = ExtractFollowUp(plan);
  if (!follow_up)
    return Answer("no follow-up requested", kFollowUpConfidence);
  if (!conversation.Offers("book_follow_up"))
    return CannotProceed("book_follow_up");

  json arguments = {{"patient", patient},
                    {"after_days", follow_up->after_days},
                    {"reason", ShortReason(follow_up->sentence)}};
  return Call(conversation, "book_follow_up", std::move(arguments), kFollowUpConfidence);
}

Result<ChatResponse> DraftClaim(const Conversation& conversation) {
  ASSIGN_OR_RETURN(const std::string encounter, conversation.ContextString("encounter"));
  if (std::optional<std::string> claimed = conversation.ResultOf("draft_claim"))
    return Closing(*claimed, "claim drafted");

  if (std::optional<std::string> read = conversation.ResultOf("read_encounter")) {
    return ClaimFromEncounter(conversation, encounter, *read);
  }
  if (!conversation.Offers("read_encounter"))
    return CannotProceed("read_encounter");
  return Call(conversation, "read_encounter", {{"encounter", encounter}}, 1);
}

}  // namespace medulla::model::offline
