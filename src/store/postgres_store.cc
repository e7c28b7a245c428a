// The PostgreSQL engine. Locks are always taken in one order: a tenant's chain row, then a
// task's queue row; claims never wait (SKIP LOCKED). So the only deadlocks possible are
// between two nodes' grouped commits that lock several tenants' chains in different orders;
// the server breaks them and the losing append is run again on its own.
//
// Known limit: event seq numbers come from a sequence and become visible in commit order,
// which across tenants need not be seq order. A reader paging with ReadSince can pass over
// an event whose transaction commits just after the read; within one tenant (ReadTenant)
// seq order is commit order, because the chain row lock is held from seq assignment to
// commit.
#include "store/postgres_store.h"

#include <algorithm>
#include <limits>
#include <mutex>
#include <optional>
#include <utility>

#include "common/log.h"
#include "store/event_chain.h"
#include "store/group_commit.h"
#include "store/outbox_internal.h"
#include "store/postgres_db.h"
#include "store/postgres_outbox.h"
#include "store/postgres_schema.h"

namespace medulla::store {
namespace {

using postgres::Connection;
using postgres::Rows;

// A transaction the server rolled back as a serialization or deadlock victim is run again.
constexpr int kMaxAttempts = 5;

int64_t ToMillis(TimePoint at) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(at.time_since_epoch()).count();
}

TimePoint FromMillis(int64_t millis) {
  return TimePoint(
      std::chrono::duration_cast<TimePoint::duration>(std::chrono::milliseconds(millis)));
}

// nlohmann refuses strings that are not valid UTF-8 by throwing; that is the caller's
// malformed input, not a store failure.
Result<std::string> StoredJson(const nlohmann::json& value) {
  try {
    return value.dump();
  } catch (const nlohmann::json::exception&) {
    return InvalidArgument("event JSON holds text that is not valid UTF-8");
  }
}

Result<nlohmann::json> LoadedJson(const std::string& text, int64_t seq) {
  nlohmann::json value = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded()) {
    return Internal("stored event " + std::to_string(seq) + " holds unreadable JSON");
  }
  return value;
}

// BIGINT parameters are signed; a caller's "no limit" of SIZE_MAX becomes INT64_MAX.
std::string LimitParam(size_t limit) {
  constexpr auto kMax = static_cast<size_t>(std::numeric_limits<int64_t>::max());
  return std::to_string(std::min(limit, kMax));
}

constexpr char kEventColumns[] =
    "seq, task_id, task_seq, tenant, type, at, actor::text, payload::text, prev_hash, hash";

Result<std::vector<Event>> CollectEvents(const Rows& rows) {
  std::vector<Event> events;
  events.reserve(static_cast<size_t>(rows.size()));
  for (int row = 0; row < rows.size(); ++row) {
    Event event;
    event.seq = rows.Int(row, 0);
    event.task_id = rows.Text(row, 1);
    event.task_seq = rows.Int(row, 2);
    event.tenant = rows.Text(row, 3);
    event.type = rows.Text(row, 4);
    event.at = FromMillis(rows.Int(row, 5));
    ASSIGN_OR_RETURN(event.actor, LoadedJson(rows.Text(row, 6), event.seq));
    ASSIGN_OR_RETURN(event.payload, LoadedJson(rows.Text(row, 7), event.seq));
    event.prev_hash = rows.Text(row, 8);
    event.hash = rows.Text(row, 9);
    events.push_back(std::move(event));
  }
  return events;
}

// Up to `capacity` connections, each lent to one caller at a time.
class ConnectionPool {
 public:
  class Handle {
   public:
    Handle(ConnectionPool& pool, std::unique_ptr<Connection> connection)
        : pool_(&pool), connection_(std::move(connection)) {}
    Handle(Handle&& other) noexcept = default;
    Handle& operator=(Handle&&) = delete;
    ~Handle() {
      if (connection_)
        pool_->Return(std::move(connection_));
    }
    Connection* operator->() { return connection_.get(); }
    Connection& operator*() { return *connection_; }

