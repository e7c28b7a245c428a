// The write-back outbox's promises, against every engine: one entry per intent, claims in
// order and per patient, leases and fences, and lists by status, route and task.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <mutex>
#include <thread>

#include "store_fixture.h"

namespace medulla::store {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

// A list filter for clinic-a, narrowed step by step.
struct Filter {
  WritebackFilter filter{"clinic-a", std::nullopt, std::nullopt, "", 100, ""};

  Filter& Tenant(const std::string& tenant) {
    filter.tenant = tenant;
    return *this;
  }
  Filter& Status(WritebackStatus status) {
    filter.status = status;
    return *this;
  }
  Filter& Route(WritebackRoute route) {
    filter.route = route;
    return *this;
  }
  Filter& Task(const std::string& task_id) {
    filter.task_id = task_id;
    return *this;
  }
  Filter& Patient(const std::string& patient) {
    filter.patient = patient;
    return *this;
  }
  Filter& Limit(size_t limit) {
    filter.limit = limit;
    return *this;
  }
};

class OutboxTest : public StoreTest {
 protected:
  // A task that has run and left the queue, as a task that wrote is by the time its entries
  // are drained.
  std::string FinishedTask(const std::string& tenant = "clinic-a") {
    std::string task_id = CreateTask(tenant);
    Lease lease = ClaimAs("runner");
    EXPECT_EQ(lease.task_id, task_id);
    EXPECT_TRUE(store_->Finish(lease).ok());
    return task_id;
  }

  WritebackEntry Entry(const std::string& intent_id, const std::string& task_id,
                       const std::string& patient = "Patient/p-1",
                       WritebackRoute route = WritebackRoute::kFhir) {
    WritebackEntry entry;
    entry.tenant = "clinic-a";
    entry.intent_id = intent_id;
    entry.task_id = task_id;
    entry.patient = patient;
    entry.kind = "create_document_reference";
    entry.resource_type = "DocumentReference";
    entry.route = route;
    entry.intent = {{"kind", entry.kind}, {"resource", {{"resourceType", "DocumentReference"}}}};
    entry.next_attempt_at = clock_.Now();
    return entry;
  }

  void Enqueue(const WritebackEntry& entry) {
    Result<bool> added = store_->EnqueueWriteback(entry);
    ASSERT_TRUE(added.ok()) << added.status().ToString();
    EXPECT_TRUE(*added) << entry.intent_id << " was already queued";
  }

  // The intent id a worker claims next, or "" when nothing is due.
  std::string NextClaimed(const std::string& worker = "writer-a") {
    Result<std::optional<WritebackEntry>> claimed = store_->ClaimWriteback(worker, kLeaseFor);
    EXPECT_TRUE(claimed.ok()) << claimed.status().ToString();
    return claimed.ok() && claimed->has_value() ? (*claimed)->intent_id : "";
  }

  WritebackEntry ClaimEntry(const std::string& worker = "writer-a") {
    Result<std::optional<WritebackEntry>> claimed = store_->ClaimWriteback(worker, kLeaseFor);
    EXPECT_TRUE(claimed.ok() && claimed->has_value()) << worker << " found nothing due";
    return claimed.ok() && claimed->has_value() ? **claimed : WritebackEntry{};
  }

  void Settle(WritebackEntry entry, WritebackStatus status) {
    entry.status = status;
    Status updated = store_->UpdateWriteback(entry);
    ASSERT_TRUE(updated.ok()) << updated.ToString();
  }

