// eClinicalWorks: writes go through the partner write-back API, keyed by externalId (Medulla's
// intent id), which answers HTTP 200 with a numeric status code saying what happened.
#include "fhir/adapters/adapter_base.h"
#include "http/client.h"

namespace medulla::fhir::adapters {
namespace {

using nlohmann::json;

// Keeps a refusal's field name and drops anything else, since eCW's messages may echo values.
std::string FieldNamed(const std::string& message) {
  std::string out;
  for (char c : message) {
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == ' ')
      out += c;
    if (out.size() >= 60)
      break;
  }
  return out;
}

EhrOutcome OutcomeForCode(const json& answer, const std::string& type) {
  const int code = answer.value("statusCode", 0);
  std::string id;
  if (answer.contains("id") && answer["id"].is_string())
    id = answer["id"].get<std::string>();
  else if (answer.contains("id") && answer["id"].is_number())
    id = answer["id"].dump();

  switch (code) {
    case 1000:
    case 1001: {
      if (id.empty())
        return OutcomeOf(Internal("eCW answered without an id"));
      EhrOutcome outcome;
      outcome.reference = type + "/" + id;
      outcome.created = code == 1000;
      return outcome;
    }
    case 2001:
      return OutcomeOf(InvalidArgument("eCW does not know the patient (2001)"));
    case 2002:
      return OutcomeOf(InvalidArgument("eCW refused a field (2002): " +
                                       FieldNamed(answer.value("message", ""))));
    case 3001:
      return OutcomeOf(
          FailedPrecondition("the practice is not enrolled for eCW write-back (3001)"));
    case 5000:
      return OutcomeOf(Unavailable("eCW write-back is temporarily unavailable (5000)"));
    default:
      return OutcomeOf(Internal("eCW answered status code " + std::to_string(code)));
  }
}

Status StatusForHttp(int status) {
  if (status == 401 || status == 403)
    return PermissionDenied("eCW write-back not authorised");
  if (status == 429 || status >= 500)
    return Unavailable("eCW write-back answered " + std::to_string(status));
  if (status == 404)
    return NotFound("eCW write-back route not found");
  return InvalidArgument("eCW write-back refused the call (" + std::to_string(status) + ")");
}

class EcwAdapter final : public AdapterBase {
 public:
  using AdapterBase::AdapterBase;

  EhrOutcome Create(const EhrWrite& write) override {
    Status allowed = CheckWrite(write, store::WritebackRoute::kVendorApi);
    if (!allowed.ok())
      return OutcomeOf(allowed);

    Result<std::pair<std::string, json>> call = Body(write);
    if (!call.ok())
      return OutcomeOf(call.status());
    return Guarded([&] { return Send(call->first, call->second, ResourceTypeFor(write.kind)); });
  }

 private:
  Result<std::pair<std::string, json>> Body(const EhrWrite& write) const {
    const json& resource = write.resource;
    json body = {{"externalId", write.identifier.value}, {"patientId", IdOf(write.patient)}};
    if (write.kind == IntentKind::kDraftNote) {
      const json& attachment = resource["content"][0]["attachment"];
      if (!write.encounter.empty())
        body["encounterId"] = IdOf(write.encounter);
      body["title"] = attachment.value("title", "Visit note");
      body["contentType"] = attachment.value("contentType", "text/plain");
      body["content"] = attachment.value("data", "");
      return std::make_pair(std::string("/documents"), body);
    }
    if (write.kind == IntentKind::kFollowUpAppointment) {
      body["start"] = resource.value("start", "");
      body["minutes"] = resource.value("minutesDuration", 20);
      body["reason"] = resource.value("description", "Follow-up");
      return std::make_pair(std::string("/appointments"), body);
    }
    return FailedPrecondition("eCW takes no claims from Medulla");
  }

  EhrOutcome Send(const std::string& path, const json& body, const std::string& type) {
    http::ClientRequest request;
    request.method = "POST";
    request.url = VendorApiBase() + path;
    request.headers["Content-Type"] = "application/json";
    request.headers["Accept"] = "application/json";
    request.body = body.dump();

    Result<http::ClientResponse> response = SendVendor(std::move(request));
    if (!response.ok())
      return OutcomeOf(response.status());
    if (response->status != 200)
      return OutcomeOf(StatusForHttp(response->status));
    json answer = json::parse(response->body, nullptr, false);
    if (!answer.is_object())
      return OutcomeOf(Internal("eCW write-back answered with something that is not JSON"));
    return OutcomeForCode(answer, type);
  }
};

}  // namespace

std::unique_ptr<EhrAdapter> MakeEcwAdapter(AdapterParts parts) {
  return std::make_unique<EcwAdapter>(std::move(parts));
}

}  // namespace medulla::fhir::adapters
