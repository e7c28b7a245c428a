#include "replay/recording.h"

namespace medulla::replay {
namespace {

using nlohmann::json;
namespace event_type = store::event_type;

std::vector<std::string> Strings(const json& array) {
  std::vector<std::string> out;
  for (const json& item : array) {
    if (item.is_string())
      out.push_back(item.get<std::string>());
  }
  return out;
}

void ReadWrite(const store::Event& event, Recording& recording) {
  const json& payload = event.payload;
  RecordedWrite& write = recording.writes[payload.value("intent_id", "")];
  if (event.type == event_type::kWritebackConfirmed) {
    write.status = "confirmed";
    write.reference = payload.value("reference", "");
    write.outcome = payload.value("outcome", "");
  }
  if (event.type == event_type::kWritebackFailed) {
    write.status = "failed";
    write.reason = payload.value("reason", "");
    write.retryable = payload.value("retryable", false);
  }
  if (event.type == event_type::kWritebackHeld)
    write.status = "held";
  if (event.type == event_type::kWritebackQueued)
    write.route = payload.value("route", "fhir");
}

}  // namespace

StatusCode StatusCodeFromName(const std::string& name) {
  static const std::map<std::string, StatusCode> kCodes = {
      {"invalid_argument", StatusCode::kInvalidArgument},
      {"unauthenticated", StatusCode::kUnauthenticated},
      {"permission_denied", StatusCode::kPermissionDenied},
      {"not_found", StatusCode::kNotFound},
      {"conflict", StatusCode::kConflict},
      {"failed_precondition", StatusCode::kFailedPrecondition},
      {"unavailable", StatusCode::kUnavailable},
      {"deadline_exceeded", StatusCode::kDeadlineExceeded}};
  auto found = kCodes.find(name);
  return found == kCodes.end() ? StatusCode::kInternal : found->second;
}

Recording ReadRecording(const std::vector<store::Event>& events) {
  Recording recording;
  std::pair<std::string, std::string> current_call;
  for (const store::Event& event : events) {
    const json& payload = event.payload;
    if (event.type == event_type::kModelResponded) {
      recording.model_responses.push_back(model::ChatResponse::FromJson(payload));
      recording.model_purposes.push_back(payload.value("purpose", ""));
      recording.model_providers.insert(payload.value("provider", ""));
    }
    if (event.type == event_type::kToolCalled) {
      current_call = {payload.value("agent", ""), payload.value("call_id", "")};
      recording.tools[current_call].arguments = payload.value("arguments", json());
    }
    if (event.type == event_type::kDataViewed) {
      recording.tools[current_call].views.push_back(
          {payload.value("resource", ""), Strings(payload.value("elements", json::array()))});
    }
    if (event.type == event_type::kIntentEmitted) {
      Result<fhir::WriteIntent> intent = fhir::WriteIntent::FromJson(payload["intent"]);
      if (intent.ok())
        recording.tools[current_call].intents.push_back(*intent);
    }
    if (event.type == event_type::kToolCompleted) {
      RecordedToolOutcome& outcome =
          recording.tools[{payload.value("agent", ""), payload.value("call_id", "")}];
      outcome.ok = true;
      outcome.result = payload.value("result", json());
    }
    if (event.type == event_type::kToolFailed) {
      RecordedToolOutcome& outcome =
          recording.tools[{payload.value("agent", ""), payload.value("call_id", "")}];
      outcome.code = payload.value("code", "internal");
      outcome.reason = payload.value("reason", "");
    }
    if (event.type == event_type::kConsentChecked && payload.value("unanswered", false))
      recording.consent_unanswered.insert(payload.value("patient", ""));
    if (event.type == event_type::kConsentChecked && payload.value("permitted", false)) {
      recording.permitted_purposes[payload.value("patient", "")].push_back(
          payload.value("purpose", ""));
    }
    if (event.type == event_type::kWritebackConfirmed ||
        event.type == event_type::kWritebackFailed || event.type == event_type::kWritebackHeld ||
        event.type == event_type::kWritebackQueued) {
      ReadWrite(event, recording);
    }
  }
  return recording;
}

}  // namespace medulla::replay
