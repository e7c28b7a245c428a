#include "store/sqlite_outbox.h"

#include <algorithm>
#include <limits>
#include <utility>

#include "common/log.h"
#include "store/outbox_internal.h"

namespace medulla::store::sqlite {
namespace {

using outbox::FromMillis;
using outbox::ToMillis;

constexpr char kColumns[] =
    "position, tenant, intent_id, task_id, patient, kind, resource_type, route, status, intent, "
    "attempts, next_attempt_at, reason, reference, version, created_at, updated_at, "
    "lease_owner, lease_until, fence";

// The entries a worker drains, and the only ones that hold back a later entry of their
// patient. Unqualified, so it reads the innermost table of whichever query it joins. Word for
// word the condition of the schema's partial indexes, so that claims use them.
constexpr char kUnfinishedOnWorkerRoutes[] =
    "status IN ('pending', 'retrying') AND route IN ('fhir', 'vendor_api')";

Result<WritebackEntry> ReadEntry(const Query& row) {
  WritebackEntry entry;
  entry.order = row.Int(0);
  entry.tenant = row.Text(1);
  entry.intent_id = row.Text(2);
  entry.task_id = row.Text(3);
  entry.patient = row.Text(4);
  entry.kind = row.Text(5);
  entry.resource_type = row.Text(6);

  Result<WritebackRoute> route = ParseWritebackRoute(row.Text(7));
  Result<WritebackStatus> status = ParseWritebackStatus(row.Text(8));
  if (!route.ok() || !status.ok())
    return Internal("stored write-back " + entry.intent_id + " holds an unknown route or status");
  entry.route = *route;
  entry.status = *status;

  ASSIGN_OR_RETURN(entry.intent, outbox::LoadedIntent(row.Text(9), entry.intent_id));
  entry.attempts = static_cast<int>(row.Int(10));
  entry.next_attempt_at = FromMillis(row.Int(11));
  entry.reason = row.Text(12);
  entry.reference = row.Text(13);
  entry.version = row.Text(14);
  entry.created_at = FromMillis(row.Int(15));
  entry.updated_at = FromMillis(row.Int(16));
  entry.lease_owner = row.IsNull(17) ? "" : row.Text(17);
  entry.lease_until = row.IsNull(18) ? TimePoint() : FromMillis(row.Int(18));
  entry.fence = row.Int(19);
  return entry;
}

Result<std::vector<WritebackEntry>> CollectEntries(Query& query) {
  std::vector<WritebackEntry> entries;
  ASSIGN_OR_RETURN(bool has_row, query.Next());
  while (has_row) {
    ASSIGN_OR_RETURN(WritebackEntry entry, ReadEntry(query));
    entries.push_back(std::move(entry));
    ASSIGN_OR_RETURN(has_row, query.Next());
  }
  return entries;
}

Result<std::optional<WritebackEntry>> EntryAt(Database& db, int64_t position) {
  ASSIGN_OR_RETURN(Query query, db.Prepare(std::string("SELECT ") + kColumns +
                                           " FROM writebacks WHERE position = ?"));
  query.BindInt(1, position);
  ASSIGN_OR_RETURN(std::vector<WritebackEntry> entries, CollectEntries(query));
  if (entries.empty())
    return std::optional<WritebackEntry>();
  return std::optional<WritebackEntry>(std::move(entries.front()));
}

// Leases the entry at `position` to `worker` and raises its fence. REQUIRES: in a transaction.
Result<WritebackEntry> Lease(Database& db, int64_t position, const std::string& worker,
                             int64_t lease_until) {
  ASSIGN_OR_RETURN(Query take, db.Prepare("UPDATE writebacks SET lease_owner = ?, "
                                          "lease_until = ?, fence = fence + 1 "
                                          "WHERE position = ?"));
  take.BindText(1, worker).BindInt(2, lease_until).BindInt(3, position);
  RETURN_IF_ERROR(take.Run());

  ASSIGN_OR_RETURN(std::optional<WritebackEntry> leased, EntryAt(db, position));
  if (!leased)
    return Internal("write-back vanished while being claimed");
  log::Debug("store", "writeback.claimed",
             {{"intent", leased->intent_id}, {"worker", worker}, {"fence", leased->fence}});
  return std::move(*leased);
}

// SQLite binds signed 64-bit integers; a caller's "no limit" of SIZE_MAX becomes INT64_MAX.
int64_t ClampedLimit(size_t limit) {
  constexpr auto kMax = static_cast<size_t>(std::numeric_limits<int64_t>::max());
  return static_cast<int64_t>(std::min(limit, kMax));
}

}  // namespace

Result<bool> EnqueueWriteback(Database& db, const WritebackEntry& entry, int64_t now) {
  RETURN_IF_ERROR(outbox::CheckNewEntry(entry));
  ASSIGN_OR_RETURN(std::string intent, outbox::StoredIntent(entry.intent));

  ASSIGN_OR_RETURN(Transaction transaction, Transaction::Begin(db));
  {
    ASSIGN_OR_RETURN(Query existing, db.Prepare("SELECT 1 FROM writebacks "
                                                "WHERE tenant = ? AND intent_id = ?"));
    existing.BindText(1, entry.tenant).BindText(2, entry.intent_id);
    ASSIGN_OR_RETURN(bool found, existing.Next());
    if (found)
      return false;
  }

  ASSIGN_OR_RETURN(
      Query insert,
      db.Prepare("INSERT INTO writebacks (tenant, intent_id, task_id, patient, kind, "
                 "resource_type, route, status, intent, attempts, next_attempt_at, reason, "
                 "reference, version, created_at, updated_at, lease_owner, lease_until, fence) "
                 "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  insert.BindText(1, entry.tenant).BindText(2, entry.intent_id).BindText(3, entry.task_id);
  insert.BindText(4, entry.patient).BindText(5, entry.kind).BindText(6, entry.resource_type);
  insert.BindText(7, WritebackRouteName(entry.route));
  insert.BindText(8, WritebackStatusName(entry.status)).BindText(9, intent);
  insert.BindInt(10, entry.attempts).BindInt(11, ToMillis(entry.next_attempt_at));
  insert.BindText(12, entry.reason).BindText(13, entry.reference).BindText(14, entry.version);
  insert.BindInt(15, now).BindInt(16, now);
  if (entry.lease_owner.empty()) {
    insert.BindNull(17).BindNull(18).BindInt(19, 0);
  } else {
    insert.BindText(17, entry.lease_owner).BindInt(18, ToMillis(entry.lease_until));
    insert.BindInt(19, 1);
  }
  RETURN_IF_ERROR(insert.Run());
  RETURN_IF_ERROR(transaction.Commit());
  return true;
}

Result<std::optional<WritebackEntry>> ClaimWriteback(Database& db, const std::string& worker,
                                                     int64_t now, int64_t lease_until) {
  ASSIGN_OR_RETURN(Transaction transaction, Transaction::Begin(db));

  int64_t position = 0;
  {
    // An entry waits while its task is queued (the running task attempts its own writes) and
    // while an earlier entry of its patient is unfinished, whether due, leased or not.
    ASSIGN_OR_RETURN(
        Query pick,
        db.Prepare(std::string("SELECT w.position FROM writebacks w WHERE ") +
                   kUnfinishedOnWorkerRoutes +
                   " AND w.next_attempt_at <= ?1 "
                   "AND (w.lease_owner IS NULL OR w.lease_until <= ?1) "
                   "AND NOT EXISTS (SELECT 1 FROM queue q WHERE q.task_id = w.task_id) "
                   "AND NOT EXISTS (SELECT 1 FROM writebacks e WHERE e.tenant = w.tenant "
                   "AND e.patient = w.patient AND e.position < w.position AND " +
                   kUnfinishedOnWorkerRoutes + ") ORDER BY w.position LIMIT 1"));
    pick.BindInt(1, now);
    ASSIGN_OR_RETURN(bool found, pick.Next());
    if (!found)
      return std::optional<WritebackEntry>();
    position = pick.Int(0);
  }

  ASSIGN_OR_RETURN(WritebackEntry claimed, Lease(db, position, worker, lease_until));
  RETURN_IF_ERROR(transaction.Commit());
  return std::optional<WritebackEntry>(std::move(claimed));
}

Result<std::optional<WritebackEntry>> ClaimWritebackById(Database& db, const std::string& tenant,
                                                         const std::string& intent_id,
                                                         const std::string& worker, int64_t now,
                                                         int64_t lease_until) {
  ASSIGN_OR_RETURN(Transaction transaction, Transaction::Begin(db));

  int64_t position = 0;
  {
    ASSIGN_OR_RETURN(Query find, db.Prepare("SELECT position, lease_owner, lease_until "
                                            "FROM writebacks WHERE tenant = ? AND intent_id = ?"));
    find.BindText(1, tenant).BindText(2, intent_id);
    ASSIGN_OR_RETURN(bool found, find.Next());
    if (!found)
      return NotFound("write-back not found");
    bool held_by_another = !find.IsNull(1) && find.Text(1) != worker && find.Int(2) > now;
    if (held_by_another)
      return std::optional<WritebackEntry>();
    position = find.Int(0);
  }

  ASSIGN_OR_RETURN(WritebackEntry claimed, Lease(db, position, worker, lease_until));
  RETURN_IF_ERROR(transaction.Commit());
  return std::optional<WritebackEntry>(std::move(claimed));
}

Status UpdateWriteback(Database& db, const WritebackEntry& entry, int64_t now) {
  ASSIGN_OR_RETURN(Transaction transaction, Transaction::Begin(db));
  {
    ASSIGN_OR_RETURN(Query held, db.Prepare("SELECT lease_owner, fence FROM writebacks "
                                            "WHERE tenant = ? AND intent_id = ?"));
    held.BindText(1, entry.tenant).BindText(2, entry.intent_id);
    ASSIGN_OR_RETURN(bool found, held.Next());
    if (!found)
      return NotFound("write-back not found");
    if (held.IsNull(0) || held.Int(1) != entry.fence) {
      log::Warn("store", "writeback.fence_refused",
                {{"intent", entry.intent_id}, {"fence", entry.fence}, {"current", held.Int(1)}});
      return Conflict("write-back claim lost: fence " + std::to_string(entry.fence) +
                      " is not a held claim (current fence " + std::to_string(held.Int(1)) + ")");
    }
  }

  ASSIGN_OR_RETURN(Query update,
                   db.Prepare("UPDATE writebacks SET status = ?, attempts = ?, "
                              "next_attempt_at = ?, reason = ?, reference = ?, version = ?, "
                              "updated_at = ?, task_id = ?, intent = ?, lease_owner = NULL, "
                              "lease_until = NULL WHERE tenant = ? AND intent_id = ?"));
  update.BindText(1, WritebackStatusName(entry.status)).BindInt(2, entry.attempts);
  update.BindInt(3, ToMillis(entry.next_attempt_at)).BindText(4, entry.reason);
  update.BindText(5, entry.reference).BindText(6, entry.version).BindInt(7, now);
  update.BindText(8, entry.task_id).BindText(9, entry.intent.dump());
  update.BindText(10, entry.tenant).BindText(11, entry.intent_id);
  RETURN_IF_ERROR(update.Run());
  return transaction.Commit();
}

Result<std::optional<WritebackEntry>> FindWriteback(Database& db, const std::string& tenant,
                                                    const std::string& intent_id) {
  ASSIGN_OR_RETURN(Query query, db.Prepare(std::string("SELECT ") + kColumns +
                                           " FROM writebacks WHERE tenant = ? AND intent_id = ?"));
  query.BindText(1, tenant).BindText(2, intent_id);
  ASSIGN_OR_RETURN(std::vector<WritebackEntry> entries, CollectEntries(query));
  if (entries.empty())
    return std::optional<WritebackEntry>();
  return std::optional<WritebackEntry>(std::move(entries.front()));
}

Result<std::vector<WritebackEntry>> ListWritebacks(Database& db, const WritebackFilter& filter) {
  if (filter.tenant.empty())
    return InvalidArgument("write-back list needs a tenant");

  ASSIGN_OR_RETURN(Query query, db.Prepare(std::string("SELECT ") + kColumns +
                                           " FROM writebacks WHERE tenant = ?1 "
                                           "AND (?2 IS NULL OR status = ?2) "
                                           "AND (?3 IS NULL OR route = ?3) "
                                           "AND (?4 = '' OR task_id = ?4) "
                                           "AND (?6 = '' OR patient = ?6) "
                                           "ORDER BY position LIMIT ?5"));
  query.BindText(1, filter.tenant);
  if (filter.status)
    query.BindText(2, WritebackStatusName(*filter.status));
  else
    query.BindNull(2);
  if (filter.route)
    query.BindText(3, WritebackRouteName(*filter.route));
  else
    query.BindNull(3);
  query.BindText(4, filter.task_id).BindInt(5, ClampedLimit(filter.limit));
  query.BindText(6, filter.patient);
  return CollectEntries(query);
}

}  // namespace medulla::store::sqlite
