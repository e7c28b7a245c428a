// Commands that reach the tenants' EHRs from the command line, with the node's configuration:
//
//   medulla writeback reconcile --config F --tenant T [--json]
//       compares the tenant's write-backs with its EHR now, repairs what it may, records the
//       findings on the tasks, and prints how many were as written, repaired, flagged, skipped
//   medulla writeback drain --config F
//       attempts every write-back that is due now (an EHR that was down), in order per patient
//   medulla ehr clients --config F
//       prints, per tenant on a SMART backend-services EHR, the client id and public JWKS to
//       register with that EHR (making the client key on first use)
//
// Each returns a process exit code; failures print one line "medulla: <reason>" and return 1.
#pragma once

#include <string>

namespace medulla::cli {

struct EhrCommandOptions {
  std::string config_path;
  std::string tenant;
  bool json = false;
};

int RunWritebackReconcile(const EhrCommandOptions& options);
int RunWritebackDrain(const EhrCommandOptions& options);
int RunEhrClients(const EhrCommandOptions& options);

}  // namespace medulla::cli
