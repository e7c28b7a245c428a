// Appends a running task's events under the worker's lease: each append is fenced by the lease
// and checked against the last event this worker saw, so a worker whose lease was taken over
// cannot add a single event to the task.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "store/store.h"

namespace medulla::orchestrator {

class EventWriter {
 public:
  EventWriter(store::Store& store, store::Lease lease, int64_t last_task_seq,
              nlohmann::json principal_actor);

  // Appends one event acted by the principal, or by `agent` on the principal's behalf,
  // together with any staged events before it, in one durable commit.
  Status Append(const std::string& type, nlohmann::json payload, const std::string& agent = "");

  // Holds an event for the next Append or Flush, so that the events of one step of work reach
  // the log in a single commit. Callers flush before anything leaves the process (a tool
  // touching the EHR, a model call, a write), so nothing is done that the log does not show.
  void Stage(const std::string& type, nlohmann::json payload, const std::string& agent = "");

  // Appends the staged events, if any, in one commit.
  Status Flush();

  // Renews the lease; call between steps so that long tasks keep their claim.
  Status Renew(std::chrono::milliseconds lease_for);

  const store::Lease& lease() const { return lease_; }

 private:
  bool AdoptLateEvents();

  store::Store* store_;
  store::Lease lease_;
  int64_t last_task_seq_;
  nlohmann::json principal_actor_;
  std::vector<store::NewEvent> staged_;
};

}  // namespace medulla::orchestrator
