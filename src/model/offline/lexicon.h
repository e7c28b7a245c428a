// The word lists behind the offline provider's rules. Phrases are lower-case and are matched
// as whole words after NormalizeForMatching, so "x ray" matches "X-ray" and "follow up"
// matches "follow-up". A cue's weight says how sure a phrase alone makes us: 2 for phrases
// that on their own place a sentence ("on exam", "prescribe"), 1 for hints that need company.
#pragma once

#include <span>
#include <string_view>

namespace medulla::model::offline {

struct Cue {
  std::string_view phrase;
  int weight;
};

// Note sections. Subjective cues apply to what patients (and family) say and to the doctor's
// restatement of history; the other three apply to what the doctor says.
std::span<const Cue> SubjectiveCues();
std::span<const Cue> ObjectiveCues();
std::span<const Cue> AssessmentCues();
std::span<const Cue> PlanCues();

// What a doctor says when restating the patient's history ("a 43 year old female here for").
std::span<const Cue> HistoryCues();

// Sentences that only steer the visit ("let's do your exam", "any questions") and belong in
// no section even though they mention one.
std::span<const std::string_view> VisitSteeringPhrases();

// Sentences made only of these words are pleasantries and dropped from a note.
std::span<const std::string_view> SmallTalkWords();

// Phrases that announce a return visit.
std::span<const std::string_view> FollowUpCues();

struct AgentCues {
  std::string_view agent;  // intake | scribe | scheduling | billing
  std::span<const Cue> cues;
};

// In tie-break order: the first listed agent wins a tie.
std::span<const AgentCues> AgentLexicons();

struct NumberWord {
  std::string_view word;
  int value;
};

// "a", "one" ... "twenty", "thirty" ... and quantity words ("couple", "few").
std::span<const NumberWord> NumberWords();

struct TimeUnit {
  std::string_view word;
  int days;
};

// Singular and plural spellings of day, week, month and year.
std::span<const TimeUnit> TimeUnits();

}  // namespace medulla::model::offline
