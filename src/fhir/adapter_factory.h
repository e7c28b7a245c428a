// Builds the EhrAdapter for a tenant from its vendor profile and connection details. Each adapter
// owns its token source, FHIR client, circuit breaker and rate limiter for its endpoint. Two
// adapters built for the same endpoint do not share breaker or limiter state, so a process should
// build one adapter per endpoint; the limiter also only counts this process's calls.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "common/status.h"
#include "common/time.h"
#include "fhir/circuit_breaker.h"
#include "fhir/ehr_adapter.h"
#include "fhir/vendor_profile.h"

namespace medulla::http {
class Client;
}

namespace medulla::fhir {

struct EhrConnection {
  std::string origin;   // "https://ehr.example.org", no trailing slash
  std::string segment;  // the practice, organisation or tenant in the vendor's URLs
  std::string client_id;
  std::string private_key_path;  // PEM; required when the profile authenticates
  std::string kid;               // empty: the key's RFC 7638 thumbprint
  // Vendor API settings the FHIR resource does not carry, such as athenaOne's departmentid,
  // appointmenttypeid and providerid. Defaults apply when absent.
  std::map<std::string, std::string> vendor_settings;
  BreakerOptions breaker;
};

// `profile` is copied; `client` and `clock` must outlive the adapter. kInvalidArgument when the
// connection lacks what the profile needs (a client id and a readable key for SMART backend
// services), kNotFound when the key file cannot be read.
Result<std::unique_ptr<EhrAdapter>> MakeEhrAdapter(const VendorProfile& profile,
                                                   const EhrConnection& connection,
                                                   http::Client& client, const Clock& clock);

}  // namespace medulla::fhir
