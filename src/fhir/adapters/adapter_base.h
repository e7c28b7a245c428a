// What every vendor's adapter shares: the profile, the authenticated FHIR facade, the endpoint's
// circuit breaker and rate limiter, the checks made before any write, and FHIR reads by
// identifier. Internal to the fhir part; other parts use adapter_factory.h.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "fhir/adapter_factory.h"
#include "fhir/circuit_breaker.h"
#include "fhir/ehr_adapter.h"
#include "fhir/smart_backend_auth.h"
#include "fhir/vendor_profile.h"

namespace medulla::fhir::adapters {

// The pieces an adapter is built from; MakeEhrAdapter assembles them.
struct AdapterParts {
  VendorProfile profile;
  EhrConnection connection;
  http::Client* client = nullptr;
  const Clock* clock = nullptr;
  std::unique_ptr<TokenSource> tokens;  // null without authentication
};

class AdapterBase : public EhrAdapter {
 public:
  explicit AdapterBase(AdapterParts parts);

  const VendorProfile& profile() const override { return profile_; }
  store::WritebackRoute RouteFor(IntentKind kind) const override;
  EhrOutcome Update(const std::string& reference, const nlohmann::json& resource,
                    const std::string& if_match_version) override;
  Result<std::vector<nlohmann::json>> FindWritten(const std::string& resource_type,
                                                  const Identifier& identifier,
                                                  const std::string& patient) override;
  FhirClient& fhir() override { return fhir_; }

 protected:
  // Refuses work-item routes, writes of another route than `route`, and resources that lack
  // what the profile requires. Ok when the write may go ahead.
  Status CheckWrite(const EhrWrite& write, store::WritebackRoute route) const;

  // Runs `call` behind the breaker and the rate limiter, and feeds its result to the breaker.
  EhrOutcome Guarded(const std::function<EhrOutcome()>& call);

  // Searches the facade for resources of `type` carrying `identifier`.
  SearchAnswer SearchByIdentifier(const std::string& type, const Identifier& identifier);

  // Sends a vendor API call with the bearer token, retrying once after a 401.
  Result<http::ClientResponse> SendVendor(http::ClientRequest request);

  const EhrConnection& connection() const { return connection_; }
  std::string VendorApiBase() const;
  http::Client& client() { return *client_; }

 private:
  VendorProfile profile_;
  EhrConnection connection_;
  http::Client* client_;
  const Clock* clock_;
  std::unique_ptr<TokenSource> tokens_;
  FhirClient fhir_;
  CircuitBreaker breaker_;
  RateLimiter limiter_;
};

// An outcome carrying only `status`.
EhrOutcome OutcomeOf(Status status);
EhrOutcome OutcomeOf(const WriteAnswer& answer);

// "123" out of "Patient/123".
std::string IdOf(const std::string& reference);

std::unique_ptr<EhrAdapter> MakeFhirAdapter(AdapterParts parts);
std::unique_ptr<EhrAdapter> MakeAthenaAdapter(AdapterParts parts);
std::unique_ptr<EhrAdapter> MakeEcwAdapter(AdapterParts parts);

}  // namespace medulla::fhir::adapters
