// Replay: runs a recorded task's orchestration again (the router, the agents' judgements,
// policy, consent gating, grants and write-back gating) against its recorded model responses
// and tool results, asking no model and no EHR, and compares every decision with the record.
// Given another policy, it answers "what would have happened" instead.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "store/event.h"

namespace medulla::replay {

struct ReplayOptions {
  std::string policy_path = "config/policies";  // the policy to decide with
  // Empty: the model's recorded answers. Otherwise the agents run under this prompt version
  // and the shipped offline model is asked again; tasks a remote model answered are refused,
  // since that would mean asking it again.
  std::string prompt_version;
};

struct ReplayReport {
  std::vector<std::string> recorded;       // the recorded decisions, one line each
  std::vector<std::string> replayed;       // the decisions made again now
  std::optional<size_t> first_divergence;  // index into both, when they differ
  std::vector<std::string> changes;        // "- recorded" / "+ replayed" lines of a diff

  bool same() const { return !first_divergence.has_value(); }
};

// The decisions a task's events record, one line each, in order: the route, each policy
// decision, consent check, tool call and refusal, intent, write-back outcome, agent outcome,
// handoff and the final status. Inputs the world supplied (model text, tool results) are not
// decisions and are left out.
std::vector<std::string> DecisionTrace(const std::vector<store::Event>& events);

// Replays the task whose events are `recorded` (all of one task, in order).
Result<ReplayReport> Replay(const std::vector<store::Event>& recorded,
                            const ReplayOptions& options);

}  // namespace medulla::replay
