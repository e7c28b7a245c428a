#include "audit/chain_verifier.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "audit/audit_fixture.h"
#include "store/event_chain.h"

namespace medulla::audit {
namespace {

using ::testing::HasSubstr;

class ChainVerifierTest : public AuditTest {
 protected:
  void SetUp() override {
    AuditTest::SetUp();
    RecordClinicDay();
  }

  // The tenant's event at `index` in log order.
  store::Event EventAt(const std::string& tenant, size_t index) {
    std::vector<store::Event> events = TenantEvents(tenant);
    EXPECT_LT(index, events.size());
    return index < events.size() ? events[index] : store::Event{};
  }

  static std::string Seq(const store::Event& event) { return std::to_string(event.seq); }
};

TEST_F(ChainVerifierTest, IntactStoreVerifiesEveryTenantWithItsCount) {
  Result<std::vector<TenantVerdict>> verdicts = Verify(*store_, {});

  ASSERT_TRUE(verdicts.ok()) << verdicts.status().ToString();
  ASSERT_EQ(verdicts->size(), 2u);
  for (const TenantVerdict& verdict : *verdicts) {
    std::vector<store::Event> events = TenantEvents(verdict.tenant);
    EXPECT_TRUE(verdict.intact()) << VerdictLine(verdict);
    EXPECT_EQ(verdict.chained, static_cast<int64_t>(events.size()));
    EXPECT_EQ(verdict.unchained, 0);
    EXPECT_EQ(verdict.head_hash, events.back().hash);
    EXPECT_THAT(VerdictLine(verdict), HasSubstr(": intact, " + std::to_string(events.size())));
  }
  EXPECT_TRUE(VerdictFor("clinic-a", /*with_heads=*/true).intact());
}

TEST_F(ChainVerifierTest, EditedPayloadIsReportedAsEditedAtThatEvent) {
  store::Event viewed = EventAt("clinic-a", 13);
  ASSERT_EQ(viewed.type, event_type::kDataViewed);

  Tamper(
      "UPDATE events SET payload = json_set(payload, '$.resource', 'Patient/p-999') "
      "WHERE seq = " +
      Seq(viewed));

  TenantVerdict verdict = VerdictFor("clinic-a");
  ASSERT_FALSE(verdict.intact());
  EXPECT_EQ(verdict.first_break->kind, BreakKind::kEdited);
  EXPECT_EQ(verdict.first_break->seq, viewed.seq);
  EXPECT_EQ(verdict.first_break->task_id, viewed.task_id);
  EXPECT_EQ(verdict.first_break->task_seq, viewed.task_seq);
  EXPECT_EQ(verdict.chained, 13);
  EXPECT_THAT(VerdictLine(verdict), HasSubstr("BROKEN at seq " + Seq(viewed)));
  EXPECT_THAT(VerdictLine(verdict), HasSubstr("edited"));
  EXPECT_TRUE(VerdictFor("clinic-b").intact()) << "the other tenant's chain is untouched";
}

TEST_F(ChainVerifierTest, EditedTimestampIsReportedAsEdited) {
  store::Event started = EventAt("clinic-b", 2);
  Tamper("UPDATE events SET at = at + 60000 WHERE seq = " + Seq(started));

  TenantVerdict verdict = VerdictFor("clinic-b");
  ASSERT_FALSE(verdict.intact());
  EXPECT_EQ(verdict.first_break->kind, BreakKind::kEdited);
  EXPECT_EQ(verdict.first_break->seq, started.seq);
}

TEST_F(ChainVerifierTest, DeletedMiddleEventIsReportedAtTheEventAfterTheGap) {
  store::Event deleted = EventAt("clinic-a", 10);
  store::Event after = EventAt("clinic-a", 11);

  Tamper("DELETE FROM events WHERE seq = " + Seq(deleted));

  TenantVerdict verdict = VerdictFor("clinic-a");
  ASSERT_FALSE(verdict.intact());
  EXPECT_EQ(verdict.first_break->kind, BreakKind::kDeleted);
  EXPECT_EQ(verdict.first_break->seq, after.seq);
  EXPECT_EQ(verdict.first_break->task_id, after.task_id);
  EXPECT_THAT(verdict.first_break->detail, HasSubstr("not in the log"));
}

TEST_F(ChainVerifierTest, ForgedEventWithItsOwnHashRecomputedIsReportedAsInserted) {
  store::Event before = EventAt("clinic-a", 5);
  store::Event next = EventAt("clinic-a", 6);
  // The forger makes room after `before` and writes a whole new task there whose first event
  // links to `before` perfectly, so neither its hash nor its task numbering gives it away.
  store::Event forged = before;
  forged.task_id = "forged-task";
  forged.task_seq = 1;
  forged.type = event_type::kTaskCreated;
  forged.payload = {{"agent", "scribe"}, {"patient", "Patient/p-100"}};
  forged.prev_hash = before.hash;
  forged.hash = store::ChainHash(forged.prev_hash, forged);

  Tamper("UPDATE events SET seq = seq + 100000 WHERE seq > " + Seq(before) +
         "; INSERT INTO events (seq, task_id, task_seq, tenant, type, at, actor, payload, "
         "prev_hash, hash) VALUES (" +
         std::to_string(before.seq + 1) + ", '" + forged.task_id + "', 1, 'clinic-a', '" +
         forged.type + "', " +
         std::to_string(
             std::chrono::duration_cast<std::chrono::milliseconds>(forged.at.time_since_epoch())
                 .count()) +
         ", '" + forged.actor.dump() + "', '" + forged.payload.dump() + "', '" + forged.prev_hash +
         "', '" + forged.hash + "')");

  TenantVerdict verdict = VerdictFor("clinic-a");
  ASSERT_FALSE(verdict.intact());
  EXPECT_EQ(verdict.first_break->kind, BreakKind::kInserted);
  EXPECT_EQ(verdict.first_break->seq, next.seq + 100000);
  EXPECT_THAT(verdict.first_break->detail, HasSubstr("links to seq " + Seq(before)));
}

TEST_F(ChainVerifierTest, ForgedEventAppendedAfterAMiddleEventIsReportedAsInserted) {
  store::Event middle = EventAt("clinic-b", 4);
  store::Event forged = middle;
  forged.task_seq = 901;
  forged.prev_hash = middle.hash;
  forged.hash = store::ChainHash(forged.prev_hash, forged);

  Tamper(
      "INSERT INTO events (seq, task_id, task_seq, tenant, type, at, actor, payload, "
      "prev_hash, hash) SELECT (SELECT MAX(seq) + 1 FROM events), task_id, 901, tenant, type, at, "
      "actor, payload, '" +
      forged.prev_hash + "', '" + forged.hash + "' FROM events WHERE seq = " + Seq(middle));

  TenantVerdict verdict = VerdictFor("clinic-b");
  ASSERT_FALSE(verdict.intact());
  EXPECT_EQ(verdict.first_break->kind, BreakKind::kInserted);
  EXPECT_EQ(verdict.first_break->task_seq, 901);
}

TEST_F(ChainVerifierTest, SwappedEventsAreReportedAsReordered) {
  store::Event first = EventAt("clinic-a", 3);
  store::Event second = EventAt("clinic-a", 5);
  const std::string columns =
      "task_id, task_seq, tenant, type, at, actor, payload, prev_hash, hash";

  // Each row takes the other's whole content; only the log positions stay.
  Tamper("CREATE TEMP TABLE first_row AS SELECT * FROM events WHERE seq = " + Seq(first) +
         "; CREATE TEMP TABLE second_row AS SELECT * FROM events WHERE seq = " + Seq(second) +
         "; UPDATE events SET (" + columns +
         ") = (SELECT task_id, task_seq + 100000, tenant, "
         "type, at, actor, payload, prev_hash, hash FROM second_row) WHERE seq = " +
         Seq(first) + "; UPDATE events SET (" + columns + ") = (SELECT " + columns +
         " FROM first_row) WHERE seq = " + Seq(second) +
         "; UPDATE events SET task_seq = task_seq - 100000 WHERE seq = " + Seq(first));

  TenantVerdict verdict = VerdictFor("clinic-a");
  ASSERT_FALSE(verdict.intact());
  EXPECT_EQ(verdict.first_break->kind, BreakKind::kReordered);
  EXPECT_EQ(verdict.first_break->seq, first.seq);
}

TEST_F(ChainVerifierTest, SwappedPayloadsAreReportedAsEdited) {
  store::Event first = EventAt("clinic-a", 12);
  store::Event second = EventAt("clinic-a", 13);

  Tamper("CREATE TEMP TABLE payloads AS SELECT seq, payload FROM events WHERE seq IN (" +
         Seq(first) + ", " + Seq(second) +
         "); UPDATE events SET payload = (SELECT payload FROM payloads p WHERE p.seq <> "
         "events.seq) WHERE seq IN (" +
         Seq(first) + ", " + Seq(second) + ")");

  TenantVerdict verdict = VerdictFor("clinic-a");
  ASSERT_FALSE(verdict.intact());
  EXPECT_EQ(verdict.first_break->kind, BreakKind::kEdited);
  EXPECT_EQ(verdict.first_break->seq, first.seq);
}

TEST_F(ChainVerifierTest, ForgedEventInsideATaskIsNamedByItsTaskNumbering) {
  store::Event before = EventAt("clinic-a", 5);
  store::Event forged = before;
  forged.task_seq = 900;
  forged.prev_hash = before.hash;
  forged.hash = store::ChainHash(forged.prev_hash, forged);

  Tamper("UPDATE events SET seq = seq + 100000 WHERE seq > " + Seq(before) +
         "; INSERT INTO events (seq, task_id, task_seq, tenant, type, at, actor, payload, "
         "prev_hash, hash) SELECT seq + 1, task_id, 900, tenant, type, at, actor, payload, '" +
         forged.prev_hash + "', '" + forged.hash + "' FROM events WHERE seq = " + Seq(before));

  TenantVerdict verdict = VerdictFor("clinic-a");
  ASSERT_FALSE(verdict.intact());
  EXPECT_EQ(verdict.first_break->kind, BreakKind::kTaskGap);
  EXPECT_EQ(verdict.first_break->seq, before.seq + 1);
  EXPECT_EQ(verdict.first_break->task_seq, 900);
}

TEST_F(ChainVerifierTest, DeletedTailIsCaughtOnlyAgainstTheRecordedHead) {
  std::vector<store::Event> events = TenantEvents("clinic-a");
  Tamper("DELETE FROM events WHERE seq = " + Seq(events.back()));

  // The shorter chain is itself valid: that is the limit of the walk alone.
  EXPECT_TRUE(VerdictFor("clinic-a").intact());

  TenantVerdict verdict = VerdictFor("clinic-a", /*with_heads=*/true);
  ASSERT_FALSE(verdict.intact());
  EXPECT_EQ(verdict.first_break->kind, BreakKind::kHeadMismatch);
  EXPECT_EQ(verdict.first_break->seq, events.back().seq);
  EXPECT_THAT(verdict.first_break->detail, HasSubstr("tail"));
}

TEST_F(ChainVerifierTest, RechainedLogStillShowsTheTaskGap) {
  std::vector<store::Event> events = TenantEvents("clinic-a");
  const store::Event& deleted = events[8];
  std::string sql = "DELETE FROM events WHERE seq = " + Seq(deleted) + ";";
  // The forger rewrites every hash after the hole, and the recorded head with them.
  std::string prev = store::kChainGenesis;
  for (store::Event& event : events) {
    if (event.seq == deleted.seq)
      continue;
    event.prev_hash = prev;
    event.hash = store::ChainHash(prev, event);
    prev = event.hash;
    sql += "UPDATE events SET prev_hash = '" + event.prev_hash + "', hash = '" + event.hash +
           "' WHERE seq = " + Seq(event) + ";";
  }
  sql += "UPDATE tenant_chains SET last_hash = '" + prev + "' WHERE tenant = 'clinic-a';";
  Tamper(sql);

  TenantVerdict verdict = VerdictFor("clinic-a", /*with_heads=*/true);
  ASSERT_FALSE(verdict.intact());
  EXPECT_EQ(verdict.first_break->kind, BreakKind::kTaskGap);
  EXPECT_EQ(verdict.first_break->seq, events[9].seq);
  EXPECT_EQ(verdict.first_break->task_id, deleted.task_id);
}

TEST_F(ChainVerifierTest, NamedTenantWithoutEventsIsNotFound) {
  VerifyOptions options;
  options.tenant = "clinic-z";

  Result<std::vector<TenantVerdict>> verdicts = Verify(*store_, options);

  EXPECT_EQ(verdicts.status().code(), StatusCode::kNotFound);
}

class LegacyChainTest : public AuditTest {
 protected:
  // Rows as a store from before the chain wrote them: no hashes.
  void InsertLegacyTask(const std::string& task_id, int events) {
    std::string sql = "INSERT INTO tasks (task_id, tenant, created_at) VALUES ('" + task_id +
                      "', 'clinic-a', 1);";
    for (int i = 1; i <= events; ++i) {
      sql += "INSERT INTO events (task_id, task_seq, tenant, type, at, actor, payload) VALUES ('" +
             task_id + "', " + std::to_string(i) + ", 'clinic-a', '" +
             (i == 1 ? "task.created" : "agent.started") + "', 1, '{}', '{}');";
    }
    RunRaw(sql);
  }
};

TEST_F(LegacyChainTest, RowsFromBeforeTheChainAreCountedAsUnchained) {
  InsertLegacyTask("legacy-1", 3);
  RecordTask({"clinic-a", "dr-grey"});
  Reopen();

  TenantVerdict verdict = VerdictFor("clinic-a", /*with_heads=*/true);

  EXPECT_TRUE(verdict.intact()) << VerdictLine(verdict);
  EXPECT_EQ(verdict.unchained, 3);
  EXPECT_EQ(verdict.chained, static_cast<int64_t>(TenantEvents("clinic-a").size()) - 3);
  EXPECT_THAT(VerdictLine(verdict), HasSubstr("3 unchained"));
}

TEST_F(LegacyChainTest, RowWithoutHashesAfterTheChainBeganIsInserted) {
  RecordTask({"clinic-a", "dr-grey"});
  InsertLegacyTask("slipped-in", 1);
  Reopen();

  TenantVerdict verdict = VerdictFor("clinic-a");

  ASSERT_FALSE(verdict.intact());
  EXPECT_EQ(verdict.first_break->kind, BreakKind::kInserted);
  EXPECT_EQ(verdict.first_break->task_id, "slipped-in");
}

}  // namespace
}  // namespace medulla::audit
