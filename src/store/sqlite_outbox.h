// The write-back outbox on SQLite: the statements behind Store's outbox methods (store.h
// states their contract). Internal to the store part.
//
// Thread safety: none. The caller serialises every call on the Database, as SqliteStore does
// under its mutex. Each call that writes runs in its own BEGIN IMMEDIATE transaction.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "store/outbox.h"
#include "store/sqlite_db.h"

namespace medulla::store::sqlite {

// Times are milliseconds since the epoch from the store's clock.
Result<bool> EnqueueWriteback(Database& db, const WritebackEntry& entry, int64_t now);

Result<std::optional<WritebackEntry>> ClaimWriteback(Database& db, const std::string& worker,
                                                     int64_t now, int64_t lease_until);

Result<std::optional<WritebackEntry>> ClaimWritebackById(Database& db, const std::string& tenant,
                                                         const std::string& intent_id,
                                                         const std::string& worker, int64_t now,
                                                         int64_t lease_until);

Status UpdateWriteback(Database& db, const WritebackEntry& entry, int64_t now);

Result<std::optional<WritebackEntry>> FindWriteback(Database& db, const std::string& tenant,
                                                    const std::string& intent_id);

Result<std::vector<WritebackEntry>> ListWritebacks(Database& db, const WritebackFilter& filter);

}  // namespace medulla::store::sqlite
