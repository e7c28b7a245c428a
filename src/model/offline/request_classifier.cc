#include "model/offline/request_classifier.h"

#include <algorithm>

#include "model/offline/lexicon.h"
#include "model/offline/text.h"

namespace medulla::model::offline {
namespace {

constexpr double kNoHitConfidence = 0.2;
constexpr std::string_view kFallbackAgent = "intake";

struct Tally {
  int score = 0;
  std::vector<std::string> matched;
};

Tally Count(const std::string& normalized, const AgentCues& agent) {
  Tally tally;
  for (const Cue& cue : agent.cues) {
    const int hits = CountPhrase(normalized, cue.phrase);
    if (hits == 0)
      continue;
    tally.score += hits * cue.weight;
    tally.matched.emplace_back(cue.phrase);
  }
  return tally;
}

// 0.5 for a dead heat, rising to 0.95 when no other agent scored.
double ConfidenceFromLead(int best, int second) {
  const double lead = static_cast<double>(best - second) / best;
  return 0.5 + 0.45 * lead;
}

}  // namespace

Routing ClassifyRequest(std::string_view request) {
  const std::string normalized = NormalizeForMatching(request);

  int best_score = 0;
  int second_score = 0;
  Routing routing{std::string(kFallbackAgent), kNoHitConfidence, {}};
  for (const AgentCues& agent : AgentLexicons()) {
    Tally tally = Count(normalized, agent);
    if (tally.score > best_score) {
      second_score = best_score;
      best_score = tally.score;
      routing.agent = std::string(agent.agent);
      routing.matched = std::move(tally.matched);
      continue;
    }
    second_score = std::max(second_score, tally.score);
  }

  if (best_score == 0)
    return routing;
  routing.confidence = ConfidenceFromLead(best_score, second_score);
  return routing;
}

}  // namespace medulla::model::offline
