#include "fhir/resource_mapping.h"

#include <openssl/evp.h>

#include <string>
#include <vector>

namespace medulla::fhir {
namespace {

using nlohmann::json;

std::string Base64(const std::string& bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  int written = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()),
                                static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(written));
  return out;
}

Status RequireString(const json& content, const char* field) {
  if (!content.contains(field) || !content[field].is_string() ||
      content[field].get_ref<const std::string&>().empty()) {
    return InvalidArgument(std::string("intent content lacks '") + field + "'");
  }
  return Status::Ok();
}

json IdentifierArray(const WriteIntent& intent) {
  Identifier identifier = intent.identifier();
  return json::array({{{"system", identifier.system}, {"value", identifier.value}}});
}

json Coding(const json& code) {
  json coding = {{"system", code.value("system", "")}, {"code", code.value("code", "")}};
  if (code.contains("display") && code["display"].is_string())
    coding["display"] = code["display"];
  return coding;
}

Result<json> DraftNote(const WriteIntent& intent) {
  RETURN_IF_ERROR(RequireString(intent.content, "date"));
  const char* loinc = "http://loinc.org";
  const char* category_system =
      "http://hl7.org/fhir/us/core/CodeSystem/us-core-documentreference-category";

  return json{
      {"resourceType", "DocumentReference"},
      {"identifier", IdentifierArray(intent)},
      {"status", "current"},
      {"docStatus", "preliminary"},
      {"type",
       {{"coding",
         json::array({{{"system", loinc}, {"code", "11506-3"}, {"display", "Progress note"}}})}}},
      {"category", json::array({{{"coding", json::array({{{"system", category_system},
                                                          {"code", "clinical-note"},
                                                          {"display", "Clinical Note"}}})}}})},
      {"subject", {{"reference", intent.patient}}},
      {"date", intent.content["date"]},
      {"description", "Draft visit note awaiting clinician review"},
      {"content", json::array({{{"attachment",
                                 {{"contentType", "text/plain; charset=utf-8"},
                                  {"title", "Draft visit note"},
                                  {"data", Base64(NoteText(intent.content))}}}}})},
      {"context", {{"encounter", json::array({{{"reference", intent.encounter}}})}}},
  };
}

Result<json> FollowUpAppointment(const WriteIntent& intent) {
  RETURN_IF_ERROR(RequireString(intent.content, "start"));
  RETURN_IF_ERROR(RequireString(intent.content, "end"));
  RETURN_IF_ERROR(RequireString(intent.content, "reason"));
  const char* appointment_type_system = "http://terminology.hl7.org/CodeSystem/v2-0276";

  return json{
      {"resourceType", "Appointment"},
      {"identifier", IdentifierArray(intent)},
      {"status", "proposed"},
      {"appointmentType",
       {{"coding", json::array({{{"system", appointment_type_system},
                                 {"code", "FOLLOWUP"},
                                 {"display", "A follow up visit from a previous appointment"}}})}}},
      {"description", intent.content["reason"]},
      {"start", intent.content["start"]},
      {"end", intent.content["end"]},
      {"minutesDuration", intent.content.value("minutes", 20)},
      {"supportingInformation", json::array({{{"reference", intent.encounter}}})},
      {"participant",
       json::array({{{"actor", {{"reference", intent.patient}}}, {"status", "accepted"}}})},
  };
}

json ClaimDiagnoses(const json& diagnoses) {
  json out = json::array();
  for (const json& code : diagnoses) {
    out.push_back({{"sequence", out.size() + 1},
                   {"diagnosisCodeableConcept", {{"coding", json::array({Coding(code)})}}}});
  }
  return out;
}

json ClaimItems(const WriteIntent& intent, size_t diagnosis_count) {
  json diagnosis_sequences = json::array();
  for (size_t i = 1; i <= diagnosis_count; ++i)
    diagnosis_sequences.push_back(i);

  json items = json::array();
  for (const json& code : intent.content["services"]) {
    json item = {{"sequence", items.size() + 1},
                 {"productOrService", {{"coding", json::array({Coding(code)})}}},
                 {"encounter", json::array({{{"reference", intent.encounter}}})}};
    if (diagnosis_count > 0)
      item["diagnosisSequence"] = diagnosis_sequences;
    items.push_back(std::move(item));
  }
  return items;
}