   private:
    ConnectionPool* pool_;
    std::unique_ptr<Connection> connection_;
  };

  ConnectionPool(std::string url, int capacity) : url_(std::move(url)), capacity_(capacity) {}

  // Waits for an idle connection, or opens one while fewer than `capacity` are open.
  Result<Handle> Acquire() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return !idle_.empty() || open_ < capacity_; });
    if (!idle_.empty()) {
      std::unique_ptr<Connection> connection = std::move(idle_.back());
      idle_.pop_back();
      return Handle(*this, std::move(connection));
    }
    ++open_;
    lock.unlock();

    Result<std::unique_ptr<Connection>> opened = Connection::Open(url_);
    if (!opened.ok()) {
      Forget();
      return opened.status();
    }
    return Handle(*this, std::move(opened).value());
  }

 private:
  void Return(std::unique_ptr<Connection> connection) {
    if (connection->broken()) {
      connection.reset();
      Forget();
      return;
    }
    std::lock_guard lock(mu_);
    idle_.push_back(std::move(connection));
    cv_.notify_one();
  }

  void Forget() {
    std::lock_guard lock(mu_);
    --open_;
    cv_.notify_one();
  }

  const std::string url_;
  const int capacity_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<Connection>> idle_;  // guarded by mu_
  int open_ = 0;                                   // guarded by mu_; idle and lent
};

class PostgresStore final : public Store {
 public:
  PostgresStore(const std::string& url, const Clock& clock, const StoreOptions& options)
      : pool_(url, options.max_connections), clock_(clock), group_commit_(options.group_commit) {}

  Result<CreatedTask> CreateTask(const NewTask& task) override;
  Result<std::vector<Event>> Append(const std::string& task_id, std::vector<NewEvent> events,
                                    int64_t expected_last_task_seq, const Lease* lease) override;
  Result<std::vector<Event>> ReadTask(const std::string& task_id) override;
  Result<std::vector<Event>> ReadSince(int64_t after_seq, size_t limit) override;
  Result<std::vector<Event>> ReadTenant(const std::string& tenant, int64_t after_seq,
                                        size_t limit) override;
  Result<std::vector<std::string>> Tenants() override;
  Result<std::vector<TaskSummary>> ListTasks(const std::string& tenant, size_t limit) override;
  Result<std::optional<Lease>> Claim(const std::string& worker,
                                     std::chrono::milliseconds lease_for) override;
  Result<Lease> Renew(const Lease& lease, std::chrono::milliseconds lease_for) override;
  Status Finish(const Lease& lease) override;
  Result<int64_t> QueueDepth() override;

  Result<bool> EnqueueWriteback(const WritebackEntry& entry) override;
  Result<std::optional<WritebackEntry>> ClaimWriteback(
      const std::string& worker, std::chrono::milliseconds lease_for) override;
  Result<std::optional<WritebackEntry>> ClaimWritebackById(
      const std::string& tenant, const std::string& intent_id, const std::string& worker,
      std::chrono::milliseconds lease_for) override;
  Status UpdateWriteback(const WritebackEntry& entry) override;
  Result<std::optional<WritebackEntry>> FindWriteback(const std::string& tenant,
                                                      const std::string& intent_id) override;
  Result<std::vector<WritebackEntry>> ListWritebacks(const WritebackFilter& filter) override;

 private:
  int64_t NowMillis() const { return ToMillis(clock_.Now()); }

  // Runs `body` in one transaction, again when the server rolled it back as a
  // serialization or deadlock victim. `body` returns Result<T>.
  template <typename T, typename Body>
  Result<T> Transact(const Body& body);

  // Runs a read-only statement outside an explicit transaction (it is one on its own).
  Result<Rows> Read(const std::string& sql, const std::vector<std::string>& params);