  std::vector<std::string> Listed(const Filter& filter = Filter()) {
    Result<std::vector<WritebackEntry>> listed = store_->ListWritebacks(filter.filter);
    EXPECT_TRUE(listed.ok()) << listed.status().ToString();
    std::vector<std::string> ids;
    for (const WritebackEntry& entry : listed.ok() ? *listed : std::vector<WritebackEntry>{})
      ids.push_back(entry.intent_id);
    return ids;
  }
};

TEST_P(OutboxTest, EnqueueKeepsTheEntryAsGivenWithOrderAndTimesFromTheStore) {
  std::string task_id = FinishedTask();
  WritebackEntry entry = Entry("intent-1", task_id);
  entry.reason = "first attempt pending";

  Enqueue(entry);

  Result<std::optional<WritebackEntry>> found = store_->FindWriteback("clinic-a", "intent-1");
  ASSERT_TRUE(found.ok() && found->has_value());
  const WritebackEntry& stored = **found;
  EXPECT_EQ(stored.task_id, task_id);
  EXPECT_EQ(stored.patient, "Patient/p-1");
  EXPECT_EQ(stored.kind, "create_document_reference");
  EXPECT_EQ(stored.route, WritebackRoute::kFhir);
  EXPECT_EQ(stored.status, WritebackStatus::kPending);
  EXPECT_EQ(stored.intent, entry.intent);
  EXPECT_EQ(stored.reason, "first attempt pending");
  EXPECT_GT(stored.order, 0);
  EXPECT_EQ(stored.created_at, clock_.Now());
  EXPECT_EQ(stored.updated_at, clock_.Now());
  EXPECT_EQ(stored.fence, 0);
  EXPECT_TRUE(stored.lease_owner.empty());
}

TEST_P(OutboxTest, EnqueueIsIdempotentPerTenantAndIntent) {
  std::string task_id = FinishedTask();
  Enqueue(Entry("intent-1", task_id));
  WritebackEntry again = Entry("intent-1", task_id, "Patient/p-2");

  Result<bool> second = store_->EnqueueWriteback(again);

  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_FALSE(*second);
  EXPECT_EQ((*store_->FindWriteback("clinic-a", "intent-1"))->patient, "Patient/p-1");
  EXPECT_THAT(Listed(), ElementsAre("intent-1"));
}

TEST_P(OutboxTest, TheSameIntentIdInAnotherTenantIsAnotherEntry) {
  std::string task_id = FinishedTask();
  Enqueue(Entry("intent-1", task_id));
  WritebackEntry other = Entry("intent-1", task_id);
  other.tenant = "clinic-b";

  Enqueue(other);

  EXPECT_THAT(Listed(Filter().Tenant("clinic-b")), ElementsAre("intent-1"));
  EXPECT_THAT(Listed(), ElementsAre("intent-1"));
}

TEST_P(OutboxTest, EnqueueRefusesAnEntryWithoutItsIdentifiers) {
  std::string task_id = FinishedTask();
  for (auto blank : {&WritebackEntry::tenant, &WritebackEntry::intent_id, &WritebackEntry::task_id,
                     &WritebackEntry::patient}) {
    WritebackEntry entry = Entry("intent-1", task_id);
    entry.*blank = "";

    Result<bool> added = store_->EnqueueWriteback(entry);

    EXPECT_EQ(added.status().code(), StatusCode::kInvalidArgument);
  }
  EXPECT_TRUE(Listed().empty());
}

TEST_P(OutboxTest, ClaimTakesTheLowestOrderFirstAndRaisesTheFence) {
  std::string task_id = FinishedTask();
  Enqueue(Entry("intent-1", task_id, "Patient/p-1"));
  Enqueue(Entry("intent-2", task_id, "Patient/p-2"));

  WritebackEntry first = ClaimEntry("writer-a");
  EXPECT_EQ(first.intent_id, "intent-1");
  EXPECT_EQ(first.lease_owner, "writer-a");
  EXPECT_EQ(first.lease_until, clock_.Now() + kLeaseFor);
  EXPECT_EQ(first.fence, 1);

  EXPECT_EQ(NextClaimed("writer-b"), "intent-2");
  EXPECT_EQ(NextClaimed("writer-c"), "");
}

TEST_P(OutboxTest, ClaimOnAnEmptyOutboxFindsNothing) {
  EXPECT_EQ(NextClaimed(), "");
}

TEST_P(OutboxTest, ClaimRefusesAnUnnamedWorkerOrANonPositiveLease) {
  EXPECT_EQ(store_->ClaimWriteback("", kLeaseFor).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->ClaimWriteback("writer-a", std::chrono::milliseconds(0)).status().code(),
            StatusCode::kInvalidArgument);
}

TEST_P(OutboxTest, APatientsLaterEntryWaitsUntilItsEarlierOneIsSettled) {
  std::string task_id = FinishedTask();
  Enqueue(Entry("p1-first", task_id, "Patient/p-1"));
  Enqueue(Entry("p1-second", task_id, "Patient/p-1"));
  Enqueue(Entry("p2-only", task_id, "Patient/p-2"));

  WritebackEntry first = ClaimEntry("writer-a");
  ASSERT_EQ(first.intent_id, "p1-first");
  EXPECT_EQ(NextClaimed("writer-b"), "p2-only");
  EXPECT_EQ(NextClaimed("writer-b"), "");

  Settle(first, WritebackStatus::kConfirmed);
  EXPECT_EQ(NextClaimed("writer-b"), "p1-second");
}

TEST_P(OutboxTest, AnEarlierEntryThatIsRetryingLaterStillHoldsItsPatientBack) {
  std::string task_id = FinishedTask();
  Enqueue(Entry("p1-first", task_id));
  Enqueue(Entry("p1-second", task_id));
  WritebackEntry first = ClaimEntry();
  first.attempts = 1;
  first.next_attempt_at = clock_.Now() + std::chrono::minutes(5);
  first.reason = "ehr unavailable";

  Settle(first, WritebackStatus::kRetrying);

  EXPECT_EQ(NextClaimed(), "");
  clock_.Advance(std::chrono::minutes(5));
  EXPECT_EQ(NextClaimed(), "p1-first");
}

TEST_P(OutboxTest, HeldFailedAndWorkItemEntriesDoNotHoldTheirPatientBack) {
  std::string task_id = FinishedTask();
  Enqueue(Entry("held", task_id));
  Enqueue(Entry("failed", task_id));
  Enqueue(Entry("work-item", task_id, "Patient/p-1", WritebackRoute::kWorkItem));
  Enqueue(Entry("last", task_id));

  Settle(ClaimEntry(), WritebackStatus::kHeld);
  Settle(ClaimEntry(), WritebackStatus::kFailed);

  EXPECT_EQ(NextClaimed(), "last");
}

TEST_P(OutboxTest, WorkItemsAreNeverClaimedByWorkers) {
  std::string task_id = FinishedTask();
  Enqueue(Entry("work-item", task_id, "Patient/p-1", WritebackRoute::kWorkItem));

  EXPECT_EQ(NextClaimed(), "");
}

TEST_P(OutboxTest, VendorApiEntriesAreClaimedInTheSamePatientLineAsFhirEntries) {
  std::string task_id = FinishedTask();
  Enqueue(Entry("vendor-first", task_id, "Patient/p-1", WritebackRoute::kVendorApi));
  Enqueue(Entry("fhir-second", task_id, "Patient/p-1", WritebackRoute::kFhir));

  WritebackEntry first = ClaimEntry();
  EXPECT_EQ(first.intent_id, "vendor-first");
  EXPECT_EQ(NextClaimed(), "");
  Settle(first, WritebackStatus::kConfirmed);
  EXPECT_EQ(NextClaimed(), "fhir-second");
}

TEST_P(OutboxTest, AnEntryIsNotClaimableWhileItsTaskIsStillQueued) {
  std::string running = CreateTask();
  Enqueue(Entry("intent-1", running));
  EXPECT_EQ(NextClaimed(), "");

  Lease lease = ClaimAs("runner");
  EXPECT_EQ(NextClaimed(), "");
  ASSERT_TRUE(store_->Finish(lease).ok());

  EXPECT_EQ(NextClaimed(), "intent-1");
}

TEST_P(OutboxTest, AnEntryIsNotClaimedBeforeItIsDue) {
  std::string task_id = FinishedTask();
  WritebackEntry later = Entry("intent-1", task_id);
  later.next_attempt_at = clock_.Now() + std::chrono::seconds(10);
  Enqueue(later);

  EXPECT_EQ(NextClaimed(), "");
  clock_.Advance(std::chrono::seconds(10));
  EXPECT_EQ(NextClaimed(), "intent-1");
}

TEST_P(OutboxTest, AfterALeaseExpiresAnotherWorkerClaimsAndTheStaleFenceIsRefused) {
  std::string task_id = FinishedTask();
  Enqueue(Entry("intent-1", task_id));
  WritebackEntry crashed = ClaimEntry("writer-a");
  EXPECT_EQ(NextClaimed("writer-b"), "");

  clock_.Set(crashed.lease_until);
  WritebackEntry successor = ClaimEntry("writer-b");
  EXPECT_EQ(successor.intent_id, "intent-1");
  EXPECT_GT(successor.fence, crashed.fence);

  crashed.status = WritebackStatus::kConfirmed;
  Status late = store_->UpdateWriteback(crashed);
  EXPECT_EQ(late.code(), StatusCode::kConflict);
  EXPECT_THAT(late.message(), HasSubstr("claim lost"));
  EXPECT_EQ((*store_->FindWriteback("clinic-a", "intent-1"))->status, WritebackStatus::kPending);

  Settle(successor, WritebackStatus::kConfirmed);
  EXPECT_EQ((*store_->FindWriteback("clinic-a", "intent-1"))->status, WritebackStatus::kConfirmed);
}

TEST_P(OutboxTest, UpdateStoresTheOutcomeAndReleasesTheClaim) {
  std::string task_id = FinishedTask();
  Enqueue(Entry("intent-1", task_id));
  WritebackEntry claimed = ClaimEntry();
  claimed.attempts = 1;
  claimed.reference = "DocumentReference/42";
  claimed.version = "3";
  clock_.Advance(std::chrono::seconds(2));

  Settle(claimed, WritebackStatus::kConfirmed);

  WritebackEntry stored = **store_->FindWriteback("clinic-a", "intent-1");
  EXPECT_EQ(stored.status, WritebackStatus::kConfirmed);
  EXPECT_EQ(stored.attempts, 1);
  EXPECT_EQ(stored.reference, "DocumentReference/42");
  EXPECT_EQ(stored.version, "3");
  EXPECT_EQ(stored.updated_at, clock_.Now());
  EXPECT_TRUE(stored.lease_owner.empty());

  Status twice = store_->UpdateWriteback(claimed);
  EXPECT_EQ(twice.code(), StatusCode::kConflict);
}

TEST_P(OutboxTest, UpdatingAnUnknownIntentIsNotFound) {
  WritebackEntry unknown = Entry("missing", "task-x");

  EXPECT_EQ(store_->UpdateWriteback(unknown).code(), StatusCode::kNotFound);
}

TEST_P(OutboxTest, ClaimByIdWaitsForAnotherWorkersLiveLease) {
  std::string task_id = FinishedTask();
  Enqueue(Entry("intent-1", task_id));
  WritebackEntry held = ClaimEntry("writer-a");

  Result<std::optional<WritebackEntry>> refused =
      store_->ClaimWritebackById("clinic-a", "intent-1", "staff-desk", kLeaseFor);
  ASSERT_TRUE(refused.ok()) << refused.status().ToString();
  EXPECT_FALSE(refused->has_value());

  clock_.Set(held.lease_until);
  Result<std::optional<WritebackEntry>> taken =
      store_->ClaimWritebackById("clinic-a", "intent-1", "staff-desk", kLeaseFor);
  ASSERT_TRUE(taken.ok() && taken->has_value());
  EXPECT_EQ((*taken)->lease_owner, "staff-desk");
  EXPECT_EQ((*taken)->fence, held.fence + 1);
}

TEST_P(OutboxTest, ClaimByIdTakesAnEntryWhateverItsStatusOrRoute) {
  std::string task_id = CreateTask();  // still queued: claims by id do not wait for the task
  Enqueue(Entry("work-item", task_id, "Patient/p-1", WritebackRoute::kWorkItem));

  Result<std::optional<WritebackEntry>> taken =
      store_->ClaimWritebackById("clinic-a", "work-item", "staff-desk", kLeaseFor);

  ASSERT_TRUE(taken.ok() && taken->has_value()) << taken.status().ToString();
  EXPECT_EQ((*taken)->route, WritebackRoute::kWorkItem);
  Settle(**taken, WritebackStatus::kConfirmed);
  EXPECT_EQ((*store_->FindWriteback("clinic-a", "work-item"))->status, WritebackStatus::kConfirmed);
}

TEST_P(OutboxTest, ClaimByIdOfAnUnknownIntentOrAnotherTenantsIsNotFound) {
  std::string task_id = FinishedTask();
  Enqueue(Entry("intent-1", task_id));

  EXPECT_EQ(store_->ClaimWritebackById("clinic-a", "missing", "w", kLeaseFor).status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(store_->ClaimWritebackById("clinic-b", "intent-1", "w", kLeaseFor).status().code(),
            StatusCode::kNotFound);
}

TEST_P(OutboxTest, FindOfAnotherTenantsIntentFindsNothing) {
  std::string task_id = FinishedTask();
  Enqueue(Entry("intent-1", task_id));

  Result<std::optional<WritebackEntry>> found = store_->FindWriteback("clinic-b", "intent-1");

  ASSERT_TRUE(found.ok());
  EXPECT_FALSE(found->has_value());
}

TEST_P(OutboxTest, ListFiltersByPatient) {
  std::string task_id = FinishedTask();
  Enqueue(Entry("a", task_id, "Patient/p-1"));
  Enqueue(Entry("b", task_id, "Patient/p-2"));
  Enqueue(Entry("c", task_id, "Patient/p-1"));

  EXPECT_THAT(Listed(Filter().Patient("Patient/p-1")), ElementsAre("a", "c"));
  EXPECT_THAT(Listed(Filter().Patient("Patient/p-1").Limit(1)), ElementsAre("a"));
  EXPECT_TRUE(Listed(Filter().Patient("Patient/p-9")).empty());
}

TEST_P(OutboxTest, ListFiltersByStatusRouteAndTaskInOrder) {
  std::string first_task = FinishedTask();
  std::string second_task = FinishedTask();
  Enqueue(Entry("a", first_task, "Patient/p-1"));
  Enqueue(Entry("b", second_task, "Patient/p-2"));
  Enqueue(Entry("c", second_task, "Patient/p-3", WritebackRoute::kWorkItem));
  Enqueue(Entry("d", first_task, "Patient/p-4", WritebackRoute::kVendorApi));
  Settle(ClaimEntry(), WritebackStatus::kConfirmed);

  EXPECT_THAT(Listed(), ElementsAre("a", "b", "c", "d"));
  EXPECT_THAT(Listed(Filter().Status(WritebackStatus::kConfirmed)), ElementsAre("a"));
  EXPECT_THAT(Listed(Filter().Status(WritebackStatus::kPending)), ElementsAre("b", "c", "d"));
  EXPECT_THAT(Listed(Filter().Route(WritebackRoute::kWorkItem)), ElementsAre("c"));
  EXPECT_THAT(Listed(Filter().Task(first_task)), ElementsAre("a", "d"));
  EXPECT_THAT(Listed(Filter().Status(WritebackStatus::kPending).Task(second_task)),
              ElementsAre("b", "c"));
  EXPECT_THAT(Listed(Filter().Limit(2)), ElementsAre("a", "b"));
  EXPECT_TRUE(Listed(Filter().Tenant("clinic-b")).empty());
}

TEST_P(OutboxTest, ListWithoutATenantIsRefused) {
  Result<std::vector<WritebackEntry>> listed = store_->ListWritebacks(WritebackFilter{});

  EXPECT_EQ(listed.status().code(), StatusCode::kInvalidArgument);
}

TEST_P(OutboxTest, EntriesOutliveAReopenedStore) {
  std::string task_id = FinishedTask();
  Enqueue(Entry("intent-1", task_id));

  Reopen();

  EXPECT_EQ(NextClaimed(), "intent-1");
}

TEST_P(OutboxTest, AStoreFromBeforeTheOutboxGainsItWhenOpened) {
  std::string task_id = FinishedTask();
  store_.reset();
  // The outbox arrived in each engine's two latest schema versions: its table, then indexes.
  RawSqlOutcome downgraded =
      RunRawSql("DROP TABLE writebacks; DELETE FROM schema_version WHERE version >= " +
                std::to_string(SchemaVersion() - 1) + ";");
  ASSERT_TRUE(downgraded.ok) << downgraded.message;

  Open();

  Enqueue(Entry("intent-1", task_id));
  EXPECT_EQ(NextClaimed(), "intent-1");
  EXPECT_EQ(store_->ReadTask(task_id)->size(), 1u);
}

constexpr int kEntries = 30;
constexpr int kWriters = 4;

// Writers drain entries of distinct patients at once; the clock stands still, so no lease
// expires and each entry must be claimed exactly once.
TEST_P(OutboxTest, ConcurrentWritersNeverClaimTheSameEntry) {
  std::string task_id = FinishedTask();
  for (int i = 0; i < kEntries; ++i)
    Enqueue(Entry("intent-" + std::to_string(i), task_id, "Patient/p-" + std::to_string(i)));

  std::mutex record_mu;
  std::map<std::string, int> claims;  // guarded by record_mu
  std::atomic<int> settled{0};
  std::atomic<int> failures{0};
  auto drain = [&](const std::string& worker) {
    // A claim can find nothing while others hold the rest, so a writer keeps asking until
    // every entry is settled, a bounded number of times.
    for (int round = 0; round < 100 * kEntries && settled < kEntries; ++round) {
      Result<std::optional<WritebackEntry>> claimed = store_->ClaimWriteback(worker, kLeaseFor);
      if (!claimed.ok()) {
        ++failures;
        return;
      }
      if (!claimed->has_value())
        continue;
      {
        std::lock_guard lock(record_mu);
        ++claims[(*claimed)->intent_id];
      }
      WritebackEntry done = **claimed;
      done.status = WritebackStatus::kConfirmed;
      if (store_->UpdateWriteback(done).ok())
        ++settled;
      else
        ++failures;
    }
  };
  std::vector<std::thread> writers;
  for (int i = 0; i < kWriters; ++i)
    writers.emplace_back(drain, "writer-" + std::to_string(i));
  for (std::thread& writer : writers)
    writer.join();

  EXPECT_EQ(failures, 0);
  EXPECT_EQ(settled, kEntries);
  EXPECT_EQ(claims.size(), static_cast<size_t>(kEntries));
  for (const auto& [intent, count] : claims)
    EXPECT_EQ(count, 1) << intent << " was claimed more than once";
  EXPECT_EQ(Listed(Filter().Status(WritebackStatus::kConfirmed)).size(),
            static_cast<size_t>(kEntries));
}

MEDULLA_ALL_STORE_ENGINES(OutboxTest);

}  // namespace
}  // namespace medulla::store
