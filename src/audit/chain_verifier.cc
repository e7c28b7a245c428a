#include "audit/chain_verifier.h"

#include <algorithm>
#include <set>
#include <unordered_map>
#include <utility>

#include "store/event_chain.h"

namespace medulla::audit {
namespace {

using store::Event;

ChainBreak BreakAt(BreakKind kind, const Event& event, std::string detail) {
  return {kind, event.seq, event.task_id, event.task_seq, std::move(detail)};
}

// Walks one tenant's chain page by page, keeping only what the next link needs, so memory
// stays flat however long the log is (apart from one task_seq counter per task).
class ChainWalk {
 public:
  ChainWalk(store::Store& store, std::string tenant, size_t page_size)
      : store_(store), page_size_(std::max<size_t>(page_size, 1)) {
    verdict_.tenant = std::move(tenant);
  }

  Result<TenantVerdict> Run(const RecordedHead* head) {
    head_ = head;
    int64_t after = 0;
    while (!verdict_.first_break) {
      ASSIGN_OR_RETURN(std::vector<Event> page,
                       store_.ReadTenant(verdict_.tenant, after, page_size_));
      if (page.empty())
        break;
      for (const Event& event : page) {
        ASSIGN_OR_RETURN(verdict_.first_break, Check(event));
        if (verdict_.first_break)
          break;
      }
      after = page.back().seq;
    }

    if (!verdict_.first_break && head_ != nullptr)
      verdict_.first_break = CheckHead();
    return std::move(verdict_);
  }

 private:
  Result<std::optional<ChainBreak>> Check(const Event& event) {
    if (event.hash.empty() && event.prev_hash.empty())
      return CheckUnchained(event);
    if (event.hash.empty() || event.prev_hash.empty()) {
      return std::optional<ChainBreak>(
          BreakAt(BreakKind::kEdited, event, "one of its chain hashes was erased"));
    }
    if (store::ChainHash(event.prev_hash, event) != event.hash) {
      return std::optional<ChainBreak>(
          BreakAt(BreakKind::kEdited, event, "its content does not hash to its recorded hash"));
    }
    if (event.prev_hash != expected_prev_) {
      ASSIGN_OR_RETURN(ChainBreak broken, ClassifyBrokenLink(event));
      return std::optional<ChainBreak>(std::move(broken));
    }
    if (std::optional<ChainBreak> gap = CheckTaskSeq(event))
      return gap;

    expected_prev_ = event.hash;
    previous_seq_ = event.seq;
    verdict_.chained++;
    verdict_.head_seq = event.seq;
    verdict_.head_hash = event.hash;
    if (head_ != nullptr && event.seq == head_->last_seq)
      hash_at_recorded_head_ = event.hash;
    return std::optional<ChainBreak>();
  }

  // Rows from before the chain existed are expected only at the start of the log.
  std::optional<ChainBreak> CheckUnchained(const Event& event) {
    if (previous_seq_ != 0) {
      return BreakAt(BreakKind::kInserted, event,
                     "an event without chain hashes follows chained events");
    }
    if (std::optional<ChainBreak> gap = CheckTaskSeq(event))
      return gap;
    verdict_.unchained++;
    return std::nullopt;
  }

  // Each task numbers its events 1, 2, 3... with no gap; a chain rewritten to hide a deleted
  // event still shows the hole here unless the task's numbers were rewritten too.
  std::optional<ChainBreak> CheckTaskSeq(const Event& event) {
    int64_t& last = last_task_seq_[event.task_id];
    if (event.task_seq == last + 1) {
      last = event.task_seq;
      return std::nullopt;
    }
    std::string detail = event.task_seq > last + 1
                             ? "its task jumps from task_seq " + std::to_string(last) + " to " +
                                   std::to_string(event.task_seq) +
                                   ": events of the task are missing"
                             : "its task_seq repeats or goes back after " + std::to_string(last);
    return BreakAt(BreakKind::kTaskGap, event, std::move(detail));
  }

  // The event links somewhere other than its predecessor in the log. Where its link points
  // says what happened; finding it takes one more pass over the tenant's log.
  Result<ChainBreak> ClassifyBrokenLink(const Event& event) {
    const std::string before =
        previous_seq_ == 0 ? "the start of the chain" : "seq " + std::to_string(previous_seq_);
    if (event.prev_hash == store::kChainGenesis) {
      return BreakAt(BreakKind::kInserted, event,
                     "it claims to begin the chain, so the chained events up to " + before +
                         " were inserted or it was moved");
    }

    ASSIGN_OR_RETURN(std::optional<int64_t> linked_seq, FindSeqOfHash(event.prev_hash));
    if (!linked_seq) {
      return BreakAt(BreakKind::kDeleted, event,
                     "it links to an event that is not in the log: events before it were "
                     "deleted, or the one before it was rewritten with a new hash");
    }
    if (*linked_seq > event.seq) {
      return BreakAt(BreakKind::kReordered, event,
                     "it links to seq " + std::to_string(*linked_seq) +
                         ", which comes after it in the log: events were reordered");
    }
    return BreakAt(BreakKind::kInserted, event,
                   "it links to seq " + std::to_string(*linked_seq) + " instead of " + before +
                       ": the events after seq " + std::to_string(*linked_seq) +
                       " were inserted or moved there");
  }

