// What only the SQLite engine promises: its file's journal mode and how it fails to open.
#include <gtest/gtest.h>

#include "store_fixture.h"

namespace medulla::store {
namespace {

using SqliteStoreTest = StoreTest;

TEST_P(SqliteStoreTest, StoreFileUsesWriteAheadLogging) {
  sqlite3* connection = nullptr;
  ASSERT_EQ(sqlite3_open(DatabasePath().c_str(), &connection), SQLITE_OK);
  sqlite3_stmt* statement = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(connection, "PRAGMA journal_mode", -1, &statement, nullptr),
            SQLITE_OK);
  ASSERT_EQ(sqlite3_step(statement), SQLITE_ROW);
  std::string mode = reinterpret_cast<const char*>(sqlite3_column_text(statement, 0));
  sqlite3_finalize(statement);
  sqlite3_close(connection);

  EXPECT_EQ(mode, "wal");
}

TEST_P(SqliteStoreTest, OpeningAStoreInAMissingDirectoryIsUnavailable) {
  Result<std::unique_ptr<Store>> opened =
      OpenSqliteStore((directory_ / "missing" / "medulla.db").string(), clock_);

  EXPECT_EQ(opened.status().code(), StatusCode::kUnavailable);
}

INSTANTIATE_TEST_SUITE_P(Sqlite, SqliteStoreTest,
                         ::testing::Values(EngineConfig{Engine::kSqlite, true}), ConfigName);

}  // namespace
}  // namespace medulla::store
