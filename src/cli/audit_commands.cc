#include "cli/audit_commands.h"

#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>

#include "audit/chain_verifier.h"
#include "audit/fhir_export.h"
#include "audit/sqlite_backup.h"
#include "audit/task_account.h"
#include "cli/commands.h"
#include "cli/config.h"
#include "store/store.h"
#include "store/store_factory.h"

namespace medulla::cli {
namespace {

Result<std::string> StoreUrl(const AuditCommandOptions& options) {
  if (!options.store.empty())
    return options.store;
  ASSIGN_OR_RETURN(Config config, LoadConfig(options.config_path));
  return config.store;
}

// Opens a store that must already exist: auditing a SQLite path with a typo must not create an
// empty store and call it intact.
Result<std::unique_ptr<store::Store>> OpenExistingStore(const std::string& url) {
  Result<std::string> path = SqlitePathOf(url);
  if (path.ok() && !std::filesystem::exists(*path))
    return NotFound("no store at " + *path);
  return store::OpenStore(url, SystemClock::Instance());
}

// Prints one line per tenant and returns the exit code the verdicts call for.
int ReportVerdicts(const std::vector<audit::TenantVerdict>& verdicts) {
  bool intact = true;
  for (const audit::TenantVerdict& verdict : verdicts) {
    std::cout << audit::VerdictLine(verdict) << "\n";
    intact = intact && verdict.intact();
  }
  if (verdicts.empty())
    std::cout << "no events to verify\n";
  return intact ? 0 : kChainBrokenExit;
}

Result<std::vector<audit::TenantVerdict>> VerifyStore(const std::string& url,
                                                      const std::string& tenant) {
  audit::VerifyOptions verify;
  if (!tenant.empty())
    verify.tenant = tenant;
  // The heads are read before the walk: heads only move forward, so every head read is
  // covered by the events the walk then reads. Only SQLite's heads are read; for other
  // engines the walk cannot see a deleted tail.
  Result<std::string> path = SqlitePathOf(url);
  if (path.ok()) {
    ASSIGN_OR_RETURN(verify.recorded_heads, audit::ReadSqliteChainHeads(*path));
  }
  if (verify.tenant) {
    std::erase_if(verify.recorded_heads,
                  [&](const auto& head) { return head.first != *verify.tenant; });
  }

  ASSIGN_OR_RETURN(std::unique_ptr<store::Store> store, OpenExistingStore(url));
  return audit::Verify(*store, verify);
}

Result<audit::ExportSelection> SelectionOf(const AuditCommandOptions& options) {
  audit::ExportSelection selection;
  if (!options.task_id.empty())
    selection.task_id = options.task_id;
  if (!options.tenant.empty())
    selection.tenant = options.tenant;
  if (!options.from.empty()) {
    ASSIGN_OR_RETURN(selection.from, ParseTimestamp(options.from));
  }
  if (!options.to.empty()) {
    ASSIGN_OR_RETURN(selection.to, ParseTimestamp(options.to));
  }
  return selection;
}

Status WriteOutput(const std::string& path, const std::string& text) {
  if (path.empty()) {
    std::cout << text << "\n";
    return Status::Ok();
  }
  std::ofstream out(path, std::ios::trunc);
  out << text << "\n";
  out.close();
  if (!out)
    return Unavailable("cannot write " + path);
  return Status::Ok();
}

}  // namespace

int RunAuditVerify(const AuditCommandOptions& options) {
  Result<std::string> url = StoreUrl(options);
  if (!url.ok())
    return Fail(url.status().message());
  Result<std::vector<audit::TenantVerdict>> verdicts = VerifyStore(*url, options.tenant);
  if (!verdicts.ok())
    return Fail("cannot verify: " + verdicts.status().message());
  return ReportVerdicts(*verdicts);
}

int RunAuditShow(const AuditCommandOptions& options) {
  Result<std::string> url = StoreUrl(options);
  if (!url.ok())
    return Fail(url.status().message());
  Result<std::unique_ptr<store::Store>> store = OpenExistingStore(*url);
  if (!store.ok())
    return Fail(store.status().message());

  Result<std::string> account = audit::RenderTaskAccount(**store, options.task_id);
  if (!account.ok())
    return Fail(account.status().message());
  std::cout << *account;
  return 0;
}

int RunAuditExport(const AuditCommandOptions& options) {
  Result<audit::ExportSelection> selection = SelectionOf(options);
  if (!selection.ok())
    return Fail(selection.status().message());
  Result<std::string> url = StoreUrl(options);
  if (!url.ok())
    return Fail(url.status().message());
  Result<std::unique_ptr<store::Store>> store = OpenExistingStore(*url);
  if (!store.ok())
    return Fail(store.status().message());

  Result<nlohmann::json> bundle =
      audit::ExportAudit(**store, *selection, SystemClock::Instance().Now());
  if (!bundle.ok())
    return Fail("cannot export: " + bundle.status().message());
  Status written = WriteOutput(options.out_path, bundle->dump(2));
  if (!written.ok())
    return Fail(written.message());
  return 0;
}

int RunBackup(const AuditCommandOptions& options) {
  Result<std::string> url = StoreUrl(options);
  if (!url.ok())
    return Fail(url.status().message());
  Result<std::string> path = SqlitePathOf(*url);
  if (!path.ok())
    return Fail("backup copies SQLite stores only: " + path.status().message());

  Result<audit::BackupSummary> backup = audit::BackupSqliteStore(*path, options.backup_path);
  if (!backup.ok())
    return Fail("backup failed: " + backup.status().message());
  std::cout << "backed up " << backup->events << " events (" << backup->bytes << " bytes) to "
            << options.backup_path << "\n";
  return 0;
}

int RunRestore(const AuditCommandOptions& options) {
  Result<std::string> url = StoreUrl(options);
  if (!url.ok())
    return Fail(url.status().message());
  Result<std::string> path = SqlitePathOf(*url);
  if (!path.ok())
    return Fail("restore writes SQLite stores only: " + path.status().message());

  Result<audit::BackupSummary> restored =
      audit::RestoreSqliteStore(options.backup_path, *path, {options.force});
  if (!restored.ok())
    return Fail("restore refused: " + restored.status().message());
  std::cout << "restored " << restored->events << " events to " << *path << "\n";

  Result<std::vector<audit::TenantVerdict>> verdicts = VerifyStore(*url, "");
  if (!verdicts.ok())
    return Fail("restored, but cannot verify: " + verdicts.status().message());
  return ReportVerdicts(*verdicts);
}

}  // namespace medulla::cli
