// The write-back outbox on PostgreSQL: the statements behind Store's outbox methods (store.h
// states their contract). Internal to the store part.
//
// Each function runs inside a transaction its caller opened on `connection` and commits.
// Claims lock the row they take and skip rows other nodes hold (FOR UPDATE SKIP LOCKED), as
// task claims do.
//
// Known limit: the planner turns the claim's "task still queued" and "earlier entry of the
// patient" checks into anti-joins over every waiting entry before it sorts, so a claim costs
// time in proportion to the entries waiting (about 3.6 ms with 2,000 waiting), not to the first
// claimable one as on SQLite.
//
// Known limit: positions come from an identity column and become visible in commit order.
// Two nodes enqueueing for one patient at the same moment can commit the later position
// first, and a claim that runs between the two commits may take it before the earlier one.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "store/outbox.h"
#include "store/postgres_db.h"

namespace medulla::store::postgres {

// Times are milliseconds since the epoch from the store's clock.
Result<bool> EnqueueWriteback(Connection& connection, const WritebackEntry& entry, int64_t now);

Result<std::optional<WritebackEntry>> ClaimWriteback(Connection& connection,
                                                     const std::string& worker, int64_t now,
                                                     int64_t lease_until);

Result<std::optional<WritebackEntry>> ClaimWritebackById(Connection& connection,
                                                         const std::string& tenant,
                                                         const std::string& intent_id,
                                                         const std::string& worker, int64_t now,
                                                         int64_t lease_until);

Status UpdateWriteback(Connection& connection, const WritebackEntry& entry, int64_t now);

Result<std::optional<WritebackEntry>> FindWriteback(Connection& connection,
                                                    const std::string& tenant,
                                                    const std::string& intent_id);

Result<std::vector<WritebackEntry>> ListWritebacks(Connection& connection,
                                                   const WritebackFilter& filter);

}  // namespace medulla::store::postgres
