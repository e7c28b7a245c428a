#include "store/postgres_db.h"

#include <cstdlib>
#include <utility>

namespace medulla::store::postgres {
namespace {

// Notices ("relation already exists, skipping") are chatter, not failures; libpq would print
// them on standard error, outside Medulla's JSON logs.
void IgnoreNotice(void*, const char*) {}

std::string ErrorField(const PGresult* result, int field) {
  const char* value = PQresultErrorField(result, field);
  return value == nullptr ? std::string() : std::string(value);
}

bool IsRetryableState(const std::string& sqlstate) {
  return sqlstate == "40001" || sqlstate == "40P01";  // serialization failure, deadlock
}

bool IsUnavailableState(const std::string& sqlstate) {
  // Connection exceptions, insufficient resources, operator intervention (shutdown, cancel).
  return sqlstate.starts_with("08") || sqlstate.starts_with("53") || sqlstate.starts_with("57") ||
         sqlstate.starts_with("58");
}

}  // namespace

Rows::Rows(Rows&& other) noexcept : result_(std::exchange(other.result_, nullptr)) {}

Rows::~Rows() {
  if (result_ != nullptr)
    PQclear(result_);
}

int Rows::size() const {
  return PQntuples(result_);
}

std::string Rows::Text(int row, int column) const {
  return std::string(PQgetvalue(result_, row, column),
                     static_cast<size_t>(PQgetlength(result_, row, column)));
}

int64_t Rows::Int(int row, int column) const {
  return std::strtoll(PQgetvalue(result_, row, column), nullptr, 10);
}

bool Rows::IsNull(int row, int column) const {
  return PQgetisnull(result_, row, column) == 1;
}

Result<std::unique_ptr<Connection>> Connection::Open(const std::string& url) {
  PGconn* connection = PQconnectdb(url.c_str());
  if (connection == nullptr)
    return Unavailable("cannot reach the store's PostgreSQL server: out of memory");
  if (PQstatus(connection) != CONNECTION_OK) {
    // libpq names the host, port and cause; it never repeats the password.
    std::string reason = PQerrorMessage(connection);
    while (!reason.empty() && (reason.back() == '\n' || reason.back() == ' '))
      reason.pop_back();
    PQfinish(connection);
    return Unavailable("cannot reach the store's PostgreSQL server: " + reason);
  }
  PQsetNoticeProcessor(connection, IgnoreNotice, nullptr);
  return std::unique_ptr<Connection>(new Connection(connection));
}

Connection::~Connection() {
  PQfinish(connection_);
}

bool Connection::broken() const {
  return PQstatus(connection_) != CONNECTION_OK;
}

Status Connection::Exec(const char* sql) {
  last_retryable_ = false;
  PGresult* result = PQexec(connection_, sql);
  ExecStatusType status = PQresultStatus(result);
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK)
    return Failure(result, "exec");
  PQclear(result);
  return Status::Ok();
}

Result<Rows> Connection::Run(const std::string& sql, const std::vector<std::string>& params) {
  last_retryable_ = false;
  auto named = statement_names_.find(sql);
  if (named == statement_names_.end()) {
    std::string name = "medulla_" + std::to_string(statement_names_.size() + 1);
    PGresult* prepared = PQprepare(connection_, name.c_str(), sql.c_str(), 0, nullptr);
    if (PQresultStatus(prepared) != PGRES_COMMAND_OK)
      return Failure(prepared, "prepare");
    PQclear(prepared);
    named = statement_names_.emplace(sql, std::move(name)).first;
  }

  std::vector<const char*> values;
  values.reserve(params.size());
  for (const std::string& param : params)
    values.push_back(param.c_str());
  PGresult* result =
      PQexecPrepared(connection_, named->second.c_str(), static_cast<int>(values.size()),
                     values.data(), nullptr, nullptr, 0);
  ExecStatusType status = PQresultStatus(result);
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK)
    return Failure(result, "statement");
  return Rows(result);
}

Status Connection::Failure(PGresult* result, std::string_view what) {
  // Only the primary message: PostgreSQL's DETAIL line repeats the offending values.
  std::string sqlstate = ErrorField(result, PG_DIAG_SQLSTATE);
  std::string primary = ErrorField(result, PG_DIAG_MESSAGE_PRIMARY);
  last_constraint_ = ErrorField(result, PG_DIAG_CONSTRAINT_NAME);
  PQclear(result);

  if (primary.empty())
    primary = broken() ? "connection to the server was lost" : "no message";
  last_retryable_ = IsRetryableState(sqlstate);
  std::string message = std::string(what) + ": " + primary;
  if (!sqlstate.empty())
    message += " (SQLSTATE " + sqlstate + ")";

  if (broken() || IsUnavailableState(sqlstate) || last_retryable_)
    return Unavailable(std::move(message));
  if (sqlstate.starts_with("23"))  // integrity constraint violations
    return Conflict(std::move(message));
  if (sqlstate.starts_with("22"))  // data exceptions: bad encoding, out-of-range values
    return InvalidArgument(std::move(message));
  return Internal(std::move(message));
}

}  // namespace medulla::store::postgres