  // The append's checks and writes. REQUIRES: in a transaction on `connection`.
  Result<std::vector<Event>> AppendIn(Connection& connection, const AppendRequest& request);
  // AppendIn inside a savepoint: a failing append undoes its own writes only.
  Result<std::vector<Event>> AppendInSavepoint(Connection& connection,
                                               const AppendRequest& request);
  // Commits the waiting appends together, one savepoint each; returns each one's outcome.
  std::vector<Result<std::vector<Event>>> CommitGroup(const std::vector<AppendRequest*>& group);

  Result<CreatedTask> CreateTaskIn(Connection& connection, const NewTask& task);
  Status CheckLeaseHeld(Connection& connection, const Lease& lease, int64_t now,
                        const char* row_lock);
  // Locks the tenant's chain row (creating it at genesis) and returns its head hash.
  Result<std::string> LockChain(Connection& connection, const std::string& tenant);
  // Appends `events` after the chain head `head`, numbering them from `first_task_seq`.
  Result<std::vector<Event>> InsertEvents(Connection& connection, const std::string& task_id,
                                          const std::string& tenant, int64_t first_task_seq,
                                          const std::vector<NewEvent>& events, int64_t at);

  ConnectionPool pool_;
  const Clock& clock_;
  const bool group_commit_;

  GroupCommitQueue group_{
      [this](const std::vector<AppendRequest*>& group) { return CommitGroup(group); }};
};

template <typename T, typename Body>
Result<T> PostgresStore::Transact(const Body& body) {
  Status last;
  for (int attempt = 1; attempt <= kMaxAttempts; ++attempt) {
    ASSIGN_OR_RETURN(ConnectionPool::Handle connection, pool_.Acquire());
    RETURN_IF_ERROR(connection->Exec("BEGIN"));

    Result<T> result = body(*connection);
    bool retryable = false;
    if (result.ok()) {
      last = connection->Exec("COMMIT");
      if (last.ok())
        return result;
      retryable = connection->last_failure_retryable();
    } else {
      last = result.status();
      retryable = connection->last_failure_retryable();
      // A rollback fails only on a broken connection, which the pool then drops.
      (void)connection->Exec("ROLLBACK");
    }
    if (!retryable)
      return last;
    log::Debug("store", "transaction.retried", {{"attempt", attempt}});
  }
  return Unavailable("store transaction kept colliding with concurrent ones: " + last.message());
}

Result<Rows> PostgresStore::Read(const std::string& sql, const std::vector<std::string>& params) {
  ASSIGN_OR_RETURN(ConnectionPool::Handle connection, pool_.Acquire());
  return connection->Run(sql, params);
}

Status PostgresStore::CheckLeaseHeld(Connection& connection, const Lease& lease, int64_t now,
                                     const char* row_lock) {
  ASSIGN_OR_RETURN(Rows rows, connection.Run(std::string("SELECT lease_owner, fencing_token, "
                                                         "lease_expires_at FROM queue "
                                                         "WHERE task_id = $1 ") +
                                                 row_lock,
                                             {lease.task_id}));
  std::string why;
  if (rows.empty()) {
    why = "task is no longer queued";
  } else if (rows.IsNull(0, 0) || rows.Text(0, 0) != lease.worker) {
    why = "another worker holds the task";
  } else if (rows.Int(0, 1) != lease.fencing_token) {
    why = "fencing token " + std::to_string(lease.fencing_token) + " is not the current " +
          std::to_string(rows.Int(0, 1));
  } else if (rows.Int(0, 2) <= now) {
    why = "lease expired";
  }
  if (why.empty())
    return Status::Ok();

  log::Warn("store", "lease.lost",
            {{"task", lease.task_id}, {"worker", lease.worker}, {"reason", why}});
  return Conflict("lease lost: " + why);
}

