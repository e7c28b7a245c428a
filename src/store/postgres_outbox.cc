#include "store/postgres_outbox.h"

#include <algorithm>
#include <limits>
#include <utility>

#include "common/log.h"
#include "store/outbox_internal.h"

namespace medulla::store::postgres {
namespace {

using outbox::FromMillis;
using outbox::ToMillis;

constexpr char kColumns[] =
    "position, tenant, intent_id, task_id, patient, kind, resource_type, route, status, "
    "intent::text, attempts, next_attempt_at, reason, reference, version, created_at, "
    "updated_at, lease_owner, lease_until, fence";

// The entries a worker drains, and the only ones that hold back a later entry of their
// patient. Unqualified, so it reads the innermost table of whichever query it joins. Word for
// word the condition of the schema's partial indexes, so that claims use them.
constexpr char kUnfinishedOnWorkerRoutes[] =
    "status IN ('pending', 'retrying') AND route IN ('fhir', 'vendor_api')";

Result<WritebackEntry> ReadEntry(const Rows& rows, int row) {
  WritebackEntry entry;
  entry.order = rows.Int(row, 0);
  entry.tenant = rows.Text(row, 1);
  entry.intent_id = rows.Text(row, 2);
  entry.task_id = rows.Text(row, 3);
  entry.patient = rows.Text(row, 4);
  entry.kind = rows.Text(row, 5);
  entry.resource_type = rows.Text(row, 6);

  Result<WritebackRoute> route = ParseWritebackRoute(rows.Text(row, 7));
  Result<WritebackStatus> status = ParseWritebackStatus(rows.Text(row, 8));
  if (!route.ok() || !status.ok())
    return Internal("stored write-back " + entry.intent_id + " holds an unknown route or status");
  entry.route = *route;
  entry.status = *status;

  ASSIGN_OR_RETURN(entry.intent, outbox::LoadedIntent(rows.Text(row, 9), entry.intent_id));
  entry.attempts = static_cast<int>(rows.Int(row, 10));
  entry.next_attempt_at = FromMillis(rows.Int(row, 11));
  entry.reason = rows.Text(row, 12);
  entry.reference = rows.Text(row, 13);
  entry.version = rows.Text(row, 14);
  entry.created_at = FromMillis(rows.Int(row, 15));
  entry.updated_at = FromMillis(rows.Int(row, 16));
  entry.lease_owner = rows.IsNull(row, 17) ? "" : rows.Text(row, 17);
  entry.lease_until = rows.IsNull(row, 18) ? TimePoint() : FromMillis(rows.Int(row, 18));
  entry.fence = rows.Int(row, 19);
  return entry;
}

Result<std::vector<WritebackEntry>> CollectEntries(const Rows& rows) {
  std::vector<WritebackEntry> entries;
  entries.reserve(static_cast<size_t>(rows.size()));
  for (int row = 0; row < rows.size(); ++row) {
    ASSIGN_OR_RETURN(WritebackEntry entry, ReadEntry(rows, row));
    entries.push_back(std::move(entry));
  }
  return entries;
}

Result<std::optional<WritebackEntry>> FirstEntry(const Rows& rows) {
  ASSIGN_OR_RETURN(std::vector<WritebackEntry> entries, CollectEntries(rows));
  if (entries.empty())
    return std::optional<WritebackEntry>();
  return std::optional<WritebackEntry>(std::move(entries.front()));
}

void LogClaim(const std::optional<WritebackEntry>& claimed, const std::string& worker) {
  if (!claimed)
    return;
  log::Debug("store", "writeback.claimed",
             {{"intent", claimed->intent_id}, {"worker", worker}, {"fence", claimed->fence}});
}

// BIGINT parameters are signed; a caller's "no limit" of SIZE_MAX becomes INT64_MAX.
std::string LimitParam(size_t limit) {
  constexpr auto kMax = static_cast<size_t>(std::numeric_limits<int64_t>::max());
  return std::to_string(std::min(limit, kMax));
}

}  // namespace

Result<bool> EnqueueWriteback(Connection& connection, const WritebackEntry& entry, int64_t now) {
  RETURN_IF_ERROR(outbox::CheckNewEntry(entry));
  ASSIGN_OR_RETURN(std::string intent, outbox::StoredIntent(entry.intent));

  std::string at = std::to_string(now);
  ASSIGN_OR_RETURN(
      Rows inserted,
      connection.Run(
          "INSERT INTO writebacks (tenant, intent_id, task_id, patient, kind, "
          "resource_type, route, status, intent, attempts, next_attempt_at, reason, "
          "reference, version, created_at, updated_at, lease_owner, lease_until, fence) "
          "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, "
          "$16, NULLIF($17, ''), NULLIF($18, '')::BIGINT, $19) "
          "ON CONFLICT (tenant, intent_id) DO NOTHING RETURNING position",
          {entry.tenant, entry.intent_id, entry.task_id, entry.patient, entry.kind,
           entry.resource_type, WritebackRouteName(entry.route), WritebackStatusName(entry.status),
           intent, std::to_string(entry.attempts), std::to_string(ToMillis(entry.next_attempt_at)),
           entry.reason, entry.reference, entry.version, at, at, entry.lease_owner,
           entry.lease_owner.empty() ? "" : std::to_string(ToMillis(entry.lease_until)),
           entry.lease_owner.empty() ? "0" : "1"}));
  return !inserted.empty();
}

Result<std::optional<WritebackEntry>> ClaimWriteback(Connection& connection,
                                                     const std::string& worker, int64_t now,
                                                     int64_t lease_until) {
  // An entry waits while its task is queued (the running task attempts its own writes) and
  // while an earlier entry of its patient is unfinished, whether due, leased or not. Rows
  // another node is claiming or updating are skipped, never waited for.
  ASSIGN_OR_RETURN(
      Rows taken,
      connection.Run(std::string("WITH picked AS (SELECT w.position AS picked_position "
                                 "FROM writebacks w WHERE ") +
                         kUnfinishedOnWorkerRoutes +
                         " AND w.next_attempt_at <= $1 "
                         "AND (w.lease_owner IS NULL OR w.lease_until <= $1) "
                         "AND NOT EXISTS (SELECT 1 FROM queue q WHERE q.task_id = w.task_id) "
                         "AND NOT EXISTS (SELECT 1 FROM writebacks e WHERE e.tenant = w.tenant "
                         "AND e.patient = w.patient AND e.position < w.position AND " +
                         kUnfinishedOnWorkerRoutes +
                         ") ORDER BY w.position LIMIT 1 FOR UPDATE OF w SKIP LOCKED) "
                         "UPDATE writebacks SET lease_owner = $2, lease_until = $3, "
                         "fence = fence + 1 FROM picked WHERE position = picked_position "
                         "RETURNING " +
                         kColumns,
                     {std::to_string(now), worker, std::to_string(lease_until)}));
  ASSIGN_OR_RETURN(std::optional<WritebackEntry> claimed, FirstEntry(taken));
  LogClaim(claimed, worker);
  return claimed;
}

Result<std::optional<WritebackEntry>> ClaimWritebackById(Connection& connection,
                                                         const std::string& tenant,
                                                         const std::string& intent_id,
                                                         const std::string& worker, int64_t now,
                                                         int64_t lease_until) {
  ASSIGN_OR_RETURN(Rows found, connection.Run("SELECT position, lease_owner, lease_until "
                                              "FROM writebacks WHERE tenant = $1 "
                                              "AND intent_id = $2 FOR UPDATE",
                                              {tenant, intent_id}));
  if (found.empty())
    return NotFound("write-back not found");
  bool held_by_another = !found.IsNull(0, 1) && found.Text(0, 1) != worker && found.Int(0, 2) > now;
  if (held_by_another)
    return std::optional<WritebackEntry>();

  ASSIGN_OR_RETURN(Rows taken,
                   connection.Run(std::string("UPDATE writebacks SET lease_owner = $2, "
                                              "lease_until = $3, fence = fence + 1 "
                                              "WHERE position = $1 RETURNING ") +
                                      kColumns,
                                  {found.Text(0, 0), worker, std::to_string(lease_until)}));
  ASSIGN_OR_RETURN(std::optional<WritebackEntry> claimed, FirstEntry(taken));
  LogClaim(claimed, worker);
  return claimed;
}

Status UpdateWriteback(Connection& connection, const WritebackEntry& entry, int64_t now) {
  ASSIGN_OR_RETURN(Rows held, connection.Run("SELECT lease_owner, fence FROM writebacks "
                                             "WHERE tenant = $1 AND intent_id = $2 FOR UPDATE",
                                             {entry.tenant, entry.intent_id}));
  if (held.empty())
    return NotFound("write-back not found");
  if (held.IsNull(0, 0) || held.Int(0, 1) != entry.fence) {
    log::Warn("store", "writeback.fence_refused",
              {{"intent", entry.intent_id}, {"fence", entry.fence}, {"current", held.Int(0, 1)}});
    return Conflict("write-back claim lost: fence " + std::to_string(entry.fence) +
                    " is not a held claim (current fence " + std::to_string(held.Int(0, 1)) + ")");
  }

  return connection
      .Run(
          "UPDATE writebacks SET status = $3, attempts = $4, next_attempt_at = $5, "
          "reason = $6, reference = $7, version = $8, updated_at = $9, task_id = $10, "
          "intent = $11, lease_owner = NULL, lease_until = NULL "
          "WHERE tenant = $1 AND intent_id = $2",
          {entry.tenant, entry.intent_id, WritebackStatusName(entry.status),
           std::to_string(entry.attempts), std::to_string(ToMillis(entry.next_attempt_at)),
           entry.reason, entry.reference, entry.version, std::to_string(now), entry.task_id,
           entry.intent.dump()})
      .status();
}

Result<std::optional<WritebackEntry>> FindWriteback(Connection& connection,
                                                    const std::string& tenant,
                                                    const std::string& intent_id) {
  ASSIGN_OR_RETURN(Rows rows,
                   connection.Run(std::string("SELECT ") + kColumns +
                                      " FROM writebacks WHERE tenant = $1 AND intent_id = $2",
                                  {tenant, intent_id}));
  return FirstEntry(rows);
}

Result<std::vector<WritebackEntry>> ListWritebacks(Connection& connection,
                                                   const WritebackFilter& filter) {
  if (filter.tenant.empty())
    return InvalidArgument("write-back list needs a tenant");

  // Parameters are text, so an absent filter is the empty string rather than NULL.
  std::string status = filter.status ? WritebackStatusName(*filter.status) : "";
  std::string route = filter.route ? WritebackRouteName(*filter.route) : "";
  ASSIGN_OR_RETURN(Rows rows, connection.Run(std::string("SELECT ") + kColumns +
                                                 " FROM writebacks WHERE tenant = $1 "
                                                 "AND ($2 = '' OR status = $2) "
                                                 "AND ($3 = '' OR route = $3) "
                                                 "AND ($4 = '' OR task_id = $4) "
                                                 "AND ($6 = '' OR patient = $6) "
                                                 "ORDER BY position LIMIT $5",
                                             {filter.tenant, status, route, filter.task_id,
                                              LimitParam(filter.limit), filter.patient}));
  return CollectEntries(rows);
}

}  // namespace medulla::store::postgres
