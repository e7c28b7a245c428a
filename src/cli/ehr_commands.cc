#include "cli/ehr_commands.h"

#include <iostream>

#include "auth/grant.h"
#include "cli/commands.h"
#include "cli/config.h"
#include "cli/ehr_setup.h"
#include "fhir/integration_service.h"
#include "fhir/reconciliation.h"
#include "http/client.h"
#include "orchestrator/reconciliation_job.h"
#include "orchestrator/writeback_drainer.h"
#include "policy/policy.h"
#include "store/store_factory.h"

namespace medulla::cli {
namespace {

using nlohmann::json;

// What the commands share with a node: its store and its EHRs.
struct EhrSession {
  Config config;
  std::unique_ptr<store::Store> store;
  std::unique_ptr<http::Client> client;
  std::unique_ptr<fhir::EhrDirectory> ehrs;
};

Result<EhrSession> OpenSession(const EhrCommandOptions& options) {
  EhrSession session;
  ASSIGN_OR_RETURN(session.config, LoadConfig(options.config_path));
  ASSIGN_OR_RETURN(session.store, store::OpenStore(session.config.store, SystemClock::Instance()));
  session.client = http::MakeClient();
  ASSIGN_OR_RETURN(session.ehrs,
                   BuildEhrDirectory(session.config, *session.client, SystemClock::Instance()));
  return session;
}

void PrintReport(const fhir::ReconciliationReport& report, bool as_json) {
  json counts = {{"checked", report.checked},
                 {"as_written", report.as_written},
                 {"repaired", report.repaired},
                 {"flagged", report.flagged},
                 {"skipped", report.skipped}};
  if (as_json) {
    std::cout << counts.dump(2) << "\n";
    return;
  }
  for (const char* key : {"checked", "as_written", "repaired", "flagged", "skipped"})
    std::cout << key << std::string(12 - std::string(key).size(), ' ') << counts[key] << "\n";
}

}  // namespace

int RunWritebackReconcile(const EhrCommandOptions& options) {
  if (options.tenant.empty())
    return Fail("--tenant is required");
  Result<EhrSession> session = OpenSession(options);
  if (!session.ok())
    return Fail(session.status().message());

  fhir::Reconciler reconciler(*session->ehrs, *session->store, SystemClock::Instance());
  orchestrator::ReconciliationJob job(reconciler, *session->store, std::chrono::hours(1));
  Result<fhir::ReconciliationReport> report = job.RunTenant(options.tenant);
  if (!report.ok())
    return Fail(report.status().message());
  PrintReport(*report, options.json);
  return 0;
}

int RunWritebackDrain(const EhrCommandOptions& options) {
  Result<EhrSession> session = OpenSession(options);
  if (!session.ok())
    return Fail(session.status().message());
  Result<auth::GrantIssuer> grants = auth::GrantIssuer::LoadOrCreate(session->config.grant_key);
  if (!grants.ok())
    return Fail(grants.status().message());
  Result<auth::GrantVerifier> verifier = auth::GrantVerifier::FromJwks(grants->Jwks());
  Result<std::unique_ptr<policy::PolicyStore>> policy =
      policy::PolicyStore::Open({session->config.policy_path});
  if (!verifier.ok() || !policy.ok())
    return Fail(!verifier.ok() ? verifier.status().message() : policy.status().message());

  // Draining sends what was accepted and validated before; no validator is needed here.
  fhir::IntegrationOptions integration_options;
  integration_options.worker = "cli-drain";
  fhir::IntegrationService integration(*session->ehrs, *session->store, *verifier, **policy,
                                       nullptr, SystemClock::Instance(), integration_options);
  orchestrator::WritebackDrainer drainer(integration, *session->store);
  Result<int> attempts = drainer.DrainDue();
  if (!attempts.ok())
    return Fail(attempts.status().message());
  std::cout << "attempted " << *attempts << " write-back(s)\n";
  return 0;
}

int RunEhrClients(const EhrCommandOptions& options) {
  Result<Config> config = LoadConfig(options.config_path);
  if (!config.ok())
    return Fail(config.status().message());
  Result<json> registrations = ClientRegistrations(*config);
  if (!registrations.ok())
    return Fail(registrations.status().message());
  std::cout << registrations->dump(2) << "\n";
  return 0;
}

}  // namespace medulla::cli