Result<json> Claim(const WriteIntent& intent) {
  const json& content = intent.content;
  RETURN_IF_ERROR(RequireString(content, "created"));
  RETURN_IF_ERROR(RequireString(content, "provider"));
  RETURN_IF_ERROR(RequireString(content, "payer"));
  if (!content.contains("services") || !content["services"].is_array() ||
      content["services"].empty()) {
    return InvalidArgument("intent content lacks 'services'");
  }
  json diagnoses = content.value("diagnoses", json::array());

  json claim = {
      {"resourceType", "Claim"},
      {"identifier", IdentifierArray(intent)},
      {"status", "draft"},
      {"type",
       {{"coding", json::array({{{"system", "http://terminology.hl7.org/CodeSystem/claim-type"},
                                 {"code", "professional"}}})}}},
      {"use", "claim"},
      {"patient", {{"reference", intent.patient}}},
      {"created", content["created"]},
      {"provider", {{"reference", content["provider"]}}},
      {"priority",
       {{"coding",
         json::array({{{"system", "http://terminology.hl7.org/CodeSystem/processpriority"},
                       {"code", "normal"}}})}}},
      {"insurance",
       json::array(
           {{{"sequence", 1}, {"focal", true}, {"coverage", {{"display", content["payer"]}}}}})},
      {"item", ClaimItems(intent, diagnoses.size())},
  };
  if (!diagnoses.empty())
    claim["diagnosis"] = ClaimDiagnoses(diagnoses);
  if (content.contains("period") && content["period"].is_object()) {
    claim["billablePeriod"] = content["period"];
  }
  return claim;
}

}  // namespace

std::string NoteText(const json& sections) {
  static const std::vector<std::pair<const char*, const char*>> kSections = {
      {"SUBJECTIVE", "subjective"},
      {"OBJECTIVE", "objective"},
      {"ASSESSMENT", "assessment"},
      {"PLAN", "plan"}};

  std::string text;
  for (const auto& [heading, field] : kSections) {
    if (!text.empty())
      text += "\n\n";
    text += heading;
    text += "\n";
    text += sections.value(field, "");
  }
  return text;
}

Result<nlohmann::json> ToResource(const WriteIntent& intent) {
  if (intent.patient.rfind("Patient/", 0) != 0) {
    return InvalidArgument("intent lacks a Patient reference");
  }
  if (intent.encounter.rfind("Encounter/", 0) != 0) {
    return InvalidArgument("intent lacks an Encounter reference");
  }
  if (!intent.content.is_object())
    return InvalidArgument("intent content is not an object");

  switch (intent.kind) {
    case IntentKind::kDraftNote:
      return DraftNote(intent);
    case IntentKind::kFollowUpAppointment:
      return FollowUpAppointment(intent);
    case IntentKind::kClaim:
      return Claim(intent);
  }
  return Internal("unmapped intent kind");
}

nlohmann::json ClinicalContentOf(nlohmann::json resource) {
  resource.erase("id");
  resource.erase("meta");
  const std::string type = resource.value("resourceType", "");
  if (type == "DocumentReference")
    resource.erase("date");
  if (type == "Claim")
    resource.erase("created");
  return resource;
}

std::string VersionIdOf(const nlohmann::json& resource) {
  if (!resource.is_object() || !resource.contains("meta") || !resource["meta"].is_object())
    return "";
  const nlohmann::json& meta = resource["meta"];
  return meta.contains("versionId") && meta["versionId"].is_string()
             ? meta["versionId"].get<std::string>()
             : "";
}

bool IsStillMedullaDraft(const nlohmann::json& resource) {
  const std::string type = resource.value("resourceType", "");
  if (type == "DocumentReference")
    return resource.value("docStatus", "") == "preliminary";
  if (type == "Appointment")
    return resource.value("status", "") == "proposed";
  if (type == "Claim")
    return resource.value("status", "") == "draft";
  return false;
}

}  // namespace medulla::fhir
