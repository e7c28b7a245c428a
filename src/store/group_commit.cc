#include "store/group_commit.h"

#include <algorithm>

namespace medulla::store {

AppendOutcome GroupCommitQueue::Submit(AppendRequest& request) {
  std::unique_lock lock(mutex_);
  waiting_.push_back(&request);
  while (true) {
    auto mine = std::find_if(published_.begin(), published_.end(),
                             [&](const auto& entry) { return entry.first == &request; });
    if (mine != published_.end()) {
      AppendOutcome outcome = std::move(mine->second);
      published_.erase(mine);
      return outcome;
    }
    if (leading_) {
      published_cv_.wait(lock);
      continue;
    }

    // Lead: commit everything waiting, then hand the outcomes over and step down.
    leading_ = true;
    std::vector<AppendRequest*> group;
    group.swap(waiting_);
    lock.unlock();
    std::vector<AppendOutcome> outcomes = commit_(group);
    lock.lock();
    for (size_t i = 0; i < group.size(); ++i)
      published_.emplace_back(group[i], std::move(outcomes[i]));
    leading_ = false;
    published_cv_.notify_all();
  }
}

}  // namespace medulla::store