  Result<std::optional<int64_t>> FindSeqOfHash(const std::string& hash) {
    int64_t after = 0;
    while (true) {
      ASSIGN_OR_RETURN(std::vector<Event> page,
                       store_.ReadTenant(verdict_.tenant, after, page_size_));
      if (page.empty())
        return std::optional<int64_t>();
      for (const Event& event : page) {
        if (event.hash == hash)
          return std::optional<int64_t>(event.seq);
      }
      after = page.back().seq;
    }
  }

  std::optional<ChainBreak> CheckHead() const {
    ChainBreak mismatch{BreakKind::kHeadMismatch, head_->last_seq, "", 0, ""};
    if (verdict_.head_seq < head_->last_seq) {
      mismatch.detail = "the recorded chain head is seq " + std::to_string(head_->last_seq) +
                        " but the chain ends at seq " + std::to_string(verdict_.head_seq) +
                        ": events at the tail were deleted";
      return mismatch;
    }
    if (hash_at_recorded_head_ != head_->last_hash) {
      mismatch.detail =
          "the event at the recorded chain head does not carry the recorded hash: "
          "the tail was removed or rewritten";
      return mismatch;
    }
    return std::nullopt;
  }

  store::Store& store_;
  size_t page_size_;
  const RecordedHead* head_ = nullptr;
  TenantVerdict verdict_;
  std::string expected_prev_ = store::kChainGenesis;
  int64_t previous_seq_ = 0;  // the last chained event accepted
  std::string hash_at_recorded_head_;
  std::unordered_map<std::string, int64_t> last_task_seq_;
};

Result<std::vector<std::string>> TenantsToCheck(store::Store& store, const VerifyOptions& options) {
  if (options.tenant)
    return std::vector<std::string>{*options.tenant};

  ASSIGN_OR_RETURN(std::vector<std::string> listed, store.Tenants());
  // A tenant whose every event was deleted no longer shows in the log, only in its head.
  std::set<std::string> tenants(listed.begin(), listed.end());
  for (const auto& [tenant, head] : options.recorded_heads)
    tenants.insert(tenant);
  return std::vector<std::string>(tenants.begin(), tenants.end());
}

}  // namespace

const char* BreakKindName(BreakKind kind) {
  switch (kind) {
    case BreakKind::kEdited:
      return "edited";
    case BreakKind::kDeleted:
      return "deleted";
    case BreakKind::kInserted:
      return "inserted";
    case BreakKind::kReordered:
      return "reordered";
    case BreakKind::kTaskGap:
      return "task gap";
    case BreakKind::kHeadMismatch:
      return "head mismatch";
  }
  return "unknown";
}

Result<std::vector<TenantVerdict>> Verify(store::Store& store, const VerifyOptions& options) {
  ASSIGN_OR_RETURN(std::vector<std::string> tenants, TenantsToCheck(store, options));

  std::vector<TenantVerdict> verdicts;
  for (const std::string& tenant : tenants) {
    auto head = options.recorded_heads.find(tenant);
    const RecordedHead* recorded = head == options.recorded_heads.end() ? nullptr : &head->second;
    ASSIGN_OR_RETURN(TenantVerdict verdict,
                     ChainWalk(store, tenant, options.page_size).Run(recorded));
    if (options.tenant && verdict.chained == 0 && verdict.unchained == 0 && verdict.intact())
      return NotFound("tenant has no events");
    verdicts.push_back(std::move(verdict));
  }
  return verdicts;
}

std::string VerdictLine(const TenantVerdict& verdict) {
  if (verdict.first_break) {
    const ChainBreak& broken = *verdict.first_break;
    std::string where = "seq " + std::to_string(broken.seq);
    if (!broken.task_id.empty()) {
      where += " (task " + broken.task_id + ", task_seq " + std::to_string(broken.task_seq) + ")";
    }
    return verdict.tenant + ": BROKEN at " + where + ": " + BreakKindName(broken.kind) + ": " +
           broken.detail;
  }

  std::string line = verdict.tenant + ": intact, " + std::to_string(verdict.chained) +
                     " chained, " + std::to_string(verdict.unchained) + " unchained";
  if (verdict.chained > 0) {
    line += ", head seq " + std::to_string(verdict.head_seq) + " " + verdict.head_hash;
  }
  return line;
}

}  // namespace medulla::audit
