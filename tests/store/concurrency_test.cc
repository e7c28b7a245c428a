#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "store_fixture.h"

namespace medulla::store {
namespace {

using ConcurrencyTest = StoreTest;

constexpr int kTasks = 40;
constexpr int kWorkers = 4;
constexpr int kStepsPerTask = 3;
constexpr int kWriters = 3;
constexpr int kAppendsPerWriter = 25;

// Workers drain the queue while writers race optimistic appends on one shared task. The
// clock stands still, so no lease expires and every task must be claimed exactly once.
TEST_P(ConcurrencyTest, WorkersAndWritersLoseNoEventsAndNeverShareATask) {
  std::string shared = CreateTask("clinic-shared");
  Lease setup = ClaimAs("setup");  // keeps `shared` away from the workers
  ASSERT_EQ(setup.task_id, shared);
  std::vector<std::string> queued;
  for (int i = 0; i < kTasks; ++i)
    queued.push_back(CreateTask());

  std::mutex record_mu;
  std::map<std::string, int> claims_by_task;  // guarded by record_mu
  std::set<std::string> held;                 // guarded by record_mu
  std::atomic<int> overlaps{0};
  std::atomic<int> failures{0};

  auto work = [&](const std::string& worker) {
    while (true) {
      Result<std::optional<Lease>> claimed = store_->Claim(worker, kLeaseFor);
      if (!claimed.ok()) {
        ++failures;
        return;
      }
      if (!claimed->has_value())
        return;
      const Lease& lease = **claimed;
      {
        std::lock_guard lock(record_mu);
        if (!held.insert(lease.task_id).second)
          ++overlaps;
        ++claims_by_task[lease.task_id];
      }
      for (int step = 0; step < kStepsPerTask; ++step) {
        if (!store_->Append(lease.task_id, {AgentStartedEvent(worker, step)}, 1 + step, &lease)
                 .ok()) {
          ++failures;
        }
      }
      {
        std::lock_guard lock(record_mu);
        held.erase(lease.task_id);
      }
      if (!store_->Finish(lease).ok())
        ++failures;
    }
  };

  auto write = [&](int writer) {
    for (int i = 0; i < kAppendsPerWriter; ++i) {
      while (true) {
        Result<std::vector<Event>> events = store_->ReadTask(shared);
        if (!events.ok()) {
          ++failures;
          return;
        }
        Result<std::vector<Event>> appended =
            store_->Append(shared, {AgentStartedEvent("writer-" + std::to_string(writer), i)},
                           events->back().task_seq, nullptr);
        if (appended.ok())
          break;
        if (appended.status().code() != StatusCode::kConflict) {
          ++failures;
          return;
        }
      }
    }
  };

  std::vector<std::thread> threads;
  for (int w = 0; w < kWorkers; ++w)
    threads.emplace_back(work, "worker-" + std::to_string(w));
  for (int w = 0; w < kWriters; ++w)
    threads.emplace_back(write, w);
  for (std::thread& thread : threads)
    thread.join();

  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(overlaps.load(), 0);
  EXPECT_EQ(*store_->QueueDepth(), 1);  // only `shared`, still held by "setup"
  for (const std::string& task_id : queued) {
    EXPECT_EQ(claims_by_task[task_id], 1) << task_id;
    Result<std::vector<Event>> events = store_->ReadTask(task_id);
    ASSERT_TRUE(events.ok());
    EXPECT_EQ(events->size(), 1u + kStepsPerTask);
  }

  Result<std::vector<Event>> shared_events = store_->ReadTask(shared);
  ASSERT_TRUE(shared_events.ok());
  ASSERT_EQ(shared_events->size(), 1u + kWriters * kAppendsPerWriter);
  for (size_t i = 0; i < shared_events->size(); ++i) {
    EXPECT_EQ((*shared_events)[i].task_seq, static_cast<int64_t>(i + 1));
  }

  Result<std::vector<Event>> log = store_->ReadSince(0, 100'000);
  ASSERT_TRUE(log.ok());
  EXPECT_EQ(log->size(),
            static_cast<size_t>(kTasks * (1 + kStepsPerTask) + 1 + kWriters * kAppendsPerWriter));
  std::set<int64_t> seqs;
  for (const Event& event : *log)
    seqs.insert(event.seq);
  EXPECT_EQ(seqs.size(), log->size());
}

MEDULLA_ALL_STORE_ENGINES(ConcurrencyTest);

}  // namespace
}  // namespace medulla::store
