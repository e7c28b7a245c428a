#include "fhir/adapters/adapter_base.h"

#include <thread>

#include "common/log.h"
#include "http/client.h"

namespace medulla::fhir::adapters {
namespace {

FhirClientOptions ClientOptions(const VendorProfile& profile, TokenSource* tokens) {
  FhirClientOptions options;
  options.tokens = tokens;
  options.prefer_representation = profile.prefer_return_representation;
  return options;
}

}  // namespace

EhrOutcome OutcomeOf(Status status) {
  EhrOutcome outcome;
  outcome.status = std::move(status);
  return outcome;
}

EhrOutcome OutcomeOf(const WriteAnswer& answer) {
  EhrOutcome outcome;
  outcome.status = answer.status;
  outcome.retry_after = answer.retry_after;
  outcome.reference = answer.reference;
  outcome.version = answer.version;
  outcome.created = answer.created;
  return outcome;
}

std::string IdOf(const std::string& reference) {
  const size_t slash = reference.rfind('/');
  return slash == std::string::npos ? reference : reference.substr(slash + 1);
}

AdapterBase::AdapterBase(AdapterParts parts)
    : profile_(std::move(parts.profile)),
      connection_(std::move(parts.connection)),
      client_(parts.client),
      clock_(parts.clock),
      tokens_(std::move(parts.tokens)),
      fhir_(ExpandUrlPattern(profile_.fhir_base, connection_.origin, connection_.segment), *client_,
            ClientOptions(profile_, tokens_.get())),
      breaker_(connection_.breaker, *clock_),
      limiter_(profile_.rate_limit_per_second, *clock_) {}

store::WritebackRoute AdapterBase::RouteFor(IntentKind kind) const {
  return profile_.RouteFor(kind).route;
}

Status AdapterBase::CheckWrite(const EhrWrite& write, store::WritebackRoute route) const {
  const store::WritebackRoute declared = RouteFor(write.kind);
  if (declared == store::WritebackRoute::kWorkItem) {
    return FailedPrecondition(std::string(IntentKindName(write.kind)) +
                              " is a staff work item at " + profile_.vendor);
  }
  if (declared != route) {
    return FailedPrecondition(std::string(IntentKindName(write.kind)) +
                              " does not take this route at " + profile_.vendor);
  }
  if (write.resource.value("resourceType", "") != ResourceTypeFor(write.kind))
    return InvalidArgument("the resource does not match the intent kind");
  return CheckRequiredElements(profile_, write.resource);
}

EhrOutcome AdapterBase::Guarded(const std::function<EhrOutcome()>& call) {
  CircuitBreaker::Admission admission = breaker_.Admit();
  if (!admission.allowed) {
    EhrOutcome outcome = OutcomeOf(Unavailable("the EHR endpoint is resting after failures"));
    outcome.retry_after = admission.retry_after;
    return outcome;
  }

  // Waiting here keeps Medulla inside the vendor's limit instead of collecting 429s.
  const std::chrono::milliseconds wait = limiter_.Reserve();
  if (wait > std::chrono::milliseconds(0))
    std::this_thread::sleep_for(wait);

  EhrOutcome outcome = call();
  if (IsRetryable(outcome.status)) {
    breaker_.RecordFailure();
  } else {
    breaker_.RecordSuccess();
  }
  return outcome;
}

SearchAnswer AdapterBase::SearchByIdentifier(const std::string& type,
                                             const Identifier& identifier) {
  return fhir_.SearchPages(type, {{"identifier", identifier.system + "|" + identifier.value}});
}

EhrOutcome AdapterBase::Update(const std::string& reference, const nlohmann::json& resource,
                               const std::string& if_match_version) {
  const std::string type = reference.substr(0, reference.find('/'));
  const ResourceSupport* support = profile_.Resource(type);
  if (support == nullptr || !support->Supports("update"))
    return OutcomeOf(FailedPrecondition(profile_.vendor + " does not take updates of " + type));
  if (support->versioning == Versioning::kNoVersion) {
    return OutcomeOf(FailedPrecondition(profile_.vendor + " cannot check versions of " + type +
                                        ", so an update could overwrite another writer's change"));
  }
  if (if_match_version.empty())
    return OutcomeOf(InvalidArgument("an update needs the version it replaces"));
  Status complete = CheckRequiredElements(profile_, resource);
  if (!complete.ok())
    return OutcomeOf(complete);

  return Guarded([&] { return OutcomeOf(fhir_.Update(reference, resource, if_match_version)); });
}

Result<std::vector<nlohmann::json>> AdapterBase::FindWritten(const std::string& resource_type,
                                                             const Identifier& identifier,
                                                             const std::string& /*patient*/) {
  SearchAnswer answer = SearchByIdentifier(resource_type, identifier);
  if (!answer.status.ok())
    return answer.status;
  return std::move(answer.resources);
}

Result<http::ClientResponse> AdapterBase::SendVendor(http::ClientRequest request) {
  if (!tokens_)
    return client_->Send(request);
  ASSIGN_OR_RETURN(std::string token, tokens_->BearerToken());
  request.headers["Authorization"] = "Bearer " + token;
  ASSIGN_OR_RETURN(http::ClientResponse response, client_->Send(request));
  if (response.status != 401)
    return response;

  tokens_->Invalidate();
  ASSIGN_OR_RETURN(token, tokens_->BearerToken());
  request.headers["Authorization"] = "Bearer " + token;
  return client_->Send(request);
}

std::string AdapterBase::VendorApiBase() const {
  return ExpandUrlPattern(profile_.vendor_api_base, connection_.origin, connection_.segment);
}

}  // namespace medulla::fhir::adapters
