#include "store/sqlite_db.h"

#include <utility>

namespace medulla::store::sqlite {

Query::Query(Query&& other) noexcept
    : db_(other.db_),
      statement_(std::exchange(other.statement_, nullptr)),
      bind_status_(std::move(other.bind_status_)) {}

Query::~Query() {
  if (statement_ == nullptr)
    return;
  sqlite3_reset(statement_);
  sqlite3_clear_bindings(statement_);
}

Query& Query::BindInt(int index, int64_t value) {
  int code = sqlite3_bind_int64(statement_, index, value);
  if (code != SQLITE_OK && bind_status_.ok())
    bind_status_ = db_->Failure(code, "bind");
  return *this;
}

Query& Query::BindText(int index, std::string_view text) {
  int code = sqlite3_bind_text64(statement_, index, text.data(), text.size(), SQLITE_TRANSIENT,
                                 SQLITE_UTF8);
  if (code != SQLITE_OK && bind_status_.ok())
    bind_status_ = db_->Failure(code, "bind");
  return *this;
}

Query& Query::BindNull(int index) {
  int code = sqlite3_bind_null(statement_, index);
  if (code != SQLITE_OK && bind_status_.ok())
    bind_status_ = db_->Failure(code, "bind");
  return *this;
}

Result<bool> Query::Next() {
  RETURN_IF_ERROR(bind_status_);

  int code = sqlite3_step(statement_);
  if (code == SQLITE_ROW)
    return true;
  if (code == SQLITE_DONE)
    return false;
  return db_->Failure(code, "step");
}

Status Query::Run() {
  ASSIGN_OR_RETURN(bool has_row, Next());
  while (has_row) {
    ASSIGN_OR_RETURN(has_row, Next());
  }
  return Status::Ok();
}

int64_t Query::Int(int column) const {
  return sqlite3_column_int64(statement_, column);
}

std::string Query::Text(int column) const {
  const unsigned char* text = sqlite3_column_text(statement_, column);
  if (text == nullptr)
    return {};
  int size = sqlite3_column_bytes(statement_, column);
  return std::string(reinterpret_cast<const char*>(text), static_cast<size_t>(size));
}

bool Query::IsNull(int column) const {
  return sqlite3_column_type(statement_, column) == SQLITE_NULL;
}

Result<std::unique_ptr<Database>> Database::Open(const std::string& path) {
  sqlite3* connection = nullptr;
  // The store serialises access itself, so SQLite's own per-connection mutex is not needed.
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  int code = sqlite3_open_v2(path.c_str(), &connection, flags, nullptr);
  if (code != SQLITE_OK) {
    std::string reason = connection ? sqlite3_errmsg(connection) : sqlite3_errstr(code);
    sqlite3_close_v2(connection);
    return Unavailable("cannot open store at " + path + ": " + reason);
  }
  sqlite3_extended_result_codes(connection, 1);
  return std::unique_ptr<Database>(new Database(connection));
}

Database::~Database() {
  for (auto& [sql, statement] : statements_)
    sqlite3_finalize(statement);
  sqlite3_close_v2(connection_);
}

Status Database::Exec(const char* sql) {
  int code = sqlite3_exec(connection_, sql, nullptr, nullptr, nullptr);
  if (code != SQLITE_OK)
    return Failure(code, "exec");
  return Status::Ok();
}

Result<Query> Database::Prepare(const std::string& sql) {
  auto cached = statements_.find(sql);
  if (cached != statements_.end())
    return Query(*this, cached->second);

  sqlite3_stmt* statement = nullptr;
  int code = sqlite3_prepare_v3(connection_, sql.c_str(), static_cast<int>(sql.size()) + 1,
                                SQLITE_PREPARE_PERSISTENT, &statement, nullptr);
  if (code != SQLITE_OK)
    return Failure(code, "prepare");

  statements_.emplace(sql, statement);
  return Query(*this, statement);
}

int64_t Database::LastInsertRowId() const {
  return sqlite3_last_insert_rowid(connection_);
}

Status Database::Failure(int code, std::string_view what) const {
  // SQLite's messages name tables, columns and constraints, never the values bound.
  std::string message = std::string(what) + ": " + sqlite3_errmsg(connection_);
  switch (code & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
      return Unavailable(std::move(message));
    case SQLITE_CONSTRAINT:
      return Conflict(std::move(message));
    default:
      return Internal(std::move(message));
  }
}

Result<Transaction> Transaction::Begin(Database& db) {
  RETURN_IF_ERROR(db.Exec("BEGIN IMMEDIATE"));
  return Transaction(db);
}

Transaction::Transaction(Transaction&& other) noexcept : db_(std::exchange(other.db_, nullptr)) {}

Transaction::~Transaction() {
  if (db_ == nullptr)
    return;
  // A rollback fails only on a broken connection; the next Begin then fails and says so.
  (void)db_->Exec("ROLLBACK");
}

Status Transaction::Commit() {
  Status committed = db_->Exec("COMMIT");
  if (committed.ok())
    db_ = nullptr;
  return committed;
}

}  // namespace medulla::store::sqlite
