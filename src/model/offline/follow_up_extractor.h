// Finds the return-visit interval a plan asks for: "follow up in 2 weeks" (14 days), "see you
// back in three months" (90), "return in 4-6 weeks" (the first number: 28), "in a year"
// (365), "in a couple of weeks" (14), "next week" (7), "within 10 days" (10). Numbers may be
// digits or words. A month counts as 30 days and a year as 365.
//
// Only a sentence that announces a return visit ("follow up", "come back", "see you again",
// "return", ...) is read, and only an interval introduced by "in", "within" or "next" counts,
// so "wear the brace for six weeks" is not taken for a visit. Conditional returns without an
// interval ("come back if it gets worse") yield nothing. Pure function; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace medulla::model::offline {

struct FollowUp {
  int after_days = 0;    // >= 1
  std::string sentence;  // the sentence that asked for it, cleaned of transcript tokenisation
};

std::optional<FollowUp> ExtractFollowUp(std::string_view plan);

// The interval a phrase names, in days: "in 2 weeks" -> 14. Exposed for tests.
std::optional<int> ParseInterval(std::string_view phrase);

}  // namespace medulla::model::offline
