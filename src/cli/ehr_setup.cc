#include "cli/ehr_setup.h"

#include <filesystem>

#include "auth/jws.h"
#include "common/log.h"
#include "fhir/adapter_factory.h"
#include "fhir/smart_backend_auth.h"
#include "fhir/vendor_profile.h"

namespace medulla::cli {
namespace {

using Profiles = std::map<std::string, fhir::VendorProfile>;

Result<const fhir::VendorProfile*> ProfileNamed(const Profiles& profiles,
                                                const std::string& vendor) {
  auto found = profiles.find(vendor);
  if (found == profiles.end())
    return InvalidArgument("no vendor profile named '" + vendor + "'");
  return &found->second;
}

// A tenant's client key is made once, the first time its EHR is configured, and kept: the EHR
// holds its public half.
Status EnsureClientKey(const fhir::VendorProfile& profile, const EhrSetting& setting) {
  if (profile.auth.kind != fhir::EhrAuthKind::kSmartBackendServices)
    return Status::Ok();
  if (setting.private_key.empty() || setting.client_id.empty()) {
    return InvalidArgument("the EHR of tenant '" + setting.tenant +
                           "' needs client_id and private_key");
  }
  if (std::filesystem::exists(setting.private_key))
    return Status::Ok();
  ASSIGN_OR_RETURN(std::string pem, fhir::GenerateClientKeyPem(profile.auth.algorithm));
  Status written = auth::jws::WriteNewKeyFile(setting.private_key, pem);
  if (!written.ok() && written.code() != StatusCode::kConflict)
    return written;
  log::Info("cli", "ehr.client_key_created", {{"tenant", setting.tenant}});
  return Status::Ok();
}

fhir::EhrConnection ConnectionFor(const EhrSetting& setting) {
  fhir::EhrConnection connection;
  connection.origin = setting.origin;
  connection.segment = setting.segment;
  connection.client_id = setting.client_id;
  connection.private_key_path = setting.private_key;
  return connection;
}

}  // namespace

Result<std::unique_ptr<fhir::EhrDirectory>> BuildEhrDirectory(const Config& config,
                                                              http::Client& client,
                                                              const Clock& clock) {
  ASSIGN_OR_RETURN(Profiles profiles, fhir::LoadVendorProfiles(config.vendors_path));
  ASSIGN_OR_RETURN(const fhir::VendorProfile* generic, ProfileNamed(profiles, "generic"));
  fhir::VendorProfile fallback_profile = *generic;
  fallback_profile.fhir_base = config.ehr_base_url;  // a full URL: no placeholders to fill
  fhir::EhrConnection fallback_connection;
  fallback_connection.origin = config.ehr_base_url;
  ASSIGN_OR_RETURN(std::unique_ptr<fhir::EhrAdapter> fallback,
                   fhir::MakeEhrAdapter(fallback_profile, fallback_connection, client, clock));
  auto directory = std::make_unique<fhir::EhrDirectory>(std::move(fallback));

  for (const EhrSetting& setting : config.tenant_ehrs) {
    ASSIGN_OR_RETURN(const fhir::VendorProfile* profile, ProfileNamed(profiles, setting.vendor));
    RETURN_IF_ERROR(EnsureClientKey(*profile, setting));
    Result<std::unique_ptr<fhir::EhrAdapter>> adapter =
        fhir::MakeEhrAdapter(*profile, ConnectionFor(setting), client, clock);
    if (!adapter.ok()) {
      return Status(adapter.status().code(),
                    "the EHR of tenant '" + setting.tenant + "': " + adapter.status().message());
    }
    directory->Assign(setting.tenant, std::move(*adapter));
  }
  return directory;
}

Result<nlohmann::json> ClientRegistrations(const Config& config) {
  ASSIGN_OR_RETURN(Profiles profiles, fhir::LoadVendorProfiles(config.vendors_path));
  nlohmann::json registrations = nlohmann::json::object();
  for (const EhrSetting& setting : config.tenant_ehrs) {
    ASSIGN_OR_RETURN(const fhir::VendorProfile* profile, ProfileNamed(profiles, setting.vendor));
    if (profile->auth.kind != fhir::EhrAuthKind::kSmartBackendServices)
      continue;
    RETURN_IF_ERROR(EnsureClientKey(*profile, setting));
    ASSIGN_OR_RETURN(std::string pem, fhir::ReadPemFile(setting.private_key));
    ASSIGN_OR_RETURN(nlohmann::json jwks, fhir::PublicJwksForPem(pem, profile->auth.algorithm));
    registrations[setting.tenant] = {
        {"vendor", setting.vendor}, {"client_id", setting.client_id}, {"jwks", jwks}};
  }
  return registrations;
}

}  // namespace medulla::cli