Result<std::string> PostgresStore::LockChain(Connection& connection, const std::string& tenant) {
  RETURN_IF_ERROR(connection
                      .Run("INSERT INTO tenant_chains (tenant, last_seq, last_hash) "
                           "VALUES ($1, 0, $2) ON CONFLICT (tenant) DO NOTHING",
                           {tenant, kChainGenesis})
                      .status());
  ASSIGN_OR_RETURN(Rows head, connection.Run("SELECT last_hash FROM tenant_chains "
                                             "WHERE tenant = $1 FOR UPDATE",
                                             {tenant}));
  if (head.empty())
    return Internal("tenant chain row vanished while locked");
  return head.Text(0, 0);
}

Result<std::vector<Event>> PostgresStore::InsertEvents(
    Connection& connection, const std::string& task_id, const std::string& tenant,
    int64_t first_task_seq, const std::vector<NewEvent>& events, int64_t at) {
  ASSIGN_OR_RETURN(std::string head, LockChain(connection, tenant));

  std::vector<Event> stored;
  stored.reserve(events.size());
  int64_t task_seq = first_task_seq;
  for (const NewEvent& event : events) {
    ASSIGN_OR_RETURN(std::string actor, StoredJson(event.actor));
    ASSIGN_OR_RETURN(std::string payload, StoredJson(event.payload));
    Event appended{0,           task_id,       task_seq++, tenant, event.type, FromMillis(at),
                   event.actor, event.payload, head,       ""};
    appended.hash = ChainHash(appended.prev_hash, appended);

    ASSIGN_OR_RETURN(
        Rows seq,
        connection.Run("INSERT INTO events (task_id, task_seq, tenant, type, at, actor, "
                       "payload, prev_hash, hash) "
                       "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING seq",
                       {task_id, std::to_string(appended.task_seq), tenant, event.type,
                        std::to_string(at), actor, payload, appended.prev_hash, appended.hash}));
    appended.seq = seq.Int(0, 0);
    head = appended.hash;
    stored.push_back(std::move(appended));
  }

  RETURN_IF_ERROR(connection
                      .Run("UPDATE tenant_chains SET last_seq = $2, last_hash = $3 "
                           "WHERE tenant = $1",
                           {tenant, std::to_string(stored.back().seq), head})
                      .status());
  return stored;
}

Result<CreatedTask> PostgresStore::CreateTaskIn(Connection& connection, const NewTask& task) {
  if (task.idempotency_key) {
    ASSIGN_OR_RETURN(Rows existing, connection.Run("SELECT task_id FROM idempotency_keys "
                                                   "WHERE tenant = $1 AND key = $2",
                                                   {task.tenant, *task.idempotency_key}));
    if (!existing.empty())
      return CreatedTask{existing.Text(0, 0), false};
  }

  int64_t now_millis = NowMillis();
  std::string now = std::to_string(now_millis);
  Result<Rows> inserted = connection.Run(
      "INSERT INTO tasks (task_id, tenant, created_at) "
      "VALUES ($1, $2, $3)",
      {task.task_id, task.tenant, now});
  if (inserted.status().code() == StatusCode::kConflict)
    return Conflict("task id already exists");
  RETURN_IF_ERROR(inserted.status());

  if (task.idempotency_key) {
    // Waits for a concurrent request holding the same key; if it committed, this one lost.
    ASSIGN_OR_RETURN(Rows keyed,
                     connection.Run("INSERT INTO idempotency_keys (tenant, key, "
                                    "task_id) VALUES ($1, $2, $3) "
                                    "ON CONFLICT DO NOTHING RETURNING task_id",
                                    {task.tenant, *task.idempotency_key, task.task_id}));
    if (keyed.empty())
      return Conflict("idempotency key taken by a concurrent request");
  }

  RETURN_IF_ERROR(
      connection
          .Run("INSERT INTO queue (task_id, available_at) VALUES ($1, $2)", {task.task_id, now})
          .status());
  RETURN_IF_ERROR(
      InsertEvents(connection, task.task_id, task.tenant, 1, {task.created}, now_millis).status());
  return CreatedTask{task.task_id, true};
}

