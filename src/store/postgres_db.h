// A thin layer over libpq for the PostgreSQL store: one connection per object, statements
// prepared once per connection and run with text parameters, and failures turned into
// Status by SQLSTATE. Internal to the store part.
//
// Thread safety: none. A Connection is used by one caller at a time (the pool hands it out).
#pragma once

#include <libpq-fe.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/status.h"

namespace medulla::store::postgres {

// The rows of one statement's answer. Owns the libpq result. Rows and columns count from 0.
class Rows {
 public:
  explicit Rows(PGresult* result) : result_(result) {}
  Rows(Rows&& other) noexcept;
  Rows& operator=(Rows&&) = delete;
  Rows(const Rows&) = delete;
  Rows& operator=(const Rows&) = delete;
  ~Rows();

  int size() const;
  bool empty() const { return size() == 0; }
  std::string Text(int row, int column) const;
  int64_t Int(int row, int column) const;
  bool IsNull(int row, int column) const;

 private:
  PGresult* result_;
};

class Connection {
 public:
  // Connects to `url` (a libpq connection URI). kUnavailable when the server cannot be reached
  // or refuses the connection; the message carries libpq's reason without the URL's password.
  static Result<std::unique_ptr<Connection>> Open(const std::string& url);

  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection();

  // Runs parameterless SQL text: schema, BEGIN, COMMIT, never values.
  Status Exec(const char* sql);

  // Runs `sql` with `params` bound as $1, $2, ... in text form, preparing the statement on
  // first use on this connection.
  Result<Rows> Run(const std::string& sql, const std::vector<std::string>& params = {});

  // True when the last failure was a serialization failure or a deadlock: the transaction
  // was rolled back by the server and may be run again.
  bool last_failure_retryable() const { return last_retryable_; }
  // Restores what last_failure_retryable reports after cleanup statements succeeded.
  void set_last_failure_retryable(bool retryable) { last_retryable_ = retryable; }

  // The constraint the last failure violated, or empty.
  const std::string& last_failure_constraint() const { return last_constraint_; }

  // True once the connection to the server is lost; the pool then drops it.
  bool broken() const;

 private:
  explicit Connection(PGconn* connection) : connection_(connection) {}

  // Turns a failed `result` into a Status whose message starts with `what`, and records
  // whether a retry may succeed. Consumes `result`.
  Status Failure(PGresult* result, std::string_view what);

  PGconn* connection_;
  std::unordered_map<std::string, std::string> statement_names_;  // sql -> prepared name
  bool last_retryable_ = false;
  std::string last_constraint_;
};

}  // namespace medulla::store::postgres
