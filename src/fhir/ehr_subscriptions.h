// Subscribing to an EHR for changes to what Medulla wrote: one R4 rest-hook Subscription per
// written resource type, calling back the node's notification route with a shared secret.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"
#include "fhir/ehr_adapter.h"

namespace medulla::fhir {

// True when the EHR's profile lets Medulla create Subscriptions there.
bool SupportsSubscriptions(const EhrAdapter& ehr);

// Makes sure the EHR holds an active Subscription for each of `resource_types` whose criteria
// select Medulla's write-backs and whose channel calls `endpoint` with `secret` as a bearer
// token; creates the missing ones. Safe to call at every start. Errors are the EHR's.
Status EnsureSubscriptions(EhrAdapter& ehr, const std::string& endpoint, const std::string& secret,
                           const std::vector<std::string>& resource_types);

}  // namespace medulla::fhir
