// The audit commands: verify a store's hash chains, show a task's account, export FHIR
// AuditEvent and Provenance records, and back up and restore a SQLite store. Each returns a
// process exit code; failures print one line "medulla: <reason>" to standard error.
//
//   medulla audit verify  [--config F] [--store URL] [--tenant T]
//       0 every chain intact, 4 a chain is broken (the line names the first bad event), 1 error
//   medulla audit show TASK [--config F] [--store URL]
//   medulla audit export (--task ID | --from RFC3339 --to RFC3339) [--tenant T] [--out FILE]
//   medulla backup  [--config F] [--store sqlite:PATH] --to FILE
//   medulla restore --from FILE [--config F] [--store sqlite:PATH] [--force]
//       0 restored and intact, 4 restored but a chain is broken, 1 error
#pragma once

#include <string>

namespace medulla::cli {

// Exit code of a verification that found a broken chain.
inline constexpr int kChainBrokenExit = 4;

struct AuditCommandOptions {
  std::string config_path;
  std::string store;  // empty: from the configuration
  std::string tenant;
  std::string task_id;
  std::string from;
  std::string to;
  std::string out_path;     // export: empty writes to standard output
  std::string backup_path;  // backup: --to; restore: --from
  bool force = false;
};

int RunAuditVerify(const AuditCommandOptions& options);
int RunAuditShow(const AuditCommandOptions& options);
int RunAuditExport(const AuditCommandOptions& options);
int RunBackup(const AuditCommandOptions& options);
int RunRestore(const AuditCommandOptions& options);

}  // namespace medulla::cli
