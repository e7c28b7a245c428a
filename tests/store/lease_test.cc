#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "store_fixture.h"

namespace medulla::store {
namespace {

using ::testing::HasSubstr;

using LeaseTest = StoreTest;

TEST_P(LeaseTest, ClaimTakesTheOldestTaskFirst) {
  std::string older = CreateTask();
  clock_.Advance(std::chrono::milliseconds(1));
  std::string newer = CreateTask();

  Lease first = ClaimAs("worker-a");
  EXPECT_EQ(first.task_id, older);
  EXPECT_EQ(first.worker, "worker-a");
  EXPECT_EQ(first.fencing_token, 1);
  EXPECT_EQ(first.attempts, 1);
  EXPECT_EQ(first.expires_at, clock_.Now() + kLeaseFor);

  EXPECT_EQ(ClaimAs("worker-b").task_id, newer);
}

TEST_P(LeaseTest, ALeasedTaskCannotBeClaimedByAnotherWorker) {
  CreateTask();
  ClaimAs("worker-a");
  clock_.Advance(kLeaseFor - std::chrono::milliseconds(1));

  Result<std::optional<Lease>> second = store_->Claim("worker-b", kLeaseFor);

  ASSERT_TRUE(second.ok());
  EXPECT_FALSE(second->has_value());
}

TEST_P(LeaseTest, ClaimOnAnEmptyQueueFindsNothing) {
  Result<std::optional<Lease>> claimed = store_->Claim("worker-a", kLeaseFor);

  ASSERT_TRUE(claimed.ok());
  EXPECT_FALSE(claimed->has_value());
}

TEST_P(LeaseTest, AfterACrashAnotherWorkerTakesOverAndTheOldLeaseIsFencedOff) {
  std::string task_id = CreateTask();
  Lease crashed = ClaimAs("worker-a");
  AppendEvents(task_id, 1, 1, &crashed);
  CrashWorker(crashed);

  Lease successor = ClaimAs("worker-b");
  EXPECT_EQ(successor.task_id, task_id);
  EXPECT_GT(successor.fencing_token, crashed.fencing_token);
  EXPECT_EQ(successor.attempts, 2);

  Result<std::vector<Event>> late_append =
      store_->Append(task_id, {AgentStartedEvent("scribe", 2)}, 2, &crashed);
  EXPECT_EQ(late_append.status().code(), StatusCode::kConflict);
  EXPECT_THAT(late_append.status().message(), HasSubstr("lease lost"));

  Result<Lease> late_renew = store_->Renew(crashed, kLeaseFor);
  EXPECT_EQ(late_renew.status().code(), StatusCode::kConflict);
  EXPECT_THAT(late_renew.status().message(), HasSubstr("lease lost"));

  Status late_finish = store_->Finish(crashed);
  EXPECT_EQ(late_finish.code(), StatusCode::kConflict);
  EXPECT_THAT(late_finish.message(), HasSubstr("lease lost"));
  EXPECT_EQ(*store_->QueueDepth(), 1);

  AppendEvents(task_id, 1, 2, &successor);
  EXPECT_TRUE(store_->Finish(successor).ok());
  EXPECT_EQ(store_->ReadTask(task_id)->size(), 3u);
}

TEST_P(LeaseTest, AnExpiredLeaseCannotAppendEvenBeforeAnotherClaim) {
  std::string task_id = CreateTask();
  Lease lease = ClaimAs("worker-a");
  CrashWorker(lease);

  Result<std::vector<Event>> appended =
      store_->Append(task_id, {AgentStartedEvent("scribe", 1)}, 1, &lease);

  EXPECT_EQ(appended.status().code(), StatusCode::kConflict);
  EXPECT_THAT(appended.status().message(), HasSubstr("lease lost: lease expired"));
  EXPECT_EQ(store_->ReadTask(task_id)->size(), 1u);
}

TEST_P(LeaseTest, AForgedFencingTokenIsRefused) {
  std::string task_id = CreateTask();
  Lease forged = ClaimAs("worker-a");
  forged.fencing_token += 1;

  Result<std::vector<Event>> appended =
      store_->Append(task_id, {AgentStartedEvent("scribe", 1)}, 1, &forged);

  EXPECT_EQ(appended.status().code(), StatusCode::kConflict);
  EXPECT_THAT(appended.status().message(), HasSubstr("fencing token 2 is not the current 1"));
}

TEST_P(LeaseTest, RenewKeepsTheTaskPastItsFirstExpiry) {
  std::string task_id = CreateTask();
  Lease lease = ClaimAs("worker-a");
  clock_.Advance(kLeaseFor - std::chrono::seconds(1));

  Result<Lease> renewed = store_->Renew(lease, kLeaseFor);
  ASSERT_TRUE(renewed.ok()) << renewed.status().ToString();
  EXPECT_EQ(renewed->expires_at, clock_.Now() + kLeaseFor);
  EXPECT_EQ(renewed->fencing_token, lease.fencing_token);
  clock_.Advance(std::chrono::seconds(10));

  Result<std::optional<Lease>> rival = store_->Claim("worker-b", kLeaseFor);
  ASSERT_TRUE(rival.ok());
  EXPECT_FALSE(rival->has_value());
  AppendEvents(task_id, 1, 1, &*renewed);
}

TEST_P(LeaseTest, FinishRemovesTheTaskFromTheQueueButKeepsItsEvents) {
  std::string task_id = CreateTask();
  Lease lease = ClaimAs("worker-a");

  ASSERT_TRUE(store_->Finish(lease).ok());

  EXPECT_EQ(*store_->QueueDepth(), 0);
  Result<std::optional<Lease>> next = store_->Claim("worker-b", kLeaseFor);
  ASSERT_TRUE(next.ok());
  EXPECT_FALSE(next->has_value());
  EXPECT_EQ(store_->ReadTask(task_id)->size(), 1u);

  Status again = store_->Finish(lease);
  EXPECT_EQ(again.code(), StatusCode::kConflict);
  EXPECT_THAT(again.message(), HasSubstr("no longer queued"));
}

TEST_P(LeaseTest, ALeaseForAnotherTaskCannotAppend) {
  std::string leased = CreateTask();
  std::string other = CreateTask();
  Lease lease = ClaimAs("worker-a");
  ASSERT_EQ(lease.task_id, leased);

  Result<std::vector<Event>> appended =
      store_->Append(other, {AgentStartedEvent("scribe", 1)}, 1, &lease);

  EXPECT_EQ(appended.status().code(), StatusCode::kInvalidArgument);
}

TEST_P(LeaseTest, ClaimRefusesAnUnnamedWorkerOrAnEmptyLease) {
  CreateTask();

  EXPECT_EQ(store_->Claim("", kLeaseFor).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->Claim("worker-a", std::chrono::milliseconds(0)).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(ClaimAs("worker-a").attempts, 1);
}

TEST_P(LeaseTest, LeasesSurviveReopen) {
  std::string task_id = CreateTask();
  Lease lease = ClaimAs("worker-a");

  Reopen();

  Result<std::optional<Lease>> rival = store_->Claim("worker-b", kLeaseFor);
  ASSERT_TRUE(rival.ok());
  EXPECT_FALSE(rival->has_value());
  AppendEvents(task_id, 1, 1, &lease);
}

MEDULLA_ALL_STORE_ENGINES(LeaseTest);

}  // namespace
}  // namespace medulla::store