Result<CreatedTask> PostgresStore::CreateTask(const NewTask& task) {
  if (task.task_id.empty())
    return InvalidArgument("task id is empty");
  if (task.tenant.empty())
    return InvalidArgument("tenant is empty");
  if (task.idempotency_key && task.idempotency_key->empty()) {
    return InvalidArgument("idempotency key is empty");
  }
  if (task.created.type != event_type::kTaskCreated) {
    return InvalidArgument("a task must start with a task.created event, not " + task.created.type);
  }

  auto body = [&](Connection& connection) { return CreateTaskIn(connection, task); };
  Result<CreatedTask> created = Transact<CreatedTask>(body);
  // A request that lost the race for its key runs once more and finds the winner's task.
  if (task.idempotency_key && created.status().code() == StatusCode::kConflict &&
      created.status().message().starts_with("idempotency key taken")) {
    created = Transact<CreatedTask>(body);
  }
  RETURN_IF_ERROR(created.status());

  if (created->created)
    log::Debug("store", "task.stored", {{"task", task.task_id}, {"tenant", task.tenant}});
  return created;
}

Result<std::vector<Event>> PostgresStore::AppendIn(Connection& connection,
                                                   const AppendRequest& request) {
  ASSIGN_OR_RETURN(
      Rows owner, connection.Run("SELECT tenant FROM tasks WHERE task_id = $1", {request.task_id}));
  if (owner.empty())
    return NotFound("task not found");
  std::string tenant = owner.Text(0, 0);

  // The chain lock comes first: it serialises the tenant's appends, this task's included,
  // so the checks below cannot be overtaken before the commit.
  RETURN_IF_ERROR(LockChain(connection, tenant).status());

  int64_t now = NowMillis();
  // The lease is checked first: a worker that lost it must stop, whatever the sequence says.
  if (request.lease != nullptr)
    RETURN_IF_ERROR(CheckLeaseHeld(connection, *request.lease, now, "FOR SHARE"));

  ASSIGN_OR_RETURN(Rows last, connection.Run("SELECT COALESCE(MAX(task_seq), 0) FROM events "
                                             "WHERE task_id = $1",
                                             {request.task_id}));
  int64_t last_task_seq = last.Int(0, 0);
  if (last_task_seq != request.expected_last_task_seq) {
    return Conflict("task moved on: expected last task_seq " +
                    std::to_string(request.expected_last_task_seq) + ", found " +
                    std::to_string(last_task_seq));
  }
  return InsertEvents(connection, request.task_id, tenant, last_task_seq + 1, request.events, now);
}

Result<std::vector<Event>> PostgresStore::AppendInSavepoint(Connection& connection,
                                                            const AppendRequest& request) {
  RETURN_IF_ERROR(connection.Exec("SAVEPOINT append"));
  Result<std::vector<Event>> outcome = AppendIn(connection, request);
  if (outcome.ok()) {
    RETURN_IF_ERROR(connection.Exec("RELEASE SAVEPOINT append"));
    return outcome;
  }

  // Keep the failure's retryability readable by the caller: undo, then report it unchanged.
  bool retryable = connection.last_failure_retryable();
  RETURN_IF_ERROR(connection.Exec("ROLLBACK TO SAVEPOINT append"));
  RETURN_IF_ERROR(connection.Exec("RELEASE SAVEPOINT append"));
  connection.set_last_failure_retryable(retryable);
  return outcome;
}

