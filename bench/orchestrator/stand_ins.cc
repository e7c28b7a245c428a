#include "bench/orchestrator/stand_ins.h"

#include <algorithm>
#include <optional>
#include <string_view>
#include <vector>

namespace medulla::bench {
namespace {

using nlohmann::json;

constexpr char kActReason[] = "http://terminology.hl7.org/CodeSystem/v3-ActReason";

int TurnsTaken(const model::ChatRequest& request) {
  return static_cast<int>(
      std::count_if(request.messages.begin(), request.messages.end(),
                    [](const model::Message& m) { return m.role == "assistant"; }));
}

json AgentContext(const model::ChatRequest& request) {
  for (const model::Message& message : request.messages) {
    if (message.role == "user")
      return json::parse(message.content, nullptr, false);
  }
  return json::object();
}

model::ChatResponse Answer(std::string content, std::vector<model::ToolCall> calls) {
  model::ChatResponse response;
  response.content = std::move(content);
  response.tool_calls = std::move(calls);
  response.provider = "bench-scripted";
  response.model = "stand-in";
  return response;
}

model::ChatResponse Call(std::string tool, json arguments) {
  return Answer("", {{"call-" + tool, std::move(tool), std::move(arguments)}});
}

json SnomedCodes() {
  return json::array({{{"system", "http://snomed.info/sct"},
                       {"code", "38341003"},
                       {"display", "Hypertensive disorder"}}});
}

// The tool calls of each agent's step, by the turn they are made in. A turn past the script
// is the model's closing text.
std::optional<model::ChatResponse> Script(const std::string& purpose, int turn,
                                          const json& context) {
  if (purpose == "intake.check" && turn == 0)
    return Call("lookup_patient", {{"patient", context.value("patient", "")}});
  if (purpose == "scribe.draft_note" && turn == 0) {
    return Call("draft_note", {{"subjective", "Headaches in the mornings for two weeks."},
                               {"objective", "Blood pressure 150 over 95."},
                               {"assessment", "Raised blood pressure."},
                               {"plan", "Start treatment; follow up in 14 days."},
                               {"confidence", 0.9}});
  }
  if (purpose == "scheduling.follow_up" && turn == 0) {
    return Call("book_follow_up", {{"patient", context.value("patient", "")},
                                   {"after_days", 14},
                                   {"reason", "Blood pressure review"}});
  }
  if (purpose == "billing.claim" && turn == 0)
    return Call("read_encounter", {{"encounter", context.value("encounter", "")}});
  if (purpose == "billing.claim" && turn == 1) {
    json services = json::array(
        {{{"system", "http://www.ama-assn.org/go/cpt"}, {"code", "99213"}, {"display", "Visit"}}});
    return Call("draft_claim", {{"encounter", context.value("encounter", "")},
                                {"diagnoses", SnomedCodes()},
                                {"services", services}});
  }
  return std::nullopt;
}

bool Known(const std::string& purpose) {
  return purpose == "intake.check" || purpose == "scribe.draft_note" ||
         purpose == "scheduling.follow_up" || purpose == "billing.claim";
}

http::ClientResponse Fhir(int status, std::string body) {
  http::ClientResponse response;
  response.status = status;
  response.headers["Content-Type"] = "application/fhir+json";
  response.body = std::move(body);
  return response;
}

std::string Bundle(const json& resource) {
  return json{{"resourceType", "Bundle"},
              {"type", "searchset"},
              {"entry", json::array({{{"resource", resource}}})}}
      .dump();
}

const std::string& ConsentBundle() {
  static const std::string body =
      Bundle({{"resourceType", "Consent"},
              {"id", "consent-bench"},
              {"status", "active"},
              {"provision",
               {{"type", "permit"},
                {"purpose", json::array({{{"system", kActReason}, {"code", "TREAT"}},
                                         {{"system", kActReason}, {"code", "HPAYMT"}}})}}}});
  return body;
}

const std::string& ConditionBundle() {
  static const std::string body = Bundle({{"resourceType", "Condition"},
                                          {"id", "condition-bench"},
                                          {"code", {{"coding", SnomedCodes()}}}});
  return body;
}

const std::string& ClaimBundle() {
  static const std::string body = Bundle(
      {{"resourceType", "Claim"},
       {"id", "claim-prior"},
       {"insurance",
        json::array(
            {{{"sequence", 1}, {"focal", true}, {"coverage", {{"display", "Bench Health"}}}}})}});
  return body;
}

std::string PatientBody(std::string_view id) {
  return json{{"resourceType", "Patient"}, {"id", id}, {"active", true}}.dump();
}

std::string EncounterBody(std::string_view id) {
  json type = json::array({{{"coding", json::array({{{"system", "http://www.ama-assn.org/go/cpt"},
                                                     {"code", "99213"},
                                                     {"display", "Office visit"}}})}}});
  return json{{"resourceType", "Encounter"},
              {"id", id},
              {"status", "finished"},
              {"type", type},
              {"reasonCode", json::array({{{"coding", SnomedCodes()}}})},
              {"period", {{"start", "2026-12-01T09:00:00Z"}, {"end", "2026-12-01T09:20:00Z"}}},
              {"serviceProvider", {{"reference", "Organization/clinic-bench"}}}}
      .dump();
}

}  // namespace

Result<model::ChatResponse> ScriptedModel::Complete(const model::ChatRequest& request) {
  if (!Known(request.purpose))
    return Internal("the scripted model has no script for this purpose");

  std::optional<model::ChatResponse> call =
      Script(request.purpose, TurnsTaken(request), AgentContext(request));
  if (call)
    return *call;
  return Answer("Done.", {});
}

Result<http::ClientResponse> LocalEhr::Send(const http::ClientRequest& request) {
  std::string_view url = request.url;
  std::string_view base = kBaseUrl;
  if (url.substr(0, base.size()) != base || url.size() <= base.size() + 1)
    return Fhir(404, "{}");

  std::string path(url.substr(base.size() + 1));
  if (request.method == "POST")
    return Create(path, request);
  if (request.method == "GET")
    return Get(path);
  return Fhir(405, "{}");
}

http::ClientResponse LocalEhr::Get(const std::string& path) const {
  if (path.starts_with("Consent?"))
    return Fhir(200, ConsentBundle());
  if (path.starts_with("Condition?"))
    return Fhir(200, ConditionBundle());
  if (path.starts_with("Claim?"))
    return Fhir(200, ClaimBundle());
  if (path.starts_with("Patient/"))
    return Fhir(200, PatientBody(std::string_view(path).substr(8)));
  if (path.starts_with("Encounter/"))
    return Fhir(200, EncounterBody(std::string_view(path).substr(10)));
  return Fhir(404, "{}");
}

http::ClientResponse LocalEhr::Create(const std::string& type, const http::ClientRequest& request) {
  std::string identifier = request.headers.count("If-None-Exist") > 0
                               ? request.headers.at("If-None-Exist")
                               : std::string();
  std::string id;
  bool repeat = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto [slot, inserted] = created_.try_emplace(identifier, std::to_string(created_.size() + 1));
    id = slot->second;
    repeat = !inserted && !identifier.empty();
  }

  (repeat ? repeats_ : creates_).fetch_add(1);
  return Fhir(repeat ? 200 : 201, json{{"resourceType", type}, {"id", id}}.dump());
}

}  // namespace medulla::bench
