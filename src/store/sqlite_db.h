// A thin layer over the SQLite C API for the SQLite store: one connection, prepared
// statements cached for the connection's lifetime, and transactions that roll back unless
// committed. Internal to the store part.
//
// Thread safety: none. The owner serialises every call on a Database and its Queries.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/status.h"

namespace medulla::store::sqlite {

class Database;

// One use of a cached prepared statement. Leaving scope resets the statement and clears its
// bindings, which releases any read it holds open and readies it for the next use.
// Parameter and column indexes follow SQLite: parameters from 1, columns from 0.
class Query {
 public:
  Query(Database& db, sqlite3_stmt* statement) : db_(&db), statement_(statement) {}
  Query(Query&& other) noexcept;
  Query& operator=(Query&&) = delete;
  Query(const Query&) = delete;
  Query& operator=(const Query&) = delete;
  ~Query();

  Query& BindInt(int index, int64_t value);
  Query& BindText(int index, std::string_view text);
  Query& BindNull(int index);

  // Steps once: true when a row is ready to read, false when the statement is done.
  Result<bool> Next();

  // Steps to completion, for statements that return no rows.
  Status Run();

  int64_t Int(int column) const;
  std::string Text(int column) const;
  bool IsNull(int column) const;

 private:
  Database* db_;
  sqlite3_stmt* statement_;
  Status bind_status_;  // the first binding failure, reported by Next or Run
};

class Database {
 public:
  // Opens or creates the database file at `path`. kUnavailable when it cannot be opened.
  static Result<std::unique_ptr<Database>> Open(const std::string& path);

  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;
  ~Database();

  // Runs parameterless SQL text: schema and pragmas, never values.
  Status Exec(const char* sql);

  // Returns a Query over the cached statement for `sql`, preparing it on first use.
  // REQUIRES: no other Query over the same `sql` is alive.
  Result<Query> Prepare(const std::string& sql);

  int64_t LastInsertRowId() const;

  // Turns SQLite result `code` into a Status whose message starts with `what`.
  Status Failure(int code, std::string_view what) const;

 private:
  explicit Database(sqlite3* connection) : connection_(connection) {}

  sqlite3* connection_;
  std::unordered_map<std::string, sqlite3_stmt*> statements_;
};

// A write transaction taken with BEGIN IMMEDIATE, so that the write lock is held from the
// first read and no other writer can slip in between a check and the write it guards.
// Rolls back on destruction unless Commit succeeded.
class Transaction {
 public:
  static Result<Transaction> Begin(Database& db);

  Transaction(Transaction&& other) noexcept;
  Transaction& operator=(Transaction&&) = delete;
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  ~Transaction();

  Status Commit();

 private:
  explicit Transaction(Database& db) : db_(&db) {}

  Database* db_;  // null once committed, rolled back or moved from
};

}  // namespace medulla::store::sqlite
