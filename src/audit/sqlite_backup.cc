#include "audit/sqlite_backup.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <system_error>

#include "common/ids.h"
#include "common/log.h"

namespace medulla::audit {
namespace {

namespace fs = std::filesystem;

// A writer holding the database for a moment makes a step answer busy; the copy waits and
// tries again for about ten seconds before giving up.
constexpr int kBusyRetries = 200;
constexpr int kBusyPauseMs = 50;

struct ConnectionCloser {
  void operator()(sqlite3* connection) const { sqlite3_close(connection); }
};
using Connection = std::unique_ptr<sqlite3, ConnectionCloser>;

struct StatementFinalizer {
  void operator()(sqlite3_stmt* statement) const { sqlite3_finalize(statement); }
};
using Statement = std::unique_ptr<sqlite3_stmt, StatementFinalizer>;

Status SqliteFailure(int code, const std::string& what) {
  std::string message = what + ": " + sqlite3_errstr(code);
  switch (code & 0xff) {
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT:
      return FailedPrecondition(message);
    default:
      return Unavailable(message);
  }
}

Result<Connection> OpenConnection(const std::string& path, int flags) {
  sqlite3* raw = nullptr;
  int code = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  Connection connection(raw);
  if (code != SQLITE_OK)
    return SqliteFailure(code, "cannot open " + path);
  sqlite3_busy_timeout(raw, 5000);
  return connection;
}

Result<Statement> PrepareStatement(sqlite3* connection, const char* sql) {
  sqlite3_stmt* raw = nullptr;
  int code = sqlite3_prepare_v2(connection, sql, -1, &raw, nullptr);
  Statement statement(raw);
  if (code != SQLITE_OK)
    return SqliteFailure(code, std::string("cannot prepare ") + sql);
  return statement;
}

Result<int64_t> QueryInt(sqlite3* connection, const char* sql) {
  ASSIGN_OR_RETURN(Statement statement, PrepareStatement(connection, sql));
  int code = sqlite3_step(statement.get());
  if (code != SQLITE_ROW)
    return SqliteFailure(code, std::string("no answer to ") + sql);
  return static_cast<int64_t>(sqlite3_column_int64(statement.get(), 0));
}

Status CheckIsMedullaStore(sqlite3* connection, const std::string& path) {
  Result<int64_t> tables = QueryInt(connection,
                                    "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND "
                                    "name IN ('tasks', 'events', 'schema_version')");
  if (!tables.ok() && tables.status().code() == StatusCode::kFailedPrecondition)
    return FailedPrecondition(path + " is not a SQLite database");
  RETURN_IF_ERROR(tables.status());
  if (*tables != 3)
    return FailedPrecondition(path + " is not a Medulla store");
  return Status::Ok();
}

Status QuickCheck(sqlite3* connection, const std::string& path) {
  ASSIGN_OR_RETURN(Statement statement, PrepareStatement(connection, "PRAGMA quick_check"));
  int code = sqlite3_step(statement.get());
  if (code != SQLITE_ROW)
    return SqliteFailure(code, "cannot check " + path);
  const unsigned char* answer = sqlite3_column_text(statement.get(), 0);
  if (answer == nullptr || std::string(reinterpret_cast<const char*>(answer)) != "ok")
    return FailedPrecondition(path + " fails SQLite's integrity check");
  return Status::Ok();
}

// Copies every page in one step: a single read transaction, so the copy is one consistent
// snapshot. Copying in smaller steps would restart whenever another process writes, and
// against a busy node might never finish.
Status CopyPages(sqlite3* source, sqlite3* destination) {
  sqlite3_backup* backup = sqlite3_backup_init(destination, "main", source, "main");
  if (backup == nullptr)
    return SqliteFailure(sqlite3_errcode(destination), "cannot start the copy");

  int code = SQLITE_OK;
  for (int attempt = 0; attempt < kBusyRetries; ++attempt) {
    code = sqlite3_backup_step(backup, -1);
    if (code != SQLITE_BUSY && code != SQLITE_LOCKED)
      break;
    sqlite3_sleep(kBusyPauseMs);
  }
  int finished = sqlite3_backup_finish(backup);
  if (code != SQLITE_DONE)
    return SqliteFailure(code, "the copy did not finish");
  if (finished != SQLITE_OK)
    return SqliteFailure(finished, "the copy did not finish");
  return Status::Ok();
}

Status SyncPath(const std::string& path, int flags) {
  int descriptor = ::open(path.c_str(), flags);
  if (descriptor < 0)
    return Unavailable("cannot open " + path + " to sync it");
  int synced = ::fsync(descriptor);
  ::close(descriptor);
  if (synced != 0)
    return Unavailable("cannot sync " + path);
  return Status::Ok();
}

Status SyncFileAndFolder(const std::string& path) {
  RETURN_IF_ERROR(SyncPath(path, O_RDONLY));
  fs::path folder = fs::path(path).parent_path();
  return SyncPath(folder.empty() ? "." : folder.string(), O_RDONLY | O_DIRECTORY);
}

std::string TemporaryBeside(const std::string& path, const std::string& purpose) {
  return path + "." + purpose + "-" + NewUuid().substr(0, 8);
}

void RemoveQuietly(const std::string& path) {
  std::error_code ignored;
  fs::remove(path, ignored);
}

// Copies `source_path` into a fresh file at `copy_path`, checks the copy and counts its
// events. The copy is synced; on failure it is removed.
Result<BackupSummary> CopyStore(const std::string& source_path, int source_flags,
                                const std::string& copy_path) {
  ASSIGN_OR_RETURN(Connection source, OpenConnection(source_path, source_flags));
  RETURN_IF_ERROR(CheckIsMedullaStore(source.get(), source_path));

  BackupSummary summary;
  Status copied = [&]() -> Status {
    ASSIGN_OR_RETURN(Connection copy,
                     OpenConnection(copy_path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE));
    RETURN_IF_ERROR(CopyPages(source.get(), copy.get()));
    RETURN_IF_ERROR(QuickCheck(copy.get(), copy_path));
    ASSIGN_OR_RETURN(summary.events, QueryInt(copy.get(), "SELECT COUNT(*) FROM events"));
    return Status::Ok();
  }();
  if (copied.ok())
    copied = SyncPath(copy_path, O_RDONLY);
  if (!copied.ok()) {
    RemoveQuietly(copy_path);
    return copied;
  }

  std::error_code error;
  summary.bytes = static_cast<int64_t>(fs::file_size(copy_path, error));
  return summary;
}

// Folds the store's write-ahead log into the main file and removes it, so that nothing of
// the old store is replayed onto whatever is renamed over it.
Status RetireWriteAheadLog(const std::string& store_path) {
  {
    ASSIGN_OR_RETURN(Connection store, OpenConnection(store_path, SQLITE_OPEN_READWRITE));
    char* error = nullptr;
    int code =
        sqlite3_exec(store.get(), "PRAGMA wal_checkpoint(TRUNCATE)", nullptr, nullptr, &error);
    sqlite3_free(error);
    if (code != SQLITE_OK)
      return SqliteFailure(code, "cannot checkpoint the existing store");
  }
  RemoveQuietly(store_path + "-wal");
  RemoveQuietly(store_path + "-shm");
  return Status::Ok();
}

Status RenameInto(const std::string& from, const std::string& to) {
  std::error_code error;
  fs::rename(from, to, error);
  if (error) {
    RemoveQuietly(from);
    return Unavailable("cannot move the copy to " + to + ": " + error.message());
  }
  return SyncFileAndFolder(to);
}

}  // namespace

Result<BackupSummary> BackupSqliteStore(const std::string& store_path,
                                        const std::string& backup_path) {
  if (!fs::exists(store_path))
    return NotFound("no store at " + store_path);
  if (fs::exists(backup_path))
    return Conflict(backup_path + " already exists; name a new backup file");

  std::string partial = TemporaryBeside(backup_path, "partial");
  ASSIGN_OR_RETURN(BackupSummary summary, CopyStore(store_path, SQLITE_OPEN_READONLY, partial));
  RETURN_IF_ERROR(RenameInto(partial, backup_path));

  log::Info("audit", "store.backed_up", {{"events", summary.events}, {"bytes", summary.bytes}});
  return summary;
}

Result<BackupSummary> RestoreSqliteStore(const std::string& backup_path,
                                         const std::string& store_path,
                                         const RestoreOptions& options) {
  if (!fs::exists(backup_path))
    return NotFound("no backup at " + backup_path);
  bool replacing = fs::exists(store_path);
  if (replacing && !options.force) {
    return Conflict("a store already exists at " + store_path + "; pass --force to replace it");
  }

  std::string partial = TemporaryBeside(store_path, "restore");
  ASSIGN_OR_RETURN(BackupSummary summary, CopyStore(backup_path, SQLITE_OPEN_READONLY, partial));
  if (replacing) {
    Status retired = RetireWriteAheadLog(store_path);
    if (!retired.ok()) {
      RemoveQuietly(partial);
      return retired;
    }
  }
  RETURN_IF_ERROR(RenameInto(partial, store_path));

  log::Info("audit", "store.restored",
            {{"events", summary.events}, {"bytes", summary.bytes}, {"replaced", replacing}});
  return summary;
}

Result<std::map<std::string, RecordedHead>> ReadSqliteChainHeads(const std::string& store_path) {
  if (!fs::exists(store_path))
    return NotFound("no store at " + store_path);
  ASSIGN_OR_RETURN(Connection store, OpenConnection(store_path, SQLITE_OPEN_READONLY));

  std::map<std::string, RecordedHead> heads;
  ASSIGN_OR_RETURN(int64_t has_table, QueryInt(store.get(),
                                               "SELECT COUNT(*) FROM sqlite_master WHERE "
                                               "type = 'table' AND name = 'tenant_chains'"));
  if (has_table == 0)
    return heads;

  ASSIGN_OR_RETURN(
      Statement rows,
      PrepareStatement(store.get(), "SELECT tenant, last_seq, last_hash FROM tenant_chains"));
  int code = sqlite3_step(rows.get());
  for (; code == SQLITE_ROW; code = sqlite3_step(rows.get())) {
    auto text = [&](int column) {
      const unsigned char* value = sqlite3_column_text(rows.get(), column);
      return value == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(value));
    };
    heads[text(0)] = RecordedHead{sqlite3_column_int64(rows.get(), 1), text(2)};
  }
  if (code != SQLITE_DONE)
    return SqliteFailure(code, "cannot read the chain heads");
  return heads;
}

}  // namespace medulla::audit
