// Checks the tamper-evident chain of a store's events (see store/event_chain.h): every
// tenant's events, walked in log order, must each hash to their recorded hash and each link to
// the event before them. The first event where that fails is reported, with what is wrong.
//
// What the walk can tell apart, at the first broken event E (P is the tenant's event just
// before E in the log):
//   kEdited     E's content no longer hashes to E's recorded hash.
//   kDeleted    E links to an event found nowhere in the log: events before E were deleted,
//               or the event before E was rewritten together with a recomputed hash.
//   kInserted   E links to an event further back than P: the events from there to P were
//               inserted (or moved there), or E's own predecessor link was forged. Also used
//               for an event without hashes after the chain began.
//   kReordered  E links to an event that comes after it in the log.
//   kTaskGap    the chain links, but a task's task_seq jumps or goes back: one of that task's
//               events is missing or out of place.
//   kHeadMismatch the recorded chain head (when the caller supplies it) names an event the
//               log does not end with: the tail was deleted or altered.
//
// What it cannot tell: a writer with file access who rewrites every hash from the tampered
// event to the end (and the recorded head with them) leaves a chain that verifies. Without a
// recorded head, deleting the tail leaves a shorter, valid chain. Only a head kept outside the
// store (the hash this check prints, stored elsewhere) closes those gaps.
//
// Events written before the chain existed carry empty hashes; they are counted as unchained,
// not reported as broken, as long as they come before the tenant's first chained event.
//
// Thread safety: the functions hold no state; the store's own guarantees apply. The walk reads
// the store in pages and may run beside a node that is appending.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "store/store.h"

namespace medulla::audit {

enum class BreakKind { kEdited, kDeleted, kInserted, kReordered, kTaskGap, kHeadMismatch };

// "edited", "deleted", "inserted", "reordered", "task gap", "head mismatch".
const char* BreakKindName(BreakKind kind);

struct ChainBreak {
  BreakKind kind = BreakKind::kEdited;
  int64_t seq = 0;  // the first event found broken; for kHeadMismatch, the recorded head's seq
  std::string task_id;
  int64_t task_seq = 0;
  std::string detail;  // one sentence, no event content
};

// A tenant's chain head as recorded beside the log by the engine, read without the Store
// interface (see sqlite_backup.h for SQLite).
struct RecordedHead {
  int64_t last_seq = 0;
  std::string last_hash;
};

struct TenantVerdict {
  std::string tenant;
  int64_t chained = 0;    // events checked on the chain before the first break, or all
  int64_t unchained = 0;  // events from before the chain existed
  int64_t head_seq = 0;   // the last chained event walked
  std::string head_hash;
  std::optional<ChainBreak> first_break;

  bool intact() const { return !first_break.has_value(); }
};

struct VerifyOptions {
  std::optional<std::string> tenant;  // every tenant when absent
  size_t page_size = 1000;
  // Heads recorded by the engine, by tenant. A head is checked only when given; events after
  // the recorded head are appends made since it was read, not a mismatch.
  std::map<std::string, RecordedHead> recorded_heads;
};

// Walks the chain of each tenant (or the one named) and returns one verdict per tenant, in
// tenant order. A broken chain is a verdict, not an error; errors are the store's (reading
// failed). kNotFound when a named tenant has no events.
Result<std::vector<TenantVerdict>> Verify(store::Store& store, const VerifyOptions& options);

// Formats a verdict as one line: "clinic-a: intact, 12 chained, 0 unchained, head 12 <hash>"
// or "clinic-a: BROKEN at seq 7 (task T, task_seq 3): edited: <detail>".
std::string VerdictLine(const TenantVerdict& verdict);

}  // namespace medulla::audit
