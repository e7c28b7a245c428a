// athenaOne: documents and bookings go through the athenaOne v1 REST API, which has no
// idempotency key. Medulla writes `medulla:<intent id>` into the document's internalnote or the
// booking's bookingnote and looks for it before writing, so a retried write finds the first.
// The athena id is the FHIR facade's id, so the outcome's reference is the facade's.
#include "common/log.h"
#include "fhir/adapters/adapter_base.h"
#include "http/client.h"

namespace medulla::fhir::adapters {
namespace {

using nlohmann::json;

std::string Marker(const Identifier& identifier) {
  return "medulla:" + identifier.value;
}

std::string FormBody(const std::vector<std::pair<std::string, std::string>>& fields) {
  std::string body;
  for (const auto& [name, value] : fields) {
    if (!body.empty())
      body += "&";
    body += name + "=" + http::UrlEncode(value);
  }
  return body;
}

// athenaOne answers errors as {"error": "..."}: a 400 on a booking means the slot was taken.
Status StatusForVendor(const http::ClientResponse& response, const std::string& what) {
  if (response.status == 401 || response.status == 403)
    return PermissionDenied(what + " not authorised by athenaOne");
  if (response.status == 404)
    return NotFound(what + ": athenaOne does not know the patient or practice");
  if (response.status == 429 || response.status >= 500)
    return Unavailable(what + " failed: athenaOne answered " + std::to_string(response.status));
  return InvalidArgument(what + " refused by athenaOne (" + std::to_string(response.status) + ")");
}

Result<json> JsonBody(const http::ClientResponse& response, const std::string& what) {
  json body = json::parse(response.body, nullptr, false);
  if (body.is_discarded())
    return Internal(what + ": athenaOne answered with something that is not JSON");
  return body;
}

// "2026-12-10T09:30:00Z" as athenaOne's MM/DD/YYYY and HH:MM. The sandbox reads them as UTC;
// a real practice reads them in the department's time zone, which this mapping does not know.
Result<std::pair<std::string, std::string>> AthenaDateTime(const json& appointment) {
  const std::string start = appointment.value("start", "");
  if (start.size() < 16 || start[4] != '-' || start[10] != 'T')
    return InvalidArgument("Appointment.start is not a date-time");
  ASSIGN_OR_RETURN(TimePoint at, ParseTimestamp(start));
  const std::string utc = FormatTimestamp(at);
  return std::make_pair(utc.substr(5, 2) + "/" + utc.substr(8, 2) + "/" + utc.substr(0, 4),
                        utc.substr(11, 5));
}

class AthenaAdapter final : public AdapterBase {
 public:
  using AdapterBase::AdapterBase;

  EhrOutcome Create(const EhrWrite& write) override {
    Status allowed = CheckWrite(write, store::WritebackRoute::kVendorApi);
    if (!allowed.ok())
      return OutcomeOf(allowed);
    if (write.kind == IntentKind::kDraftNote)
      return Guarded([&] { return Settle(FileDocument(write)); });
    if (write.kind == IntentKind::kFollowUpAppointment)
      return Guarded([&] { return Settle(BookAppointment(write)); });
    return OutcomeOf(FailedPrecondition("athenaOne takes no claims from Medulla"));
  }

  Result<std::vector<json>> FindWritten(const std::string& resource_type,
                                        const Identifier& identifier,
                                        const std::string& patient) override {
    const std::string marker = Marker(identifier);
    // A patient's documents can run past the page cap, so documents are narrowed by their
    // description (where the marker lives); Synthea charts hold few appointments.
    std::map<std::string, std::string> params = {{"patient", patient}};
    if (resource_type == "DocumentReference")
      params["description"] = marker;
    ASSIGN_OR_RETURN(std::vector<json> resources, fhir().Search(resource_type, params));
    std::vector<json> written;
    for (json& resource : resources) {
      if (resource.value("description", "").find(marker) != std::string::npos ||
          resource.value("comment", "").find(marker) != std::string::npos) {
        written.push_back(std::move(resource));
      }
    }
    return written;
  }

 private:
  std::string Setting(const std::string& name, const std::string& fallback) const {
    auto found = connection().vendor_settings.find(name);
    return found == connection().vendor_settings.end() ? fallback : found->second;
  }

