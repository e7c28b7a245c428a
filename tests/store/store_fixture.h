// A fixture that runs each store test against every engine: SQLite in a fresh temporary
// directory, and PostgreSQL in a fresh schema of the database named by
// MEDULLA_TEST_POSTGRES_URL (scripts/postgres.sh starts one). Each engine runs with grouped
// commits and with every append committing alone. Without that variable the PostgreSQL
// cases are skipped, or fail when CI=true, so a CI run cannot pass without them.
// The clock is moved by hand; verbs name the steps store tests keep taking.
#pragma once

#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "common/ids.h"
#include "common/time.h"
#include "store/event.h"
#include "store/postgres_store.h"
#include "store/sqlite_schema.h"
#include "store/store.h"
#include "store/store_factory.h"

namespace medulla::store {

inline constexpr std::chrono::milliseconds kLeaseFor{30'000};

enum class Engine { kSqlite, kPostgres };

struct EngineConfig {
  Engine engine;
  bool group_commit;
};

inline void PrintTo(const EngineConfig& config, std::ostream* out) {
  *out << (config.engine == Engine::kSqlite ? "sqlite" : "postgres")
       << (config.group_commit ? ", grouped commits" : ", single commits");
}

inline std::string ConfigName(const ::testing::TestParamInfo<EngineConfig>& info) {
  std::string engine = info.param.engine == Engine::kSqlite ? "sqlite" : "postgres";
  return engine + (info.param.group_commit ? "_grouped" : "_single");
}

// Instantiates a suite once per engine and commit mode.
#define MEDULLA_ALL_STORE_ENGINES(suite)                                               \
  INSTANTIATE_TEST_SUITE_P(                                                            \
      Engines, suite,                                                                  \
      ::testing::Values(                                                               \
          ::medulla::store::EngineConfig{::medulla::store::Engine::kSqlite, true},     \
          ::medulla::store::EngineConfig{::medulla::store::Engine::kSqlite, false},    \
          ::medulla::store::EngineConfig{::medulla::store::Engine::kPostgres, true},   \
          ::medulla::store::EngineConfig{::medulla::store::Engine::kPostgres, false}), \
      ::medulla::store::ConfigName)

inline nlohmann::json ClinicianActor() {
  return {{"sub", "clinician-7"}, {"tenant", "clinic-a"}, {"roles", {"clinician"}}};
}

inline NewEvent TaskCreatedEvent(const std::string& agent = "scribe") {
  return {event_type::kTaskCreated,
          ClinicianActor(),
          {{"agent", agent}, {"input", "visit note"}, {"patient", "Patient/p-1"}}};
}

inline NewEvent AgentStartedEvent(const std::string& agent, int step) {
  return {event_type::kAgentStarted, {{"agent", agent}}, {{"agent", agent}, {"step", step}}};
}

// What an operator's own client saw when running SQL beside the store.
struct RawSqlOutcome {
  bool ok = false;
  std::string code;  // SQLite's primary result code as a number, or PostgreSQL's SQLSTATE
  std::string message;
};

class StoreTest : public ::testing::TestWithParam<EngineConfig> {
 protected:
  StoreTest()
      : directory_(std::filesystem::temp_directory_path() / ("medulla-store-" + NewUuid())),
        clock_(*ParseTimestamp("2026-03-02T09:00:00Z")) {}

  ~StoreTest() override {
    store_.reset();
    if (!schema_.empty())
      RunRawPostgresAt(postgres_base_url_, "DROP SCHEMA " + schema_ + " CASCADE");
    std::error_code ignored;
    std::filesystem::remove_all(directory_, ignored);
  }

  void SetUp() override {
    if (engine() == Engine::kPostgres) {
      const char* base = std::getenv("MEDULLA_TEST_POSTGRES_URL");
      if (base == nullptr || *base == '\0') {
        const char* ci = std::getenv("CI");
        if (ci != nullptr && std::string(ci) == "true") {
          FAIL() << "MEDULLA_TEST_POSTGRES_URL is not set, so the PostgreSQL store cannot be "
                    "tested; start a server with scripts/postgres.sh start DIR and export the "
                    "URL it prints";
        }
        GTEST_SKIP() << "MEDULLA_TEST_POSTGRES_URL is not set; PostgreSQL cases skipped";
      }
      CreateSchema(base);
    } else {
      std::filesystem::create_directories(directory_);
    }
    Open();
  }

  Engine engine() const { return GetParam().engine; }

  std::string DatabasePath() const { return (directory_ / "medulla.db").string(); }

  // The URL OpenStore takes for this test's store.
  std::string StoreUrl() const {
    return engine() == Engine::kSqlite ? "sqlite:" + DatabasePath() : postgres_url_;
  }

  StoreOptions Options() const { return StoreOptions{GetParam().group_commit, 8}; }

  int SchemaVersion() const {
    return engine() == Engine::kSqlite ? sqlite::kSchemaVersion : PostgresSchemaVersion();
  }

  Result<std::unique_ptr<Store>> OpenAnother() { return OpenStore(StoreUrl(), clock_, Options()); }

  void Open() {
    Result<std::unique_ptr<Store>> opened = OpenAnother();
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    store_ = std::move(opened).value();
  }

  // Closes the store as a restarted process would find it, then opens it again.
  void Reopen() {
    store_.reset();
    Open();
  }

  // Creates a task without an idempotency key and returns its id.
  std::string CreateTask(const std::string& tenant = "clinic-a") {
    std::string task_id = NewUuid();
    Result<CreatedTask> created = store_->CreateTask({task_id, tenant, {}, TaskCreatedEvent()});
    EXPECT_TRUE(created.ok()) << created.status().ToString();
    return task_id;
  }

  // Appends `count` agent.started events one call at a time after task_seq `after`.
  void AppendEvents(const std::string& task_id, int count, int64_t after = 1,
                    const Lease* lease = nullptr) {
    for (int i = 0; i < count; ++i) {
      Result<std::vector<Event>> appended =
          store_->Append(task_id, {AgentStartedEvent("scribe", i)}, after + i, lease);
      ASSERT_TRUE(appended.ok()) << appended.status().ToString();
    }
  }

  Lease ClaimAs(const std::string& worker) {
    Result<std::optional<Lease>> claimed = store_->Claim(worker, kLeaseFor);
    EXPECT_TRUE(claimed.ok()) << claimed.status().ToString();
    EXPECT_TRUE(claimed.ok() && claimed->has_value()) << worker << " found nothing to claim";
    return claimed.ok() && claimed->has_value() ? **claimed : Lease{};
  }

  // A worker that dies stops renewing: its lease simply runs out.
  void CrashWorker(const Lease& lease) { clock_.Set(lease.expires_at); }

  // Runs `sql` on a separate raw connection, as an operator with sqlite3 or psql would.
  RawSqlOutcome RunRawSql(const std::string& sql) {
    return engine() == Engine::kSqlite ? RunRawSqlite(sql) : RunRawPostgres(sql);
  }

  std::filesystem::path directory_;
  ManualClock clock_;
  std::unique_ptr<Store> store_;

 private:
  // Gives the test its own schema, so that tests running side by side share nothing.
  void CreateSchema(const std::string& base) {
    std::string schema = "medulla_test_" + NewUuid();
    std::replace(schema.begin(), schema.end(), '-', '_');
    postgres_base_url_ = base;
    RawSqlOutcome created = RunRawPostgresAt(base, "CREATE SCHEMA " + schema);
    ASSERT_TRUE(created.ok) << "cannot create a test schema: " << created.message;
    schema_ = schema;
    char separator = base.find('?') == std::string::npos ? '?' : '&';
    postgres_url_ = base + separator + "options=-csearch_path%3D" + schema;
  }

  RawSqlOutcome RunRawSqlite(const std::string& sql) {
    sqlite3* connection = nullptr;
    EXPECT_EQ(sqlite3_open(DatabasePath().c_str(), &connection), SQLITE_OK);
    sqlite3_busy_timeout(connection, 5000);
    int code = sqlite3_exec(connection, sql.c_str(), nullptr, nullptr, nullptr);
    RawSqlOutcome outcome{code == SQLITE_OK, std::to_string(code & 0xff),
                          sqlite3_errmsg(connection)};
    sqlite3_close(connection);
    return outcome;
  }

  RawSqlOutcome RunRawPostgres(const std::string& sql) {
    return RunRawPostgresAt(postgres_url_, sql);
  }

  static RawSqlOutcome RunRawPostgresAt(const std::string& url, const std::string& sql) {
    PGconn* connection = PQconnectdb(url.c_str());
    if (PQstatus(connection) != CONNECTION_OK) {
      RawSqlOutcome failed{false, "connect", PQerrorMessage(connection)};
      PQfinish(connection);
      return failed;
    }
    PQsetNoticeProcessor(
        connection, [](void*, const char*) {}, nullptr);
    PGresult* result = PQexec(connection, sql.c_str());
    ExecStatusType status = PQresultStatus(result);
    const char* sqlstate = PQresultErrorField(result, PG_DIAG_SQLSTATE);
    RawSqlOutcome outcome{status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK,
                          sqlstate == nullptr ? "" : sqlstate, PQresultErrorMessage(result)};
    PQclear(result);
    PQfinish(connection);
    return outcome;
  }

  std::string postgres_base_url_;
  std::string postgres_url_;
  std::string schema_;  // the PostgreSQL schema this test created, dropped afterwards
};

}  // namespace medulla::store
