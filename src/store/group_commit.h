// Group commit shared by the store engines: concurrent appends queue up, one caller leads and
// commits everything queued in one transaction, and each caller gets its own outcome back
// only after that commit. Nothing is acknowledged before it is durable.
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <utility>
#include <vector>

#include "store/store.h"

namespace medulla::store {

// One caller's append, as the grouped commit sees it.
struct AppendRequest {
  const std::string& task_id;
  const std::vector<NewEvent>& events;
  int64_t expected_last_task_seq;
  const Lease* lease;
};

using AppendOutcome = Result<std::vector<Event>>;

class GroupCommitQueue {
 public:
  // Commits a group in one transaction and returns one outcome per request, in order; an
  // append that fails its own checks must not fail the others.
  using CommitGroup = std::function<std::vector<AppendOutcome>(const std::vector<AppendRequest*>&)>;

  explicit GroupCommitQueue(CommitGroup commit) : commit_(std::move(commit)) {}

  // Blocks until `request` has been committed, possibly by another caller. Thread-safe.
  AppendOutcome Submit(AppendRequest& request);

 private:
  CommitGroup commit_;
  std::mutex mutex_;
  std::condition_variable published_cv_;
  std::vector<AppendRequest*> waiting_;  // guarded by mutex_
  // Outcomes the leader has published, by request; guarded by mutex_.
  std::vector<std::pair<AppendRequest*, AppendOutcome>> published_;
  bool leading_ = false;  // guarded by mutex_
};

}  // namespace medulla::store
