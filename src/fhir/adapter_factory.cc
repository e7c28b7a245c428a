#include "fhir/adapter_factory.h"

#include "fhir/adapters/adapter_base.h"
#include "fhir/smart_backend_auth.h"

namespace medulla::fhir {
namespace {

Result<std::unique_ptr<TokenSource>> TokensFor(const VendorProfile& profile,
                                               const EhrConnection& connection,
                                               http::Client& client, const Clock& clock) {
  if (profile.auth.kind == EhrAuthKind::kNone)
    return std::unique_ptr<TokenSource>();
  if (connection.client_id.empty() || connection.private_key_path.empty())
    return InvalidArgument(profile.vendor + " needs a client id and a private key path");

  BackendServicesConfig config;
  config.token_url = ExpandUrlPattern(profile.token_url, connection.origin, connection.segment);
  config.client_id = connection.client_id;
  ASSIGN_OR_RETURN(config.private_key_pem, ReadPemFile(connection.private_key_path));
  config.algorithm = profile.auth.algorithm;
  config.scopes = profile.auth.scopes;
  config.refresh_margin = profile.auth.refresh_margin;
  config.kid = connection.kid;
  ASSIGN_OR_RETURN(std::unique_ptr<SmartBackendAuth> tokens,
                   SmartBackendAuth::Create(std::move(config), client, clock));
  return std::unique_ptr<TokenSource>(std::move(tokens));
}

}  // namespace

Result<std::unique_ptr<EhrAdapter>> MakeEhrAdapter(const VendorProfile& profile,
                                                   const EhrConnection& connection,
                                                   http::Client& client, const Clock& clock) {
  if (connection.origin.empty())
    return InvalidArgument("an EHR connection needs an origin");
  if (profile.fhir_base.find("{practice}") != std::string::npos ||
      profile.fhir_base.find("{org}") != std::string::npos ||
      profile.fhir_base.find("{tenant}") != std::string::npos) {
    if (connection.segment.empty())
      return InvalidArgument(profile.vendor + " needs the tenant's path segment");
  }

  adapters::AdapterParts parts;
  parts.profile = profile;
  parts.connection = connection;
  parts.client = &client;
  parts.clock = &clock;
  ASSIGN_OR_RETURN(parts.tokens, TokensFor(profile, connection, client, clock));

  // The vendor API, when a profile routes anything there, decides the adapter; FHIR otherwise.
  if (profile.vendor == "athena")
    return adapters::MakeAthenaAdapter(std::move(parts));
  if (profile.vendor == "ecw")
    return adapters::MakeEcwAdapter(std::move(parts));
  for (const auto& [kind, route] : profile.routes) {
    if (route.route == store::WritebackRoute::kVendorApi)
      return InvalidArgument(profile.vendor + " routes to a vendor API Medulla does not speak");
  }
  return adapters::MakeFhirAdapter(std::move(parts));
}

}  // namespace medulla::fhir
