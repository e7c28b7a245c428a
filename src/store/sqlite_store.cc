// The SQLite engine behind Store. One connection serves every caller, one call at a time
// under a mutex; each call that writes runs in a single BEGIN IMMEDIATE transaction, so a
// failure part-way leaves nothing behind.
//
// Group commit: appends that arrive while another commit is syncing wait in a queue; the
// next of them to run takes the whole queue and commits it as one transaction with one
// sync, each append inside its own savepoint so that one failing its checks undoes only
// itself. No caller hears back before the transaction holding its append has committed.
//
// Known limit: readers wait behind writers on the same connection, and task creation,
// claims and lease changes still commit and sync one at a time.
#include <algorithm>
#include <limits>
#include <mutex>
#include <utility>

#include "common/log.h"
#include "store/event_chain.h"
#include "store/group_commit.h"
#include "store/outbox_internal.h"
#include "store/sqlite_db.h"
#include "store/sqlite_outbox.h"
#include "store/sqlite_schema.h"
#include "store/store.h"
#include "store/store_factory.h"

namespace medulla::store {
namespace {

using sqlite::Database;
using sqlite::Query;
using sqlite::Transaction;

int64_t ToMillis(TimePoint at) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(at.time_since_epoch()).count();
}

TimePoint FromMillis(int64_t millis) {
  return TimePoint(
      std::chrono::duration_cast<TimePoint::duration>(std::chrono::milliseconds(millis)));
}

// Serialises JSON for storage. nlohmann refuses strings that are not valid UTF-8 by
// throwing; that is the caller's malformed input, not a store failure.
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

Status ValidateNewEvent(const NewEvent& event) {
  if (event.type.empty())
    return InvalidArgument("event type is empty");
  return Status::Ok();
}

constexpr char kEventColumns[] =
    "seq, task_id, task_seq, tenant, type, at, actor, payload, prev_hash, hash";

Result<std::vector<Event>> CollectEvents(Query& query) {
  std::vector<Event> events;
  ASSIGN_OR_RETURN(bool has_row, query.Next());
  while (has_row) {
    Event event;
    event.seq = query.Int(0);
    event.task_id = query.Text(1);
    event.task_seq = query.Int(2);
    event.tenant = query.Text(3);
    event.type = query.Text(4);
    event.at = FromMillis(query.Int(5));
    ASSIGN_OR_RETURN(event.actor, LoadedJson(query.Text(6), event.seq));
    ASSIGN_OR_RETURN(event.payload, LoadedJson(query.Text(7), event.seq));
    event.prev_hash = query.Text(8);
    event.hash = query.Text(9);
    events.push_back(std::move(event));
    ASSIGN_OR_RETURN(has_row, query.Next());
  }
  return events;
}

// SQLite binds signed 64-bit integers; a caller's "no limit" of SIZE_MAX becomes INT64_MAX.
int64_t ClampedLimit(size_t limit) {
  constexpr auto kMax = static_cast<size_t>(std::numeric_limits<int64_t>::max());
  return static_cast<int64_t>(std::min(limit, kMax));
}

class SqliteStore final : public Store {
 public:
  SqliteStore(std::unique_ptr<Database> db, const Clock& clock, const StoreOptions& options)
      : db_(std::move(db)), clock_(clock), group_commit_(options.group_commit) {}

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

  Result<std::optional<std::string>> FindKeyedTask(const std::string& tenant,
                                                   const std::string& key);
  Result<std::optional<std::string>> FindTenant(const std::string& task_id);
  Result<int64_t> LastTaskSeq(const std::string& task_id);
  Status CheckLeaseHeld(const Lease& lease, int64_t now);
  // The hash of the tenant's latest event, or the genesis value. REQUIRES: in a transaction.
  Result<std::string> ChainHead(const std::string& tenant);
  Result<Event> InsertEvent(const std::string& task_id, const std::string& tenant, int64_t task_seq,
                            const NewEvent& event, int64_t at);
  Status InsertTaskRows(const NewTask& task, int64_t now);

