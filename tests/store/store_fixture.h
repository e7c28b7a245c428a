// A fixture that gives each test its own SQLite store file under a fresh temporary
// directory, a hand-moved clock, and verbs for the steps store tests keep taking.
#pragma once

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "common/ids.h"
#include "common/time.h"
#include "store/event.h"
#include "store/store.h"

namespace medulla::store {

inline constexpr std::chrono::milliseconds kLeaseFor{30'000};

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

class StoreTest : public ::testing::Test {
 protected:
  StoreTest()
      : directory_(std::filesystem::temp_directory_path() / ("medulla-store-" + NewUuid())),
        clock_(*ParseTimestamp("2026-03-02T09:00:00Z")) {
    std::filesystem::create_directories(directory_);
  }

  ~StoreTest() override {
    store_.reset();
    std::error_code ignored;
    std::filesystem::remove_all(directory_, ignored);
  }

  void SetUp() override { Open(); }

  std::string DatabasePath() const { return (directory_ / "medulla.db").string(); }

  void Open() {
    Result<std::unique_ptr<Store>> opened = OpenSqliteStore(DatabasePath(), clock_);
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

  // Runs `sql` on a separate raw connection, as an operator with sqlite3 would, and
  // returns SQLite's result code.
  int RunRawSql(const std::string& sql) {
    sqlite3* connection = nullptr;
    EXPECT_EQ(sqlite3_open(DatabasePath().c_str(), &connection), SQLITE_OK);
    sqlite3_busy_timeout(connection, 5000);
    int code = sqlite3_exec(connection, sql.c_str(), nullptr, nullptr, nullptr);
    sqlite3_close(connection);
    return code;
  }

  std::filesystem::path directory_;
  ManualClock clock_;
  std::unique_ptr<Store> store_;
};

}  // namespace medulla::store
