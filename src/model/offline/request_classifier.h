// Routes a free-text request to one of the four agents by counting lexicon hits: the agent
// with the most cue weight wins, ties go to the earlier agent in intake, scribe, scheduling,
// billing order. Confidence grows with the winner's lead over the runner-up; a request with no
// hit at all goes to intake with confidence 0.2, since intake is where an unclear request is
// asked about. Pure function; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace medulla::model::offline {

struct Routing {
  std::string agent;  // intake | scribe | scheduling | billing
  double confidence = 0;
  std::vector<std::string> matched;  // lexicon phrases that decided it, never request text
};

Routing ClassifyRequest(std::string_view request);

}  // namespace medulla::model::offline