  // The append's checks and writes. REQUIRES: mu_ held, in a transaction.
  Result<std::vector<Event>> AppendIn(const AppendRequest& request);
  // AppendIn inside a savepoint: a failing append undoes its own writes only.
  Result<std::vector<Event>> AppendInSavepoint(const AppendRequest& request);
  // Commits the waiting appends in one transaction; returns each one's outcome.
  std::vector<Result<std::vector<Event>>> CommitGroup(const std::vector<AppendRequest*>& group);

  std::mutex mu_;
  std::unique_ptr<Database> db_;  // guarded by mu_
  const Clock& clock_;
  const bool group_commit_;

  GroupCommitQueue group_{
      [this](const std::vector<AppendRequest*>& group) { return CommitGroup(group); }};
};

Result<std::optional<std::string>> SqliteStore::FindKeyedTask(const std::string& tenant,
                                                              const std::string& key) {
  ASSIGN_OR_RETURN(Query query, db_->Prepare("SELECT task_id FROM idempotency_keys "
                                             "WHERE tenant = ? AND key = ?"));
  query.BindText(1, tenant).BindText(2, key);
  ASSIGN_OR_RETURN(bool found, query.Next());
  if (!found)
    return std::optional<std::string>();
  return std::optional<std::string>(query.Text(0));
}

Result<std::optional<std::string>> SqliteStore::FindTenant(const std::string& task_id) {
  ASSIGN_OR_RETURN(Query query, db_->Prepare("SELECT tenant FROM tasks WHERE task_id = ?"));
  query.BindText(1, task_id);
  ASSIGN_OR_RETURN(bool found, query.Next());
  if (!found)
    return std::optional<std::string>();
  return std::optional<std::string>(query.Text(0));
}

Result<int64_t> SqliteStore::LastTaskSeq(const std::string& task_id) {
  ASSIGN_OR_RETURN(Query query, db_->Prepare("SELECT COALESCE(MAX(task_seq), 0) FROM events "
                                             "WHERE task_id = ?"));
  query.BindText(1, task_id);
  ASSIGN_OR_RETURN(bool found, query.Next());
  if (!found)
    return Internal("last task_seq query returned no row");
  return query.Int(0);
}

Status SqliteStore::CheckLeaseHeld(const Lease& lease, int64_t now) {
  ASSIGN_OR_RETURN(Query query, db_->Prepare("SELECT lease_owner, fencing_token, lease_expires_at "
                                             "FROM queue WHERE task_id = ?"));
  query.BindText(1, lease.task_id);
  ASSIGN_OR_RETURN(bool queued, query.Next());

  std::string why;
  if (!queued) {
    why = "task is no longer queued";
  } else if (query.IsNull(0) || query.Text(0) != lease.worker) {
    why = "another worker holds the task";
  } else if (query.Int(1) != lease.fencing_token) {
    why = "fencing token " + std::to_string(lease.fencing_token) + " is not the current " +
          std::to_string(query.Int(1));
  } else if (query.Int(2) <= now) {
    why = "lease expired";
  }
  if (why.empty())
    return Status::Ok();

  log::Warn("store", "lease.lost",
            {{"task", lease.task_id}, {"worker", lease.worker}, {"reason", why}});
  return Conflict("lease lost: " + why);
}

Result<Event> SqliteStore::InsertEvent(const std::string& task_id, const std::string& tenant,
                                       int64_t task_seq, const NewEvent& event, int64_t at) {
  ASSIGN_OR_RETURN(std::string actor, StoredJson(event.actor));
  ASSIGN_OR_RETURN(std::string payload, StoredJson(event.payload));

  Event stored{0,           task_id,       task_seq, tenant, event.type, FromMillis(at),
               event.actor, event.payload, "",       ""};
  ASSIGN_OR_RETURN(stored.prev_hash, ChainHead(tenant));
  stored.hash = ChainHash(stored.prev_hash, stored);

  ASSIGN_OR_RETURN(Query insert,
                   db_->Prepare("INSERT INTO events (task_id, task_seq, tenant, type, at, "
                                "actor, payload, prev_hash, hash) "
                                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  insert.BindText(1, task_id).BindInt(2, task_seq).BindText(3, tenant).BindText(4, event.type);
  insert.BindInt(5, at).BindText(6, actor).BindText(7, payload);
  insert.BindText(8, stored.prev_hash).BindText(9, stored.hash);
  RETURN_IF_ERROR(insert.Run());
  stored.seq = db_->LastInsertRowId();

  ASSIGN_OR_RETURN(Query advance,
                   db_->Prepare("INSERT INTO tenant_chains (tenant, last_seq, last_hash) "
                                "VALUES (?, ?, ?) ON CONFLICT (tenant) DO UPDATE SET "
                                "last_seq = excluded.last_seq, last_hash = excluded.last_hash"));
  advance.BindText(1, tenant).BindInt(2, stored.seq).BindText(3, stored.hash);
  RETURN_IF_ERROR(advance.Run());
  return stored;
}

Result<std::string> SqliteStore::ChainHead(const std::string& tenant) {
  ASSIGN_OR_RETURN(Query query,
                   db_->Prepare("SELECT last_hash FROM tenant_chains WHERE tenant = ?"));
  query.BindText(1, tenant);
  ASSIGN_OR_RETURN(bool has_row, query.Next());
  return has_row ? query.Text(0) : kChainGenesis;
}

Status SqliteStore::InsertTaskRows(const NewTask& task, int64_t now) {
  ASSIGN_OR_RETURN(Query insert_task,
                   db_->Prepare("INSERT INTO tasks (task_id, tenant, created_at) "
                                "VALUES (?, ?, ?)"));
  Status inserted =
      insert_task.BindText(1, task.task_id).BindText(2, task.tenant).BindInt(3, now).Run();
  if (inserted.code() == StatusCode::kConflict)
    return Conflict("task id already exists");
  RETURN_IF_ERROR(inserted);

  if (task.idempotency_key) {
    ASSIGN_OR_RETURN(Query insert_key,
                     db_->Prepare("INSERT INTO idempotency_keys (tenant, key, task_id) "
                                  "VALUES (?, ?, ?)"));
    insert_key.BindText(1, task.tenant).BindText(2, *task.idempotency_key);
    RETURN_IF_ERROR(insert_key.BindText(3, task.task_id).Run());
  }

  ASSIGN_OR_RETURN(Query enqueue,
                   db_->Prepare("INSERT INTO queue (task_id, available_at) VALUES (?, ?)"));
  return enqueue.BindText(1, task.task_id).BindInt(2, now).Run();
}

Result<CreatedTask> SqliteStore::CreateTask(const NewTask& task) {
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

  std::lock_guard lock(mu_);
  ASSIGN_OR_RETURN(Transaction transaction, Transaction::Begin(*db_));

  if (task.idempotency_key) {
    ASSIGN_OR_RETURN(std::optional<std::string> existing,
                     FindKeyedTask(task.tenant, *task.idempotency_key));
    if (existing)
      return CreatedTask{*existing, false};
  }

  int64_t now = NowMillis();
  RETURN_IF_ERROR(InsertTaskRows(task, now));
  RETURN_IF_ERROR(InsertEvent(task.task_id, task.tenant, 1, task.created, now).status());
  RETURN_IF_ERROR(transaction.Commit());

  log::Debug("store", "task.stored", {{"task", task.task_id}, {"tenant", task.tenant}});
  return CreatedTask{task.task_id, true};
}

Result<std::vector<Event>> SqliteStore::Append(const std::string& task_id,
                                               std::vector<NewEvent> events,
                                               int64_t expected_last_task_seq, const Lease* lease) {
  if (events.empty())
    return InvalidArgument("no events to append");
  for (const NewEvent& event : events) {
    RETURN_IF_ERROR(ValidateNewEvent(event));
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

  std::lock_guard lock(mu_);
  ASSIGN_OR_RETURN(Transaction transaction, Transaction::Begin(*db_));
  ASSIGN_OR_RETURN(std::vector<Event> stored, AppendIn(request));
  RETURN_IF_ERROR(transaction.Commit());
  return stored;
}

Result<std::vector<Event>> SqliteStore::AppendIn(const AppendRequest& request) {
  ASSIGN_OR_RETURN(std::optional<std::string> tenant, FindTenant(request.task_id));
  if (!tenant)
    return NotFound("task not found");

  int64_t now = NowMillis();
  // The lease is checked first: a worker that lost it must stop, whatever the sequence says.
  if (request.lease != nullptr)
    RETURN_IF_ERROR(CheckLeaseHeld(*request.lease, now));

  ASSIGN_OR_RETURN(int64_t last_task_seq, LastTaskSeq(request.task_id));
  if (last_task_seq != request.expected_last_task_seq) {
    return Conflict("task moved on: expected last task_seq " +
                    std::to_string(request.expected_last_task_seq) + ", found " +
                    std::to_string(last_task_seq));
  }

  std::vector<Event> stored;
  stored.reserve(request.events.size());
  for (const NewEvent& event : request.events) {
    ASSIGN_OR_RETURN(Event appended,
                     InsertEvent(request.task_id, *tenant, ++last_task_seq, event, now));
    stored.push_back(std::move(appended));
  }
  return stored;
}

Result<std::vector<Event>> SqliteStore::AppendInSavepoint(const AppendRequest& request) {
  RETURN_IF_ERROR(db_->Exec("SAVEPOINT append"));
  Result<std::vector<Event>> outcome = AppendIn(request);
  if (!outcome.ok())
    RETURN_IF_ERROR(db_->Exec("ROLLBACK TO append"));
  RETURN_IF_ERROR(db_->Exec("RELEASE append"));
  return outcome;
}

std::vector<Result<std::vector<Event>>> SqliteStore::CommitGroup(
    const std::vector<AppendRequest*>& group) {
  std::vector<Result<std::vector<Event>>> outcomes;
  outcomes.reserve(group.size());

  std::lock_guard lock(mu_);
  Status committed = [&]() -> Status {
    ASSIGN_OR_RETURN(Transaction transaction, Transaction::Begin(*db_));
    // A group of one needs no savepoint: its failure rolls back the whole transaction.
    for (AppendRequest* request : group)
      outcomes.push_back(group.size() == 1 ? AppendIn(*request) : AppendInSavepoint(*request));
    if (group.size() == 1 && !outcomes.front().ok())
      return Status::Ok();  // the transaction rolls back as it leaves scope
    return transaction.Commit();
  }();
  if (committed.ok())
    return outcomes;

  // Nothing of the group reached the disk: appends that passed their own checks report the
  // commit's failure; those that failed keep their own reason.
  outcomes.resize(group.size(), committed);
  for (Result<std::vector<Event>>& outcome : outcomes) {
    if (outcome.ok())
      outcome = committed;
  }
  return outcomes;
}

Result<std::vector<Event>> SqliteStore::ReadTask(const std::string& task_id) {
  std::lock_guard lock(mu_);
  ASSIGN_OR_RETURN(Query query, db_->Prepare(std::string("SELECT ") + kEventColumns +
                                             " FROM events WHERE task_id = ? ORDER BY task_seq"));
  query.BindText(1, task_id);
  ASSIGN_OR_RETURN(std::vector<Event> events, CollectEvents(query));
  // Every task is created with its first event in one transaction, so no events means no task.
  if (events.empty())
    return NotFound("task not found");
  return events;
}

Result<std::vector<Event>> SqliteStore::ReadSince(int64_t after_seq, size_t limit) {
  std::lock_guard lock(mu_);
  ASSIGN_OR_RETURN(Query query, db_->Prepare(std::string("SELECT ") + kEventColumns +
                                             " FROM events WHERE seq > ? ORDER BY seq LIMIT ?"));
  query.BindInt(1, after_seq).BindInt(2, ClampedLimit(limit));
  return CollectEvents(query);
}

Result<std::vector<Event>> SqliteStore::ReadTenant(const std::string& tenant, int64_t after_seq,
                                                   size_t limit) {
  std::lock_guard lock(mu_);
  ASSIGN_OR_RETURN(Query query,
                   db_->Prepare(std::string("SELECT ") + kEventColumns +
                                " FROM events WHERE tenant = ? AND seq > ? ORDER BY seq LIMIT ?"));
  query.BindText(1, tenant).BindInt(2, after_seq).BindInt(3, ClampedLimit(limit));
  return CollectEvents(query);
}

Result<std::vector<std::string>> SqliteStore::Tenants() {
  std::lock_guard lock(mu_);
  ASSIGN_OR_RETURN(Query query, db_->Prepare("SELECT DISTINCT tenant FROM events ORDER BY 1"));
  std::vector<std::string> tenants;
  ASSIGN_OR_RETURN(bool has_row, query.Next());
  while (has_row) {
    tenants.push_back(query.Text(0));
    ASSIGN_OR_RETURN(has_row, query.Next());
  }
  return tenants;
}

Result<std::vector<TaskSummary>> SqliteStore::ListTasks(const std::string& tenant, size_t limit) {
  std::lock_guard lock(mu_);
  ASSIGN_OR_RETURN(Query query,
                   db_->Prepare("SELECT task_id, tenant, created_at FROM tasks WHERE tenant = ? "
                                "ORDER BY created_at DESC, rowid DESC LIMIT ?"));
  query.BindText(1, tenant).BindInt(2, ClampedLimit(limit));

  std::vector<TaskSummary> tasks;
  ASSIGN_OR_RETURN(bool has_row, query.Next());
  while (has_row) {
    tasks.push_back({query.Text(0), query.Text(1), FromMillis(query.Int(2))});
    ASSIGN_OR_RETURN(has_row, query.Next());
  }
  return tasks;
}

Result<std::optional<Lease>> SqliteStore::Claim(const std::string& worker,
                                                std::chrono::milliseconds lease_for) {
  if (worker.empty())
    return InvalidArgument("worker name is empty");
  if (lease_for.count() <= 0)
    return InvalidArgument("lease duration must be positive");

  std::lock_guard lock(mu_);
  ASSIGN_OR_RETURN(Transaction transaction, Transaction::Begin(*db_));
  int64_t now = NowMillis();

  Lease lease;
  {
    ASSIGN_OR_RETURN(Query pick,
                     db_->Prepare("SELECT task_id, fencing_token, attempts FROM queue "
                                  "WHERE available_at <= ?1 AND (lease_owner IS NULL OR "
                                  "lease_expires_at <= ?1) ORDER BY available_at, rowid LIMIT 1"));
    pick.BindInt(1, now);
    ASSIGN_OR_RETURN(bool found, pick.Next());
    if (!found)
      return std::optional<Lease>();
    lease = Lease{pick.Text(0), worker, pick.Int(1) + 1, FromMillis(now + lease_for.count()),
                  static_cast<int>(pick.Int(2)) + 1};
  }

  ASSIGN_OR_RETURN(Query take,
                   db_->Prepare("UPDATE queue SET lease_owner = ?, lease_expires_at = ?, "
                                "fencing_token = ?, attempts = ? WHERE task_id = ?"));
  take.BindText(1, worker).BindInt(2, ToMillis(lease.expires_at)).BindInt(3, lease.fencing_token);
  RETURN_IF_ERROR(take.BindInt(4, lease.attempts).BindText(5, lease.task_id).Run());
  RETURN_IF_ERROR(transaction.Commit());

  log::Debug("store", "task.claimed",
             {{"task", lease.task_id}, {"worker", worker}, {"fencing_token", lease.fencing_token}});
  return std::optional<Lease>(std::move(lease));
}

Result<Lease> SqliteStore::Renew(const Lease& lease, std::chrono::milliseconds lease_for) {
  if (lease_for.count() <= 0)
    return InvalidArgument("lease duration must be positive");

  std::lock_guard lock(mu_);
  ASSIGN_OR_RETURN(Transaction transaction, Transaction::Begin(*db_));
  int64_t now = NowMillis();
  RETURN_IF_ERROR(CheckLeaseHeld(lease, now));

  Lease renewed = lease;
  renewed.expires_at = FromMillis(now + lease_for.count());
  ASSIGN_OR_RETURN(Query extend,
                   db_->Prepare("UPDATE queue SET lease_expires_at = ? WHERE task_id = ?"));
  RETURN_IF_ERROR(extend.BindInt(1, ToMillis(renewed.expires_at)).BindText(2, lease.task_id).Run());
  RETURN_IF_ERROR(transaction.Commit());
  return renewed;
}

Status SqliteStore::Finish(const Lease& lease) {
  std::lock_guard lock(mu_);
  ASSIGN_OR_RETURN(Transaction transaction, Transaction::Begin(*db_));
  RETURN_IF_ERROR(CheckLeaseHeld(lease, NowMillis()));

  ASSIGN_OR_RETURN(Query dequeue, db_->Prepare("DELETE FROM queue WHERE task_id = ?"));
  RETURN_IF_ERROR(dequeue.BindText(1, lease.task_id).Run());
  return transaction.Commit();
}

Result<int64_t> SqliteStore::QueueDepth() {
  std::lock_guard lock(mu_);
  ASSIGN_OR_RETURN(Query query, db_->Prepare("SELECT COUNT(*) FROM queue"));
  ASSIGN_OR_RETURN(bool has_row, query.Next());
  if (!has_row)
    return Internal("queue depth query returned no row");
  return query.Int(0);
}

Result<bool> SqliteStore::EnqueueWriteback(const WritebackEntry& entry) {
  std::lock_guard lock(mu_);
  return sqlite::EnqueueWriteback(*db_, entry, NowMillis());
}

Result<std::optional<WritebackEntry>> SqliteStore::ClaimWriteback(
    const std::string& worker, std::chrono::milliseconds lease_for) {
  RETURN_IF_ERROR(outbox::CheckClaim(worker, lease_for));

  std::lock_guard lock(mu_);
  int64_t now = NowMillis();
  return sqlite::ClaimWriteback(*db_, worker, now, now + lease_for.count());
}

Result<std::optional<WritebackEntry>> SqliteStore::ClaimWritebackById(
    const std::string& tenant, const std::string& intent_id, const std::string& worker,
    std::chrono::milliseconds lease_for) {
  RETURN_IF_ERROR(outbox::CheckClaim(worker, lease_for));

  std::lock_guard lock(mu_);
  int64_t now = NowMillis();
  return sqlite::ClaimWritebackById(*db_, tenant, intent_id, worker, now, now + lease_for.count());
}

Status SqliteStore::UpdateWriteback(const WritebackEntry& entry) {
  std::lock_guard lock(mu_);
  return sqlite::UpdateWriteback(*db_, entry, NowMillis());
}

Result<std::optional<WritebackEntry>> SqliteStore::FindWriteback(const std::string& tenant,
                                                                 const std::string& intent_id) {
  std::lock_guard lock(mu_);
  return sqlite::FindWriteback(*db_, tenant, intent_id);
}

Result<std::vector<WritebackEntry>> SqliteStore::ListWritebacks(const WritebackFilter& filter) {
  std::lock_guard lock(mu_);
  return sqlite::ListWritebacks(*db_, filter);
}

}  // namespace

Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path, const Clock& clock,
                                               const StoreOptions& options) {
  ASSIGN_OR_RETURN(std::unique_ptr<Database> db, Database::Open(path));
  RETURN_IF_ERROR(sqlite::PrepareDatabase(*db));

  log::Info("store", "store.opened",
            {{"engine", "sqlite"},
             {"schema_version", sqlite::kSchemaVersion},
             {"group_commit", options.group_commit}});
  return std::unique_ptr<Store>(std::make_unique<SqliteStore>(std::move(db), clock, options));
}

Result<std::unique_ptr<Store>> OpenSqliteStore(const std::string& path, const Clock& clock) {
  return OpenSqliteStore(path, clock, StoreOptions{});
}

}  // namespace medulla::store
