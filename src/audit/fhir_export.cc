#include "audit/fhir_export.h"

#include <set>

#include "common/ids.h"

namespace medulla::audit {
namespace {

using nlohmann::json;
using store::Event;
namespace event_type = store::event_type;

constexpr char kAuditEventTypes[] = "http://terminology.hl7.org/CodeSystem/audit-event-type";
constexpr char kDicom[] = "http://dicom.nema.org/resources/ontology/DCM";
constexpr char kRestfulInteraction[] = "http://hl7.org/fhir/restful-interaction";
constexpr char kSecurityRoles[] = "http://terminology.hl7.org/CodeSystem/extra-security-role-type";
constexpr char kSourceTypes[] = "http://terminology.hl7.org/CodeSystem/security-source-type";
constexpr char kObjectRoles[] = "http://terminology.hl7.org/CodeSystem/object-role";
constexpr char kParticipantTypes[] =
    "http://terminology.hl7.org/CodeSystem/provenance-participant-type";
constexpr char kDataOperations[] = "http://terminology.hl7.org/CodeSystem/v3-DataOperation";
constexpr char kActReasons[] = "http://terminology.hl7.org/CodeSystem/v3-ActReason";
constexpr char kTaskSystem[] = "urn:medulla:task";
constexpr char kIntentSystem[] = "urn:medulla:intent";
constexpr size_t kPageSize = 1000;

json Coding(const char* system, const std::string& code, const std::string& display) {
  return {{"system", system}, {"code", code}, {"display", display}};
}

std::string Text(const json& object, const char* key) {
  if (!object.is_object() || !object.contains(key) || !object.at(key).is_string())
    return "";
  return object.at(key).get<std::string>();
}

// A stable urn:uuid for an event's record, so exporting twice gives the same identities.
std::string StableUuid(const Event& event, const std::string& kind) {
  std::string hex = Sha256Hex(event.tenant + "/" + std::to_string(event.seq) + "/" + kind);
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
         hex.substr(16, 4) + "-" + hex.substr(20, 12);
}

std::string AgentName(const Event& event) {
  std::string agent = Text(event.actor, "agent");
  return agent.empty() ? Text(event.payload, "agent") : agent;
}

json HumanReference(const Event& event) {
  return {{"identifier", {{"value", Text(event.actor, "sub")}}}};
}

json PurposeOfUse(const std::string& purpose) {
  json reason = {{"text", purpose}};
  if (purpose == "treatment")
    reason["coding"] = json::array({Coding(kActReasons, "TREAT", "treatment")});
  return reason;
}

json AuditAgents(const Event& event) {
  json human = {
      {"type", {{"coding", json::array({Coding(kSecurityRoles, "humanuser", "human user")})}}},
      {"who", HumanReference(event)},
      {"requestor", true}};
  std::string purpose = Text(event.actor, "purpose_of_use");
  if (!purpose.empty())
    human["purposeOfUse"] = json::array({PurposeOfUse(purpose)});

  json agents = json::array({human});
  std::string agent = AgentName(event);
  if (!agent.empty()) {
    agents.push_back(
        {{"type",
          {{"coding", json::array({Coding(kSecurityRoles, "dataprocessor", "data processor")})}}},
         {"who", {{"display", agent}}},
         {"requestor", false}});
  }
  return agents;
}

json TaskEntity(const Event& event) {
  return {{"what", {{"identifier", {{"system", kTaskSystem}, {"value", event.task_id}}}}},
          {"description", "Medulla task"}};
}

json ResourceEntity(const std::string& reference) {
  return {{"what", {{"reference", reference}}},
          {"role", Coding(kObjectRoles, "4", "Domain Resource")}};
}

json Detail(const std::string& type, const std::string& value) {
  return {{"type", type}, {"valueString", value}};
}

struct Shape {
  json type;
  std::optional<json> subtype;
  std::string action;
  std::string outcome;
  std::string outcome_desc;
  json entities = json::array();
};

Shape MakeShape(json type, std::optional<json> subtype, std::string action,
                std::string outcome = "0", std::string outcome_desc = "") {
  return {std::move(type),    std::move(subtype),      std::move(action),
          std::move(outcome), std::move(outcome_desc), json::array()};
}

json AuditEventFrom(const Event& event, Shape shape) {
  json resource = {{"resourceType", "AuditEvent"},
                   {"id", "medulla-audit-" + std::to_string(event.seq)},
                   {"type", shape.type},
                   {"action", shape.action},
                   {"recorded", FormatTimestamp(event.at)},
                   {"outcome", shape.outcome},
                   {"agent", AuditAgents(event)},
                   {"source",
                    {{"site", event.tenant},
                     {"observer", {{"display", "Medulla"}}},
                     {"type", json::array({Coding(kSourceTypes, "4", "Application Server")})}}}};
  if (shape.subtype)
    resource["subtype"] = json::array({*shape.subtype});
  if (!shape.outcome_desc.empty())
    resource["outcomeDesc"] = shape.outcome_desc;
  shape.entities.push_back(TaskEntity(event));
  resource["entity"] = shape.entities;
  return resource;
}

json RestType() {
  return Coding(kAuditEventTypes, "rest", "RESTful Operation");
}
json SecurityAlert() {
  return Coding(kDicom, "110113", "Security Alert");
}

std::optional<json> AuditEventFor(const Event& event) {
  const json& p = event.payload;
  if (event.type == event_type::kDataViewed) {
    Shape shape = MakeShape(RestType(), Coding(kRestfulInteraction, "read", "read"), "R");
    json entity = ResourceEntity(Text(p, "resource"));
    std::string elements;
    for (const json& element : p.value("elements", json::array()))
      elements += (elements.empty() ? "" : ",") +
                  (element.is_string() ? element.get<std::string>() : element.dump());
    if (!elements.empty())
      entity["detail"] = json::array({Detail("elements", elements)});
    shape.entities.push_back(entity);
    return AuditEventFrom(event, std::move(shape));
  }
  if (event.type == event_type::kWritebackConfirmed) {
    Shape shape = MakeShape(RestType(), Coding(kRestfulInteraction, "create", "create"), "C");
    json entity = ResourceEntity(Text(p, "reference"));
    entity["detail"] = json::array({Detail("outcome", Text(p, "outcome"))});
    shape.entities.push_back(entity);
    return AuditEventFrom(event, std::move(shape));
  }
  if (event.type == event_type::kWritebackFailed) {
    Shape shape = MakeShape(RestType(), Coding(kRestfulInteraction, "create", "create"), "C", "8",
                            Text(p, "reason"));
    shape.entities.push_back(
        {{"what", {{"identifier", {{"system", kIntentSystem}, {"value", Text(p, "intent_id")}}}}}});
    return AuditEventFrom(event, std::move(shape));
  }
  if (event.type == event_type::kToolRefused) {
    Shape shape = MakeShape(SecurityAlert(), std::nullopt, "E", "4",
                            "tool " + Text(p, "tool") + " refused: " + Text(p, "reason"));
    return AuditEventFrom(event, std::move(shape));
  }
  if (event.type == event_type::kPolicyDecided && Text(p, "effect") == "deny") {
    Shape shape = MakeShape(SecurityAlert(), std::nullopt, "E", "8",
                            "policy denies " + Text(p, "action") + " at the " + Text(p, "point") +
                                " (statement " + Text(p, "statement") + ")");
    return AuditEventFrom(event, std::move(shape));
  }
  return std::nullopt;
}

json ProvenanceFor(const Event& event) {
  json author = {
      {"type", {{"coding", json::array({Coding(kParticipantTypes, "author", "Author")})}}},
      {"who", HumanReference(event)}};
  json agents = json::array({author});
  std::string agent = AgentName(event);
  if (!agent.empty()) {
    agents.push_back(
        {{"type", {{"coding", json::array({Coding(kParticipantTypes, "performer", "Performer")})}}},
         {"who", {{"display", agent}}},
         {"onBehalfOf", HumanReference(event)}});
  }
  json source = TaskEntity(event);
  return {{"resourceType", "Provenance"},
          {"id", "medulla-provenance-" + std::to_string(event.seq)},
          {"target", json::array({{{"reference", Text(event.payload, "reference")}}})},
          {"recorded", FormatTimestamp(event.at)},
          {"activity", {{"coding", json::array({Coding(kDataOperations, "CREATE", "create")})}}},
          {"agent", agents},
          {"entity", json::array({{{"role", "source"},
                                   {"what",
                                    {{"identifier", source["what"]["identifier"]},
                                     {"display", "Medulla task"}}}}})}};
}

Status Require(bool present, const std::string& resource, const char* element) {
  if (present)
    return Status::Ok();
  return Internal(resource + " lacks " + element);
}

bool NonEmptyArray(const json& resource, const char* key) {
  return resource.contains(key) && resource.at(key).is_array() && !resource.at(key).empty();
}

bool HasString(const json& object, const char* key) {
  return object.is_object() && object.contains(key) && object.at(key).is_string() &&
         !object.at(key).get<std::string>().empty();
}

bool IsReference(const json& value) {
  return value.is_object() &&
         (HasString(value, "reference") || HasString(value, "display") ||
          (value.contains("identifier") && HasString(value.at("identifier"), "value")));
}

Result<std::vector<Event>> EventsInRange(store::Store& store, const ExportSelection& selection) {
  std::vector<Event> selected;
  int64_t after = 0;
  while (true) {
    ASSIGN_OR_RETURN(std::vector<Event> page, store.ReadSince(after, kPageSize));
    if (page.empty())
      return selected;
    for (Event& event : page) {
      bool in_range = event.at >= *selection.from && event.at < *selection.to;
      bool in_tenant = !selection.tenant || event.tenant == *selection.tenant;
      if (in_range && in_tenant)
        selected.push_back(std::move(event));
    }
    after = page.back().seq;
  }
}

}  // namespace

Status ValidateAuditEvent(const json& r) {
  const std::string what = "AuditEvent " + Text(r, "id");
  RETURN_IF_ERROR(Require(Text(r, "resourceType") == "AuditEvent", what, "resourceType"));
  RETURN_IF_ERROR(Require(HasString(r.value("type", json()), "code"), what, "type"));
  RETURN_IF_ERROR(Require(ParseTimestamp(Text(r, "recorded")).ok(), what, "recorded"));
  RETURN_IF_ERROR(Require(NonEmptyArray(r, "agent"), what, "agent"));
  for (const json& agent : r.at("agent")) {
    RETURN_IF_ERROR(Require(agent.contains("requestor") && agent.at("requestor").is_boolean(), what,
                            "agent.requestor"));
    RETURN_IF_ERROR(Require(IsReference(agent.value("who", json())), what, "agent.who"));
  }
  RETURN_IF_ERROR(
      Require(r.contains("source") && IsReference(r.at("source").value("observer", json())), what,
              "source.observer"));
  static const std::set<std::string> kOutcomes = {"0", "4", "8", "12"};
  RETURN_IF_ERROR(Require(!r.contains("outcome") || kOutcomes.count(Text(r, "outcome")) > 0, what,
                          "a valid outcome"));
  if (r.contains("entity")) {
    for (const json& entity : r.at("entity"))
      RETURN_IF_ERROR(Require(IsReference(entity.value("what", json())), what, "entity.what"));
  }
  return Status::Ok();
}

Status ValidateProvenance(const json& r) {
  const std::string what = "Provenance " + Text(r, "id");
  RETURN_IF_ERROR(Require(Text(r, "resourceType") == "Provenance", what, "resourceType"));
  RETURN_IF_ERROR(Require(NonEmptyArray(r, "target"), what, "target"));
  for (const json& target : r.at("target"))
    RETURN_IF_ERROR(Require(HasString(target, "reference"), what, "target.reference"));
  RETURN_IF_ERROR(Require(ParseTimestamp(Text(r, "recorded")).ok(), what, "recorded"));
  RETURN_IF_ERROR(Require(NonEmptyArray(r, "agent"), what, "agent"));
  for (const json& agent : r.at("agent"))
    RETURN_IF_ERROR(Require(IsReference(agent.value("who", json())), what, "agent.who"));
  if (r.contains("entity")) {
    for (const json& entity : r.at("entity")) {
      RETURN_IF_ERROR(Require(HasString(entity, "role"), what, "entity.role"));
      RETURN_IF_ERROR(Require(IsReference(entity.value("what", json())), what, "entity.what"));
    }
  }
  return Status::Ok();
}

Status ValidateBundle(const json& bundle) {
  RETURN_IF_ERROR(Require(Text(bundle, "resourceType") == "Bundle", "Bundle", "resourceType"));
  RETURN_IF_ERROR(Require(Text(bundle, "type") == "collection", "Bundle", "type collection"));
  RETURN_IF_ERROR(
      Require(bundle.contains("entry") && bundle.at("entry").is_array(), "Bundle", "entry"));
  for (const json& entry : bundle.at("entry")) {
    const json& resource = entry.value("resource", json::object());
    std::string type = Text(resource, "resourceType");
    if (type == "AuditEvent") {
      RETURN_IF_ERROR(ValidateAuditEvent(resource));
    } else if (type == "Provenance") {
      RETURN_IF_ERROR(ValidateProvenance(resource));
    } else {
      return Internal("Bundle holds an unexpected resource type");
    }
  }
  return Status::Ok();
}

Result<json> AuditBundle(const std::vector<Event>& events, TimePoint generated_at) {
  json entries = json::array();
  for (const Event& event : events) {
    if (std::optional<json> audit = AuditEventFor(event)) {
      entries.push_back(
          {{"fullUrl", "urn:uuid:" + StableUuid(event, "audit")}, {"resource", *audit}});
    }
    if (event.type == event_type::kWritebackConfirmed) {
      entries.push_back({{"fullUrl", "urn:uuid:" + StableUuid(event, "provenance")},
                         {"resource", ProvenanceFor(event)}});
    }
  }

  json bundle = {{"resourceType", "Bundle"},
                 {"type", "collection"},
                 {"timestamp", FormatTimestamp(generated_at)},
                 {"entry", std::move(entries)}};
  RETURN_IF_ERROR(ValidateBundle(bundle));
  return bundle;
}

Result<json> ExportAudit(store::Store& store, const ExportSelection& selection,
                         TimePoint generated_at) {
  bool by_range = selection.from.has_value() || selection.to.has_value();
  if (selection.task_id.has_value() == by_range) {
    return InvalidArgument("choose either a task or a time range to export");
  }
  if (selection.task_id) {
    ASSIGN_OR_RETURN(std::vector<Event> events, store.ReadTask(*selection.task_id));
    return AuditBundle(events, generated_at);
  }
  if (!selection.from || !selection.to)
    return InvalidArgument("a time range needs both --from and --to");
  if (*selection.to <= *selection.from)
    return InvalidArgument("the time range ends before it starts");
  ASSIGN_OR_RETURN(std::vector<Event> events, EventsInRange(store, selection));
  return AuditBundle(events, generated_at);
}

}  // namespace medulla::audit
