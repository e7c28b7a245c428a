// The store: Medulla's event log, its idempotency keys and its work queue, behind one
// interface so that engines (SQLite now) can be swapped without touching callers.
//
// Durability: a call that returns OK has reached stable storage.
// Thread safety: every method may be called from any thread.
// Fencing: appends made on behalf of a lease carry its fencing token; once the lease has
// expired and been claimed by another worker, the old holder's appends fail with kConflict.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "common/time.h"
#include "store/event.h"
#include "store/outbox.h"

namespace medulla::store {

struct NewTask {
  std::string task_id;  // minted by the caller
  std::string tenant;
  std::optional<std::string> idempotency_key;
  NewEvent created;  // must be a task.created event
};

struct CreatedTask {
  std::string task_id;
  bool created = false;  // false: the idempotency key already named this task
};

// A worker's claim on a task. Valid until `expires_at` unless renewed.
struct Lease {
  std::string task_id;
  std::string worker;
  int64_t fencing_token = 0;  // grows by one every time the task is claimed
  TimePoint expires_at;
  int attempts = 0;  // how many times this task has been claimed, this claim included
};

struct TaskSummary {
  std::string task_id;
  std::string tenant;
  TimePoint created_at;
};

class Store {
 public:
  virtual ~Store() = default;

  // Appends the task's first event and queues the task, atomically. When the tenant already
  // used `idempotency_key`, writes nothing and returns the existing task with created=false.
  // The key alone decides: a retry that reuses it with a different body still gets the first
  // task back. kInvalidArgument when `created` is not task.created or an id, tenant or key is
  // empty; kConflict when `task_id` is already taken.
  virtual Result<CreatedTask> CreateTask(const NewTask& task) = 0;

  // Appends `events` to the task atomically, after checking that its last task_seq is
  // `expected_last_task_seq` (kConflict otherwise) and, when `lease` is given, that the lease
  // still holds (kConflict otherwise). Returns the events as stored, all stamped with the
  // clock's time of the append. kNotFound for an unknown task; kInvalidArgument when `events`
  // is empty, holds a task.created or an event without a type, or `lease` names another task.
  virtual Result<std::vector<Event>> Append(const std::string& task_id,
                                            std::vector<NewEvent> events,
                                            int64_t expected_last_task_seq, const Lease* lease) = 0;

  // Returns the task's events in order; kNotFound for an unknown task.
  virtual Result<std::vector<Event>> ReadTask(const std::string& task_id) = 0;

  // Returns up to `limit` events with seq > `after_seq`, in order.
  virtual Result<std::vector<Event>> ReadSince(int64_t after_seq, size_t limit) = 0;

  // Returns up to `limit` of the tenant's events with seq > `after_seq`, in log order: the
  // tenant's hash chain, for audit.
  virtual Result<std::vector<Event>> ReadTenant(const std::string& tenant, int64_t after_seq,
                                                size_t limit) = 0;

  // Every tenant that has events.
  virtual Result<std::vector<std::string>> Tenants() = 0;

  // Returns the tenant's tasks, newest first.
  virtual Result<std::vector<TaskSummary>> ListTasks(const std::string& tenant, size_t limit) = 0;

  // Claims the oldest queued task whose lease is free or expired, or returns nullopt. The
  // claim raises the task's fencing token and attempt count by one.
  virtual Result<std::optional<Lease>> Claim(const std::string& worker,
                                             std::chrono::milliseconds lease_for) = 0;

  // Extends a lease the worker still holds; kConflict if it was lost.
  virtual Result<Lease> Renew(const Lease& lease, std::chrono::milliseconds lease_for) = 0;

  // Removes a finished task from the queue; kConflict if the lease was lost.
  virtual Status Finish(const Lease& lease) = 0;

  // Number of tasks still queued (claimed or not).
  virtual Result<int64_t> QueueDepth() = 0;

  // The write-back outbox (outbox.h).

  // Adds `entry` with its order, created_at and updated_at set by the store. Returns false and
  // changes nothing when the tenant already holds this intent id, so a re-run task never queues
  // a write twice. kInvalidArgument when tenant, intent id, task id or patient is empty.
  // When `entry.lease_owner` is set, the entry is enqueued already claimed by it until
  // `entry.lease_until` (fence 1), so that its first attempt needs no commit of its own.
  virtual Result<bool> EnqueueWriteback(const WritebackEntry& entry) = 0;

  // Claims the due entry (pending or retrying, route fhir or vendor_api, next_attempt_at not
  // after now) of lowest order whose lease is free or expired, whose task is no longer queued
  // (a running task attempts its own writes), and whose patient has no unfinished entry of lower
  // order on those routes, so each patient's writes reach the EHR in the order they were made.
  // The claim raises the entry's fence by one. nullopt when nothing is due.
  virtual Result<std::optional<WritebackEntry>> ClaimWriteback(
      const std::string& worker, std::chrono::milliseconds lease_for) = 0;

  // Claims one entry by id whatever its status, unless another worker's lease on it holds
  // (nullopt then). kNotFound for an unknown intent.
  virtual Result<std::optional<WritebackEntry>> ClaimWritebackById(
      const std::string& tenant, const std::string& intent_id, const std::string& worker,
      std::chrono::milliseconds lease_for) = 0;

  // Stores the entry's status, attempts, next_attempt_at, reason, reference, version, task and
  // intent (a revised intent is attempted again under the same id) and releases its lease, when
  // the entry is still claimed under `entry.fence` (kConflict otherwise: another claim raised the
  // fence, or this claim was already released by an update). kNotFound for an unknown intent.
  virtual Status UpdateWriteback(const WritebackEntry& entry) = 0;

  // The tenant's entry, or nullopt when the tenant holds no such intent.
  virtual Result<std::optional<WritebackEntry>> FindWriteback(const std::string& tenant,
                                                              const std::string& intent_id) = 0;

  // The tenant's entries matching `filter`, lowest order first. kInvalidArgument when the
  // filter names no tenant.
  virtual Result<std::vector<WritebackEntry>> ListWritebacks(const WritebackFilter& filter) = 0;
};

// Opens (creating if needed) a SQLite store at `path` in WAL mode with full sync.
Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path, const Clock& clock);

}  // namespace medulla::store
