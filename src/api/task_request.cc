#include "api/task_request.h"

#include <algorithm>
#include <regex>

namespace medulla::api {
namespace {

using nlohmann::json;

constexpr size_t kMaxTextInput = 200000;
constexpr size_t kMaxIdempotencyKey = 200;

bool MatchesReference(const std::string& value, const char* type) {
  static const std::regex kId("[A-Za-z0-9.-]{1,64}");
  std::string prefix = std::string(type) + "/";
  return value.rfind(prefix, 0) == 0 && std::regex_match(value.substr(prefix.size()), kId);
}

Status CheckInput(const json& input) {
  if (input.is_string()) {
    const auto& text = input.get_ref<const std::string&>();
    if (text.empty())
      return InvalidArgument("'input' is empty");
    if (text.size() > kMaxTextInput)
      return InvalidArgument("'input' is too long");
    return Status::Ok();
  }
  if (!input.is_object())
    return InvalidArgument("'input' must be text or an object");

  if (input.contains("dialogue") &&
      (!input["dialogue"].is_string() || input["dialogue"].get_ref<const std::string&>().empty())) {
    return InvalidArgument("'input.dialogue' must be non-empty text");
  }
  if (input.contains("encounter") &&
      (!input["encounter"].is_string() || !MatchesReference(input["encounter"], "Encounter"))) {
    return InvalidArgument("'input.encounter' must be a reference like Encounter/<id>");
  }
  return Status::Ok();
}

Status CheckIdempotencyKey(const std::string& key) {
  static const std::regex kShape("[A-Za-z0-9._:-]+");
  if (key.empty() || key.size() > kMaxIdempotencyKey || !std::regex_match(key, kShape)) {
    return InvalidArgument(
        "'idempotency_key' must be 1 to 200 letters, digits or . _ : - characters");
  }
  return Status::Ok();
}

Result<std::optional<std::string>> OptionalString(const json& body, const char* field) {
  if (!body.contains(field) || body[field].is_null())
    return std::optional<std::string>();
  if (!body[field].is_string())
    return InvalidArgument(std::string("'") + field + "' must be text");
  return std::optional<std::string>(body[field].get<std::string>());
}

}  // namespace

Result<TaskRequest> ParseTaskRequest(const std::string& body, const std::string& header_key,
                                     const std::vector<std::string>& known_agents) {
  json parsed = json::parse(body, nullptr, false);
  if (parsed.is_discarded())
    return InvalidArgument("the body is not valid JSON");
  if (!parsed.is_object())
    return InvalidArgument("the body must be a JSON object");

  static const std::vector<std::string> kFields = {"agent", "input", "patient", "idempotency_key"};
  for (const auto& [field, value] : parsed.items()) {
    if (std::find(kFields.begin(), kFields.end(), field) == kFields.end()) {
      return InvalidArgument("unknown field '" + field.substr(0, 40) + "'");
    }
  }

  TaskRequest request;
  ASSIGN_OR_RETURN(request.agent, OptionalString(parsed, "agent"));
  if (request.agent &&
      std::find(known_agents.begin(), known_agents.end(), *request.agent) == known_agents.end()) {
    return InvalidArgument("'agent' names no agent Medulla has");
  }

  if (!parsed.contains("input"))
    return InvalidArgument("'input' is required");
  RETURN_IF_ERROR(CheckInput(parsed["input"]));
  request.input = parsed["input"];

  ASSIGN_OR_RETURN(request.patient, OptionalString(parsed, "patient"));
  if (request.patient && !MatchesReference(*request.patient, "Patient")) {
    return InvalidArgument("'patient' must be a reference like Patient/<id>");
  }

  ASSIGN_OR_RETURN(request.idempotency_key, OptionalString(parsed, "idempotency_key"));
  if (!header_key.empty()) {
    if (request.idempotency_key && *request.idempotency_key != header_key) {
      return InvalidArgument("the Idempotency-Key header and 'idempotency_key' disagree");
    }
    request.idempotency_key = header_key;
  }
  if (request.idempotency_key)
    RETURN_IF_ERROR(CheckIdempotencyKey(*request.idempotency_key));
  return request;
}

json RequestFingerprint(const TaskRequest& request) {
  json fingerprint = {{"input", request.input}};
  if (request.agent)
    fingerprint["agent"] = *request.agent;
  if (request.patient)
    fingerprint["patient"] = *request.patient;
  return fingerprint;
}

}  // namespace medulla::api