std::vector<Result<std::vector<Event>>> PostgresStore::CommitGroup(
    const std::vector<AppendRequest*>& group) {
  std::vector<Result<std::vector<Event>>> outcomes;
  outcomes.reserve(group.size());
  std::vector<size_t> rerun;  // deadlock victims, run again alone after the group commits

  Status committed = [&]() -> Status {
    ASSIGN_OR_RETURN(ConnectionPool::Handle connection, pool_.Acquire());
    RETURN_IF_ERROR(connection->Exec("BEGIN"));
    // A group of one needs no savepoint: its failure rolls back the whole transaction.
    if (group.size() == 1) {
      outcomes.push_back(AppendIn(*connection, *group.front()));
      if (!outcomes.back().ok() && connection->last_failure_retryable())
        rerun.push_back(0);
      return connection->Exec(outcomes.back().ok() ? "COMMIT" : "ROLLBACK");
    }
    for (AppendRequest* request : group) {
      outcomes.push_back(AppendInSavepoint(*connection, *request));
      if (!outcomes.back().ok() && connection->last_failure_retryable())
        rerun.push_back(outcomes.size() - 1);
    }
    return connection->Exec("COMMIT");
  }();
  if (!committed.ok())
    outcomes.resize(group.size(), committed);  // a failed BEGIN leaves outcomes short
  for (Result<std::vector<Event>>& outcome : outcomes) {
    if (outcome.ok() && !committed.ok())
      outcome = committed;
  }
  for (size_t i : rerun) {
    outcomes[i] =
        Transact<std::vector<Event>>([&](Connection& db) { return AppendIn(db, *group[i]); });
  }
  return outcomes;
}

Result<std::vector<Event>> PostgresStore::Append(const std::string& task_id,
                                                 std::vector<NewEvent> events,
                                                 int64_t expected_last_task_seq,
                                                 const Lease* lease) {
  if (events.empty())
    return InvalidArgument("no events to append");
  for (const NewEvent& event : events) {
    if (event.type.empty())
      return InvalidArgument("event type is empty");
    if (event.type == event_type::kTaskCreated) {
      return InvalidArgument("task.created may only start a task");
    }
  }
  if (lease != nullptr && lease->task_id != task_id) {
    return InvalidArgument("lease is for another task");
  }

  AppendRequest request{task_id, events, expected_last_task_seq, lease};
  if (group_commit_)
    return group_.Submit(request);
  return Transact<std::vector<Event>>(
      [&](Connection& connection) { return AppendIn(connection, request); });
}

Result<std::vector<Event>> PostgresStore::ReadTask(const std::string& task_id) {
  ASSIGN_OR_RETURN(Rows rows, Read(std::string("SELECT ") + kEventColumns +
                                       " FROM events WHERE task_id = $1 ORDER BY task_seq",
                                   {task_id}));
  ASSIGN_OR_RETURN(std::vector<Event> events, CollectEvents(rows));
  // Every task is created with its first event in one transaction, so no events means no task.
  if (events.empty())
    return NotFound("task not found");
  return events;
}

Result<std::vector<Event>> PostgresStore::ReadSince(int64_t after_seq, size_t limit) {
  ASSIGN_OR_RETURN(Rows rows, Read(std::string("SELECT ") + kEventColumns +
                                       " FROM events WHERE seq > $1 ORDER BY seq LIMIT $2",
                                   {std::to_string(after_seq), LimitParam(limit)}));
  return CollectEvents(rows);
}

Result<std::vector<Event>> PostgresStore::ReadTenant(const std::string& tenant, int64_t after_seq,
                                                     size_t limit) {
  ASSIGN_OR_RETURN(Rows rows,
                   Read(std::string("SELECT ") + kEventColumns +
                            " FROM events WHERE tenant = $1 AND seq > $2 ORDER BY seq LIMIT $3",
                        {tenant, std::to_string(after_seq), LimitParam(limit)}));
  return CollectEvents(rows);
}

Result<std::vector<std::string>> PostgresStore::Tenants() {
  // Every tenant with events has a chain row, and only appends create one.
  ASSIGN_OR_RETURN(Rows rows, Read("SELECT tenant FROM tenant_chains ORDER BY 1", {}));
  std::vector<std::string> tenants;
  for (int row = 0; row < rows.size(); ++row)
    tenants.push_back(rows.Text(row, 0));
  return tenants;
}

