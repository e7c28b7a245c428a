// Every engine keeps each tenant's events in one unbroken hash chain, however many threads
// append at once, and a grouped commit keeps each append's failure its own.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <limits>
#include <thread>

#include "store/event_chain.h"
#include "store_fixture.h"

namespace medulla::store {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

using ChainTest = StoreTest;

constexpr int kTasksPerTenant = 4;
constexpr int kAppendsPerTask = 15;

// Walks the tenant's chain from genesis; returns how many events it holds, or fails the test
// at the first broken link.
size_t WalkChain(Store& store, const std::string& tenant) {
  Result<std::vector<Event>> chain =
      store.ReadTenant(tenant, 0, std::numeric_limits<size_t>::max());
  EXPECT_TRUE(chain.ok()) << chain.status().ToString();
  if (!chain.ok())
    return 0;

  std::string previous = kChainGenesis;
  for (const Event& event : *chain) {
    EXPECT_EQ(event.tenant, tenant);
    EXPECT_EQ(event.prev_hash, previous) << "chain broken before seq " << event.seq;
    EXPECT_EQ(event.hash, ChainHash(event.prev_hash, event)) << "seq " << event.seq;
    previous = event.hash;
  }
  return chain->size();
}

TEST_P(ChainTest, ConcurrentAppendsOfTwoTenantsLeaveEachChainUnbroken) {
  std::vector<std::string> tenants = {"clinic-a", "clinic-b"};
  std::vector<std::string> tasks;
  for (int i = 0; i < kTasksPerTenant; ++i) {
    for (const std::string& tenant : tenants)
      tasks.push_back(CreateTask(tenant));
  }

  std::atomic<int> failures{0};
  std::vector<std::thread> appenders;
  for (const std::string& task_id : tasks) {
    appenders.emplace_back([&, task_id] {
      for (int step = 0; step < kAppendsPerTask; ++step) {
        if (!store_->Append(task_id, {AgentStartedEvent("scribe", step)}, 1 + step, nullptr).ok())
          ++failures;
      }
    });
  }
  for (std::thread& appender : appenders)
    appender.join();

  EXPECT_EQ(failures.load(), 0);
  for (const std::string& tenant : tenants)
    EXPECT_EQ(WalkChain(*store_, tenant), kTasksPerTenant * (1u + kAppendsPerTask)) << tenant;
  EXPECT_THAT(*store_->Tenants(), ElementsAre("clinic-a", "clinic-b"));
}

TEST_P(ChainTest, AppendReturnsTheLinksTheChainHolds) {
  std::string task_id = CreateTask();

  Result<std::vector<Event>> appended = store_->Append(
      task_id, {AgentStartedEvent("scribe", 1), AgentStartedEvent("billing", 2)}, 1, nullptr);
  ASSERT_TRUE(appended.ok()) << appended.status().ToString();

  std::vector<Event> chain = *store_->ReadTenant("clinic-a", 0, 10);
  ASSERT_EQ(chain.size(), 3u);
  EXPECT_EQ(chain[0].prev_hash, kChainGenesis);
  EXPECT_EQ((*appended)[0].prev_hash, chain[0].hash);
  EXPECT_EQ((*appended)[0].hash, chain[1].hash);
  EXPECT_EQ((*appended)[1].hash, chain[2].hash);
  EXPECT_EQ(WalkChain(*store_, "clinic-a"), 3u);
}

TEST_P(ChainTest, ARefusedAppendLeavesNoLinkBehind) {
  std::string task_id = CreateTask();
  NewEvent bad_text{event_type::kToolCalled, ClinicianActor(), {{"tool", "\xff\xfe"}}};

  EXPECT_EQ(store_->Append(task_id, {AgentStartedEvent("scribe", 1), bad_text}, 1, nullptr)
                .status()
                .code(),
            StatusCode::kInvalidArgument);
  AppendEvents(task_id, 1);

  EXPECT_EQ(WalkChain(*store_, "clinic-a"), 2u);
}

// Appenders with stale expectations race appenders with good ones. Grouped or not, each
// stale append must fail alone, with its own reason, and take no good append with it.
TEST_P(ChainTest, AppendsThatFailTheirChecksDoNotFailTheirNeighbours) {
  constexpr int kPairs = 6;
  std::vector<std::string> good_tasks;
  std::vector<std::string> stale_tasks;
  for (int i = 0; i < kPairs; ++i) {
    good_tasks.push_back(CreateTask());
    stale_tasks.push_back(CreateTask());
  }

  std::atomic<int> good_failures{0};
  std::atomic<int> stale_refusals{0};
  std::atomic<int> stale_surprises{0};
  std::vector<std::thread> appenders;
  for (int i = 0; i < kPairs; ++i) {
    appenders.emplace_back([&, i] {
      for (int step = 0; step < kAppendsPerTask; ++step) {
        if (!store_->Append(good_tasks[i], {AgentStartedEvent("scribe", step)}, 1 + step, nullptr)
                 .ok())
          ++good_failures;
      }
    });
    appenders.emplace_back([&, i] {
      for (int step = 0; step < kAppendsPerTask; ++step) {
        Result<std::vector<Event>> stale =
            store_->Append(stale_tasks[i], {AgentStartedEvent("scribe", step)}, 7, nullptr);
        bool refused =
            stale.status().code() == StatusCode::kConflict &&
            stale.status().message().find("expected last task_seq 7, found 1") != std::string::npos;
        ++(refused ? stale_refusals : stale_surprises);
      }
    });
  }
  for (std::thread& appender : appenders)
    appender.join();

  EXPECT_EQ(good_failures.load(), 0);
  EXPECT_EQ(stale_refusals.load(), kPairs * kAppendsPerTask);
  EXPECT_EQ(stale_surprises.load(), 0);
  for (const std::string& task_id : good_tasks)
    EXPECT_EQ(store_->ReadTask(task_id)->size(), 1u + kAppendsPerTask);
  for (const std::string& task_id : stale_tasks)
    EXPECT_EQ(store_->ReadTask(task_id)->size(), 1u);
  EXPECT_EQ(WalkChain(*store_, "clinic-a"), kPairs * (2u + kAppendsPerTask));
}

TEST_P(ChainTest, TheChainContinuesAcrossReopen) {
  std::string task_id = CreateTask();
  AppendEvents(task_id, 2);

  Reopen();
  AppendEvents(task_id, 2, 3);

  EXPECT_EQ(WalkChain(*store_, "clinic-a"), 5u);
}

MEDULLA_ALL_STORE_ENGINES(ChainTest);

}  // namespace
}  // namespace medulla::store
