// Builds a node's EHR connections from its configuration: the vendor profiles, the default EHR,
// and each tenant's own EHR with its backend-services client key (made on first start).
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "cli/config.h"
#include "common/status.h"
#include "common/time.h"
#include "fhir/ehr_directory.h"

namespace medulla::http {
class Client;
}

namespace medulla::cli {

// The default EHR is the "generic" profile at ehr.base_url. kInvalidArgument names an unknown
// vendor or a tenant setting its profile cannot use.
Result<std::unique_ptr<fhir::EhrDirectory>> BuildEhrDirectory(const Config& config,
                                                              http::Client& client,
                                                              const Clock& clock);

// The public JWKS of each tenant's backend-services client key, keyed by tenant, for
// registering Medulla with the EHRs: {"<tenant>": {"vendor", "client_id", "jwks"}}. Creates
// keys that do not exist yet.
Result<nlohmann::json> ClientRegistrations(const Config& config);

}  // namespace medulla::cli