Result<std::vector<TaskSummary>> PostgresStore::ListTasks(const std::string& tenant, size_t limit) {
  ASSIGN_OR_RETURN(Rows rows, Read("SELECT task_id, tenant, created_at FROM tasks "
                                   "WHERE tenant = $1 "
                                   "ORDER BY created_at DESC, created_order DESC LIMIT $2",
                                   {tenant, LimitParam(limit)}));
  std::vector<TaskSummary> tasks;
  for (int row = 0; row < rows.size(); ++row)
    tasks.push_back({rows.Text(row, 0), rows.Text(row, 1), FromMillis(rows.Int(row, 2))});
  return tasks;
}

Result<std::optional<Lease>> PostgresStore::Claim(const std::string& worker,
                                                  std::chrono::milliseconds lease_for) {
  if (worker.empty())
    return InvalidArgument("worker name is empty");
  if (lease_for.count() <= 0)
    return InvalidArgument("lease duration must be positive");

  int64_t now = NowMillis();
  int64_t expires_at = now + lease_for.count();
  auto body = [&](Connection& connection) -> Result<std::optional<Lease>> {
    // Rows another node is claiming or appending under are skipped, never waited for.
    ASSIGN_OR_RETURN(Rows taken,
                     connection.Run("WITH picked AS (SELECT task_id FROM queue "
                                    "WHERE available_at <= $1 AND (lease_owner IS NULL OR "
                                    "lease_expires_at <= $1) ORDER BY available_at, position "
                                    "LIMIT 1 FOR UPDATE SKIP LOCKED) "
                                    "UPDATE queue SET lease_owner = $2, lease_expires_at = $3, "
                                    "fencing_token = queue.fencing_token + 1, "
                                    "attempts = queue.attempts + 1 FROM picked "
                                    "WHERE queue.task_id = picked.task_id "
                                    "RETURNING queue.task_id, queue.fencing_token, queue.attempts",
                                    {std::to_string(now), worker, std::to_string(expires_at)}));
    if (taken.empty())
      return std::optional<Lease>();
    return std::optional<Lease>(Lease{taken.Text(0, 0), worker, taken.Int(0, 1),
                                      FromMillis(expires_at), static_cast<int>(taken.Int(0, 2))});
  };
  ASSIGN_OR_RETURN(std::optional<Lease> lease, Transact<std::optional<Lease>>(body));

  if (lease) {
    log::Debug(
        "store", "task.claimed",
        {{"task", lease->task_id}, {"worker", worker}, {"fencing_token", lease->fencing_token}});
  }
  return lease;
}

Result<Lease> PostgresStore::Renew(const Lease& lease, std::chrono::milliseconds lease_for) {
  if (lease_for.count() <= 0)
    return InvalidArgument("lease duration must be positive");

  return Transact<Lease>([&](Connection& connection) -> Result<Lease> {
    int64_t now = NowMillis();
    RETURN_IF_ERROR(CheckLeaseHeld(connection, lease, now, "FOR UPDATE"));

    Lease renewed = lease;
    renewed.expires_at = FromMillis(now + lease_for.count());
    RETURN_IF_ERROR(connection
                        .Run("UPDATE queue SET lease_expires_at = $1 WHERE task_id = $2",
                             {std::to_string(ToMillis(renewed.expires_at)), lease.task_id})
                        .status());
    return renewed;
  });
}

Status PostgresStore::Finish(const Lease& lease) {
  return Transact<bool>([&](Connection& connection) -> Result<bool> {
           RETURN_IF_ERROR(CheckLeaseHeld(connection, lease, NowMillis(), "FOR UPDATE"));
           RETURN_IF_ERROR(
               connection.Run("DELETE FROM queue WHERE task_id = $1", {lease.task_id}).status());
           return true;
         })
      .status();
}