  static EhrOutcome Settle(Result<EhrOutcome> result) {
    if (!result.ok())
      return OutcomeOf(result.status());
    return std::move(result).value();
  }

  Result<json> Call(const std::string& method, const std::string& path, std::string form,
                    const std::string& what) {
    http::ClientRequest request;
    request.method = method;
    request.url = VendorApiBase() + path;
    request.headers["Accept"] = "application/json";
    if (!form.empty()) {
      request.headers["Content-Type"] = "application/x-www-form-urlencoded";
      request.body = std::move(form);
    }
    ASSIGN_OR_RETURN(http::ClientResponse response, SendVendor(std::move(request)));
    if (response.status != 200)
      return StatusForVendor(response, what);
    return JsonBody(response, what);
  }

  Result<EhrOutcome> FileDocument(const EhrWrite& write) {
    const std::string patient = IdOf(write.patient);
    const std::string path = "/patients/" + patient + "/documents/clinicaldocument";
    const std::string marker = Marker(write.identifier);

    ASSIGN_OR_RETURN(json listed, Call("GET", path, "", "listing clinical documents"));
    for (const json& document : listed.value("clinicaldocuments", json::array())) {
      if (document.value("internalnote", "").find(marker) != std::string::npos)
        return Written("DocumentReference", document.value("documentid", json()), false);
    }

    const json& attachment = write.resource["content"][0]["attachment"];
    ASSIGN_OR_RETURN(
        json filed,
        Call("POST", path,
             FormBody({{"departmentid", Setting("departmentid", "1")},
                       {"documentsubclass", Setting("documentsubclass", "CLINICALDOCUMENT")},
                       {"attachmentcontents", attachment.value("data", "")},
                       {"internalnote", marker}}),
             "filing a clinical document"));
    if (!filed.value("success", false))
      return InvalidArgument("athenaOne did not file the clinical document");
    return Written("DocumentReference", filed.value("documentid", json()), true);
  }

  Result<EhrOutcome> BookAppointment(const EhrWrite& write) {
    const std::string patient = IdOf(write.patient);
    const std::string marker = Marker(write.identifier);

    ASSIGN_OR_RETURN(json listed, Call("GET", "/patients/" + patient + "/appointments", "",
                                       "listing appointments"));
    for (const json& appointment : listed.value("appointments", json::array())) {
      if (appointment.value("bookingnote", "").find(marker) != std::string::npos)
        return Written("Appointment", appointment.value("appointmentid", json()), false);
    }

    ASSIGN_OR_RETURN(auto when, AthenaDateTime(write.resource));
    const std::string type = Setting("appointmenttypeid", "2");
    const std::string department = Setting("departmentid", "1");
    ASSIGN_OR_RETURN(json opened, Call("POST", "/appointments/open",
                                       FormBody({{"departmentid", department},
                                                 {"appointmentdate", when.first},
                                                 {"appointmenttime", when.second},
                                                 {"appointmenttypeid", type},
                                                 {"providerid", Setting("providerid", "1")}}),
                                       "opening a slot"));
    const json ids = opened.value("appointmentids", json::object());
    if (!ids.is_object() || ids.empty())
      return Internal("athenaOne opened no slot");
    const std::string slot = ids.begin().key();

    // A booking that fails here leaves an open slot behind; athenaOne lets a practice reuse it.
    ASSIGN_OR_RETURN(json booked, Call("PUT", "/appointments/" + slot,
                                       FormBody({{"patientid", patient},
                                                 {"appointmenttypeid", type},
                                                 {"departmentid", department},
                                                 {"bookingnote", marker}}),
                                       "booking the slot"));
    (void)booked;
    return Written("Appointment", json(slot), true);
  }

  static Result<EhrOutcome> Written(const std::string& type, const json& id, bool created) {
    std::string text = id.is_string() ? id.get<std::string>() : id.is_number() ? id.dump() : "";
    if (text.empty())
      return Internal("athenaOne answered without an id");
    EhrOutcome outcome;
    outcome.reference = type + "/" + text;
    outcome.created = created;
    return outcome;
  }
};

}  // namespace

std::unique_ptr<EhrAdapter> MakeAthenaAdapter(AdapterParts parts) {
  return std::make_unique<AthenaAdapter>(std::move(parts));
}

}  // namespace medulla::fhir::adapters
