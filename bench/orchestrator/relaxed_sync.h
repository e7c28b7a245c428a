// The store sets `PRAGMA synchronous = FULL` on its own connection, which the benchmark cannot
// reach. To compare it with engines that do not sync every commit, the benchmark binary is
// linked with `-Wl,--wrap=sqlite3_exec`, so the store's sqlite3_exec calls pass through
// relaxed_sync.cc first; while relaxed sync is on, that one pragma is sent as NORMAL instead
// (in WAL mode: commits are not synced, a checkpoint is; a power cut may lose the latest
// commits but never corrupts the file). Nothing else the store sends is changed.
#pragma once

namespace medulla::bench {

// Call before the store is opened.
void UseRelaxedSync(bool relaxed);

// Whether the store's synchronous pragma has been rewritten since start.
bool RelaxedSyncApplied();

}  // namespace medulla::bench
