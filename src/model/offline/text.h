// Text handling shared by the offline provider's rules: reading speaker-tagged transcripts,
// splitting them into sentences, undoing transcript tokenisation and matching lexicon phrases
// on word boundaries. Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace medulla::model::offline {

enum class Speaker { kDoctor, kPatient, kOther, kUnknown };

struct Turn {
  Speaker speaker = Speaker::kUnknown;
  std::string text;
};

struct Sentence {
  Speaker speaker = Speaker::kUnknown;
  std::string text;  // as spoken, still tokenised; see CleanSentence
  bool is_question = false;
};

// Reads "[doctor] ..." / "[patient] ..." lines (ACI-bench) and "Doctor: ..." / "Patient: ..."
// lines (MTS-Dialog). Family members and other clinicians become kOther. A line without a
// tag continues the previous turn.
std::vector<Turn> ParseDialogue(std::string_view dialogue);

// Splits a turn at sentence punctuation, leaving titles such as "dr." attached. Turns that
// were transcribed without punctuation are cut before discourse markers ("okay", "so") once a
// piece is long enough, so that one cue does not claim a whole monologue.
std::vector<Sentence> SplitSentences(const Turn& turn);

// Splits plain prose (a plan paragraph) into sentences.
std::vector<std::string> SplitProse(std::string_view text);

// Undoes transcript tokenisation ("do n't" -> "don't", "pain ." -> "pain."), drops filler
// words ("uh", "um") and wake words addressed to dictation assistants, and capitalises the
// sentence and the pronoun "I". Returns "" when nothing is left.
std::string CleanSentence(std::string_view sentence);

// Lower-cases, turns punctuation and hyphens into spaces and pads with one space on each
// side, so that " follow up " matches "Follow-up," as a whole phrase.
std::string NormalizeForMatching(std::string_view text);

// Counts occurrences of `phrase` (already lower-case) as whole words in text normalised by
// NormalizeForMatching.
int CountPhrase(const std::string& normalized_text, std::string_view phrase);

// Number of words, counting runs of non-space characters.
int WordCount(std::string_view text);

}  // namespace medulla::model::offline