Result<int64_t> PostgresStore::QueueDepth() {
  ASSIGN_OR_RETURN(Rows rows, Read("SELECT COUNT(*) FROM queue", {}));
  if (rows.empty())
    return Internal("queue depth query returned no row");
  return rows.Int(0, 0);
}

Result<bool> PostgresStore::EnqueueWriteback(const WritebackEntry& entry) {
  return Transact<bool>([&](Connection& connection) {
    return postgres::EnqueueWriteback(connection, entry, NowMillis());
  });
}

Result<std::optional<WritebackEntry>> PostgresStore::ClaimWriteback(
    const std::string& worker, std::chrono::milliseconds lease_for) {
  RETURN_IF_ERROR(outbox::CheckClaim(worker, lease_for));

  return Transact<std::optional<WritebackEntry>>([&](Connection& connection) {
    int64_t now = NowMillis();
    return postgres::ClaimWriteback(connection, worker, now, now + lease_for.count());
  });
}

Result<std::optional<WritebackEntry>> PostgresStore::ClaimWritebackById(
    const std::string& tenant, const std::string& intent_id, const std::string& worker,
    std::chrono::milliseconds lease_for) {
  RETURN_IF_ERROR(outbox::CheckClaim(worker, lease_for));

  return Transact<std::optional<WritebackEntry>>([&](Connection& connection) {
    int64_t now = NowMillis();
    return postgres::ClaimWritebackById(connection, tenant, intent_id, worker, now,
                                        now + lease_for.count());
  });
}

Status PostgresStore::UpdateWriteback(const WritebackEntry& entry) {
  return Transact<bool>([&](Connection& connection) -> Result<bool> {
           RETURN_IF_ERROR(postgres::UpdateWriteback(connection, entry, NowMillis()));
           return true;
         })
      .status();
}

Result<std::optional<WritebackEntry>> PostgresStore::FindWriteback(const std::string& tenant,
                                                                   const std::string& intent_id) {
  ASSIGN_OR_RETURN(ConnectionPool::Handle connection, pool_.Acquire());
  return postgres::FindWriteback(*connection, tenant, intent_id);
}

Result<std::vector<WritebackEntry>> PostgresStore::ListWritebacks(const WritebackFilter& filter) {
  ASSIGN_OR_RETURN(ConnectionPool::Handle connection, pool_.Acquire());
  return postgres::ListWritebacks(*connection, filter);
}

// An OK from Append promises stable storage; a server set to acknowledge commits before
// they are flushed would break that promise silently, so the store refuses to run on it.
Status CheckDurability(Connection& connection) {
  for (const char* setting : {"fsync", "synchronous_commit"}) {
    ASSIGN_OR_RETURN(Rows rows, connection.Run(std::string("SHOW ") + setting));
    if (!rows.empty() && rows.Text(0, 0) == "off") {
      return FailedPrecondition(std::string("the PostgreSQL server runs with ") + setting +
                                " = off, so acknowledged events could be lost");
    }
  }
  return Status::Ok();
}

}  // namespace

Result<std::unique_ptr<Store>> OpenPostgresStore(const std::string& url, const Clock& clock,
                                                 const StoreOptions& options) {
  if (options.max_connections < 1)
    return InvalidArgument("a PostgreSQL store needs at least one connection");

  ASSIGN_OR_RETURN(std::unique_ptr<postgres::Connection> connection,
                   postgres::Connection::Open(url));
  RETURN_IF_ERROR(CheckDurability(*connection));
  ASSIGN_OR_RETURN(int version, postgres::PrepareSchema(*connection));

  log::Info("store", "store.opened",
            {{"engine", "postgresql"},
             {"schema_version", version},
             {"group_commit", options.group_commit},
             {"max_connections", options.max_connections}});
  return std::unique_ptr<Store>(std::make_unique<PostgresStore>(url, clock, options));
}

int PostgresSchemaVersion() {
  return postgres::kSchemaVersion;
}

}  // namespace medulla::store
