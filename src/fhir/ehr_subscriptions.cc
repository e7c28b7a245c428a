#include "fhir/ehr_subscriptions.h"

#include "common/log.h"
#include "fhir/vendor_profile.h"

namespace medulla::fhir {
namespace {

using nlohmann::json;

std::string CriteriaFor(const std::string& resource_type) {
  return resource_type + "?identifier=" + kWritebackIdentifierSystem + "|";
}

bool Matches(const json& subscription, const std::string& criteria, const std::string& endpoint) {
  const json channel = subscription.value("channel", json::object());
  return subscription.value("criteria", "") == criteria &&
         channel.value("endpoint", "") == endpoint && subscription.value("status", "") != "off";
}

json NewSubscription(const std::string& criteria, const std::string& endpoint,
                     const std::string& secret) {
  return {{"resourceType", "Subscription"},
          {"status", "requested"},
          {"reason", "Medulla follows what happens in the EHR to what it wrote"},
          {"criteria", criteria},
          {"channel",
           {{"type", "rest-hook"},
            {"endpoint", endpoint},
            {"payload", "application/fhir+json"},
            {"header", json::array({"Authorization: Bearer " + secret})}}}};
}

}  // namespace

bool SupportsSubscriptions(const EhrAdapter& ehr) {
  const ResourceSupport* support = ehr.profile().Resource("Subscription");
  return support != nullptr && support->Supports("create") && support->Supports("search-type");
}

Status EnsureSubscriptions(EhrAdapter& ehr, const std::string& endpoint, const std::string& secret,
                           const std::vector<std::string>& resource_types) {
  if (!SupportsSubscriptions(ehr))
    return FailedPrecondition("the EHR's profile does not allow subscriptions");
  ASSIGN_OR_RETURN(std::vector<json> existing, ehr.fhir().Search("Subscription", {}));

  for (const std::string& type : resource_types) {
    const std::string criteria = CriteriaFor(type);
    bool present = false;
    for (const json& subscription : existing)
      present = present || Matches(subscription, criteria, endpoint);
    if (present)
      continue;

    WriteAnswer created = ehr.fhir().Create(NewSubscription(criteria, endpoint, secret));
    RETURN_IF_ERROR(created.status);
    log::Info("fhir", "ehr.subscribed",
              {{"vendor", ehr.profile().vendor}, {"resource_type", type}});
  }
  return Status::Ok();
}

}  // namespace medulla::fhir
