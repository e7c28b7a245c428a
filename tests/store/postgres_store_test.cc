// What only the PostgreSQL engine promises: refusals its server enforces beyond SQLite's, and
// how it fails when the server is away.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "store_fixture.h"

namespace medulla::store {
namespace {

using ::testing::HasSubstr;

using PostgresStoreTest = StoreTest;

TEST_P(PostgresStoreTest, DirectSqlCannotTruncateEvents) {
  std::string task_id = CreateTask();

  RawSqlOutcome truncated = RunRawSql("TRUNCATE events CASCADE");

  EXPECT_FALSE(truncated.ok);
  EXPECT_EQ(truncated.code, "23000");
  EXPECT_THAT(truncated.message, HasSubstr("events are append-only"));
  EXPECT_EQ(store_->ReadTask(task_id)->size(), 1u);
}

TEST_P(PostgresStoreTest, DirectSqlCannotRewriteOneEventOfManyInATransaction) {
  std::string task_id = CreateTask();
  AppendEvents(task_id, 2);

  RawSqlOutcome rewritten =
      RunRawSql("BEGIN; UPDATE events SET payload = '{}' WHERE task_seq = 2; COMMIT;");

  EXPECT_FALSE(rewritten.ok);
  EXPECT_EQ(rewritten.code, "23000");
  EXPECT_EQ(store_->ReadTask(task_id)->at(1).payload["step"], 0);
}

TEST_P(PostgresStoreTest, OpeningAStoreOnAServerThatIsDownIsUnavailable) {
  // Port 1 on loopback: nothing listens there, so the connection is refused at once.
  Result<std::unique_ptr<Store>> opened =
      OpenPostgresStore("postgresql://postgres@127.0.0.1:1/medulla_test", clock_);

  EXPECT_EQ(opened.status().code(), StatusCode::kUnavailable);
  EXPECT_THAT(opened.status().message(), HasSubstr("cannot reach"));
}

TEST_P(PostgresStoreTest, AStoreWithoutConnectionsIsRefused) {
  Result<std::unique_ptr<Store>> opened = OpenStore(StoreUrl(), clock_, {true, 0});

  EXPECT_EQ(opened.status().code(), StatusCode::kInvalidArgument);
}

TEST_P(PostgresStoreTest, AServerThatAcknowledgesBeforeFlushingIsRefused) {
  // Only this connection's sessions run with the setting, so neighbouring tests are untouched.
  std::string relaxed_url = StoreUrl() + "%20-csynchronous_commit%3Doff";

  Result<std::unique_ptr<Store>> opened = OpenStore(relaxed_url, clock_);

  EXPECT_EQ(opened.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(opened.status().message(), HasSubstr("synchronous_commit = off"));
}

INSTANTIATE_TEST_SUITE_P(Postgres, PostgresStoreTest,
                         ::testing::Values(EngineConfig{Engine::kPostgres, true}), ConfigName);

}  // namespace
}  // namespace medulla::store
