#include "audit/sqlite_backup.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include "audit/audit_fixture.h"
#include "cli/audit_commands.h"

namespace medulla::audit {
namespace {

using ::testing::HasSubstr;

class SqliteBackupTest : public AuditTest {
 protected:
  std::string BackupPath() const { return directory_.File("backup.db"); }
  std::string RestoredPath() const { return directory_.File("restored.db"); }

  // Opens another store file and returns all its events.
  std::vector<store::Event> EventsIn(const std::string& path) {
    Result<std::unique_ptr<store::Store>> other = store::OpenSqliteStore(path, clock_);
    EXPECT_TRUE(other.ok()) << other.status().ToString();
    if (!other.ok())
      return {};
    Result<std::vector<store::Event>> events = (*other)->ReadSince(0, 1000000);
    EXPECT_TRUE(events.ok()) << events.status().ToString();
    return events.ok() ? *events : std::vector<store::Event>{};
  }

  std::vector<TenantVerdict> VerifyFile(const std::string& path) {
    Result<std::unique_ptr<store::Store>> other = store::OpenSqliteStore(path, clock_);
    EXPECT_TRUE(other.ok()) << other.status().ToString();
    if (!other.ok())
      return {};
    VerifyOptions options;
    Result<std::map<std::string, RecordedHead>> heads = ReadSqliteChainHeads(path);
    EXPECT_TRUE(heads.ok()) << heads.status().ToString();
    if (heads.ok())
      options.recorded_heads = *heads;
    Result<std::vector<TenantVerdict>> verdicts = Verify(**other, options);
    EXPECT_TRUE(verdicts.ok()) << verdicts.status().ToString();
    return verdicts.ok() ? *verdicts : std::vector<TenantVerdict>{};
  }
};

TEST_F(SqliteBackupTest, BackupWhileAppendingIsAConsistentPrefixThatRestoresIntact) {
  RecordClinicDay();
  std::string task_id = RecordTask({"clinic-a", "dr-grey"});
  int64_t before = EventCount();

  std::atomic<int> appended{0};
  std::atomic<bool> stop{false};
  std::atomic<bool> writer_done{false};
  std::thread writer([&] {
    int64_t last = 21;
    while (!stop.load()) {
      Result<std::vector<store::Event>> added = store_->Append(
          task_id, {{event_type::kAgentStarted, Actor({}), {{"agent", "scribe"}}}}, last, nullptr);
      if (!added.ok())
        break;
      ++last;
      ++appended;
    }
    writer_done = true;
  });
  while (appended.load() < 20 && !writer_done.load()) {
    std::this_thread::yield();
  }

  Result<BackupSummary> backup = BackupSqliteStore(StorePath(), BackupPath());
  int appended_during_backup = appended.load();
  while (appended.load() < appended_during_backup + 20 && !writer_done.load()) {
    std::this_thread::yield();
  }
  stop = true;
  writer.join();

  ASSERT_TRUE(backup.ok()) << backup.status().ToString();
  EXPECT_GE(backup->events, before + 20);
  EXPECT_LT(backup->events, EventCount()) << "appends went on after the snapshot";

  Result<BackupSummary> restored = RestoreSqliteStore(BackupPath(), RestoredPath(), {});
  ASSERT_TRUE(restored.ok()) << restored.status().ToString();
  EXPECT_EQ(restored->events, backup->events);

  std::vector<store::Event> copy = EventsIn(RestoredPath());
  ASSERT_EQ(static_cast<int64_t>(copy.size()), backup->events);
  Result<std::vector<store::Event>> original = store_->ReadSince(0, copy.size());
  ASSERT_TRUE(original.ok());
  for (size_t i = 0; i < copy.size(); ++i) {
    EXPECT_EQ(copy[i].seq, (*original)[i].seq);
    EXPECT_EQ(copy[i].hash, (*original)[i].hash);
  }
  for (const TenantVerdict& verdict : VerifyFile(RestoredPath()))
    EXPECT_TRUE(verdict.intact()) << VerdictLine(verdict);
}

TEST_F(SqliteBackupTest, BackupRefusesToOverwriteAnExistingFile) {
  RecordClinicDay();
  std::ofstream(BackupPath()) << "yesterday's backup";

  Result<BackupSummary> backup = BackupSqliteStore(StorePath(), BackupPath());

  EXPECT_EQ(backup.status().code(), StatusCode::kConflict);
  std::ifstream kept(BackupPath());
  std::string content((std::istreambuf_iterator<char>(kept)), std::istreambuf_iterator<char>());
  EXPECT_EQ(content, "yesterday's backup");
}

TEST_F(SqliteBackupTest, BackupOfAMissingStoreIsNotFound) {
  Result<BackupSummary> backup = BackupSqliteStore(directory_.File("absent.db"), BackupPath());

  EXPECT_EQ(backup.status().code(), StatusCode::kNotFound);
  EXPECT_FALSE(std::filesystem::exists(BackupPath()));
}

TEST_F(SqliteBackupTest, RestoreRefusesToReplaceAStoreWithoutForce) {
  RecordClinicDay();
  ASSERT_TRUE(BackupSqliteStore(StorePath(), BackupPath()).ok());
  int64_t in_backup = EventCount();
  RecordTask({"clinic-b", "dr-shepherd"});
  int64_t current = EventCount();
  store_.reset();

  Result<BackupSummary> refused = RestoreSqliteStore(BackupPath(), StorePath(), {});

  EXPECT_EQ(refused.status().code(), StatusCode::kConflict);
  EXPECT_THAT(refused.status().message(), HasSubstr("--force"));
  EXPECT_EQ(static_cast<int64_t>(EventsIn(StorePath()).size()), current);

  Result<BackupSummary> forced = RestoreSqliteStore(BackupPath(), StorePath(), {true});

  ASSERT_TRUE(forced.ok()) << forced.status().ToString();
  EXPECT_EQ(static_cast<int64_t>(EventsIn(StorePath()).size()), in_backup);
  for (const TenantVerdict& verdict : VerifyFile(StorePath()))
    EXPECT_TRUE(verdict.intact()) << VerdictLine(verdict);
}

TEST_F(SqliteBackupTest, RestoreRejectsAFileThatIsNotAStore) {
  std::ofstream(BackupPath()) << "not a database at all, just some text that is long enough";

  Result<BackupSummary> restored = RestoreSqliteStore(BackupPath(), RestoredPath(), {});

  EXPECT_EQ(restored.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_FALSE(std::filesystem::exists(RestoredPath()));
}

TEST_F(SqliteBackupTest, RestoreOfAMissingBackupIsNotFound) {
  Result<BackupSummary> restored = RestoreSqliteStore(BackupPath(), RestoredPath(), {});

  EXPECT_EQ(restored.status().code(), StatusCode::kNotFound);
}

TEST_F(SqliteBackupTest, RestoreCommandVerifiesAndExitsByTheVerdict) {
  RecordClinicDay();
  cli::AuditCommandOptions backup;
  backup.store = StoreUrl();
  backup.backup_path = BackupPath();
  ASSERT_EQ(cli::RunBackup(backup), 0);

  cli::AuditCommandOptions restore;
  restore.store = StoreUrl();
  restore.backup_path = BackupPath();
  EXPECT_EQ(cli::RunRestore(restore), 1) << "an existing store needs --force";

  restore.store = "sqlite:" + RestoredPath();
  ::testing::internal::CaptureStdout();
  int exit_code = cli::RunRestore(restore);
  std::string printed = ::testing::internal::GetCapturedStdout();

  EXPECT_EQ(exit_code, 0);
  EXPECT_THAT(printed, HasSubstr("clinic-a: intact"));
  EXPECT_THAT(printed, HasSubstr("clinic-b: intact"));
}

TEST_F(SqliteBackupTest, VerifyCommandExitsFourOnABrokenChainAndOneWithoutAStore) {
  RecordClinicDay();
  cli::AuditCommandOptions verify;
  verify.store = StoreUrl();
  ::testing::internal::CaptureStdout();
  int intact = cli::RunAuditVerify(verify);
  std::string intact_lines = ::testing::internal::GetCapturedStdout();
  EXPECT_EQ(intact, 0) << intact_lines;

  store::Event viewed = TenantEvents("clinic-b")[13];
  Tamper("UPDATE events SET payload = '{}' WHERE seq = " + std::to_string(viewed.seq));
  ::testing::internal::CaptureStdout();
  int broken = cli::RunAuditVerify(verify);
  std::string broken_lines = ::testing::internal::GetCapturedStdout();

  EXPECT_EQ(broken, cli::kChainBrokenExit);
  EXPECT_THAT(broken_lines, HasSubstr("clinic-b: BROKEN at seq " + std::to_string(viewed.seq)));
  EXPECT_THAT(broken_lines, HasSubstr("clinic-a: intact"));

  verify.store = "sqlite:" + directory_.File("typo.db");
  EXPECT_EQ(cli::RunAuditVerify(verify), 1);
  EXPECT_FALSE(std::filesystem::exists(directory_.File("typo.db")));
}

}  // namespace
}  // namespace medulla::audit
