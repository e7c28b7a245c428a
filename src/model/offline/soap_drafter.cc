#include "model/offline/soap_drafter.h"

#include <algorithm>
#include <array>
#include <sstream>
#include <vector>

#include "model/offline/lexicon.h"
#include "model/offline/text.h"

namespace medulla::model::offline {
namespace {

enum Section { kSubjective = 0, kObjective, kAssessment, kPlan, kSectionCount };

// A sentence is kept only with at least this much cue weight, and counts as clearly placed
// when its best section also leads the runner-up by kClearMargin.
constexpr int kMinScore = 2;
constexpr int kClearScore = 3;
constexpr int kClearMargin = 2;
constexpr int kMinWords = 3;
// Steering phrases drop a sentence only when it is short; in a long unpunctuated stretch they
// sit beside real content.
constexpr int kMaxSteeringWords = 15;

using Scores = std::array<int, kSectionCount>;

// What a patient volunteers is history by nature, so one hint is enough to keep it.
int MinScore(Speaker speaker) {
  const bool patient_side = speaker == Speaker::kPatient || speaker == Speaker::kOther;
  return patient_side ? 1 : kMinScore;
}

int Score(const std::string& normalized, std::span<const Cue> cues) {
  int score = 0;
  for (const Cue& cue : cues)
    score += cue.weight * CountPhrase(normalized, cue.phrase);
  return score;
}

bool IsSmallTalk(const std::string& normalized) {
  const std::span<const std::string_view> words = SmallTalkWords();
  std::istringstream in(normalized);
  std::string word;
  while (in >> word) {
    if (std::find(words.begin(), words.end(), word) == words.end())
      return false;
  }
  return true;
}

bool SteersTheVisit(const std::string& normalized) {
  for (std::string_view phrase : VisitSteeringPhrases()) {
    if (CountPhrase(normalized, phrase) > 0)
      return true;
  }
  return false;
}

Scores ScoreSentence(const Sentence& sentence, const std::string& normalized) {
  Scores scores{};
  if (sentence.speaker == Speaker::kPatient || sentence.speaker == Speaker::kOther) {
    scores[kSubjective] = Score(normalized, SubjectiveCues());
    return scores;
  }

  scores[kSubjective] = Score(normalized, HistoryCues());
  scores[kObjective] = Score(normalized, ObjectiveCues());
  scores[kAssessment] = Score(normalized, AssessmentCues());
  scores[kPlan] = Score(normalized, PlanCues());
  return scores;
}

// Ties go to the later section in note order: a sentence that both states a finding and
// orders something is most useful under the order.
Section BestSection(const Scores& scores) {
  int best = kSubjective;
  for (int section = kSubjective; section < kSectionCount; ++section) {
    if (scores[section] >= scores[best])
      best = section;
  }
  return static_cast<Section>(best);
}

int RunnerUp(const Scores& scores, Section best) {
  int second = 0;
  for (int section = kSubjective; section < kSectionCount; ++section) {
    if (section != best)
      second = std::max(second, scores[section]);
  }
  return second;
}

double Confidence(const SoapDraft& draft, int filled_sections) {
  if (draft.sentences_kept == 0)
    return 0;

  const double clear_share =
      static_cast<double>(draft.sentences_with_clear_cue) / draft.sentences_kept;
  double confidence = 0.35 + 0.45 * clear_share;
  if (filled_sections == kSectionCount)
    return std::min(1.0, confidence + 0.2);

  const int empty_sections = kSectionCount - filled_sections;
  return std::max(0.0, std::min(0.45, confidence) - 0.1 * (empty_sections - 1));
}

struct Sorted {
  std::array<std::vector<std::string>, kSectionCount> sections;
  int kept = 0;
  int clear = 0;
};

void Place(const Sentence& sentence, Sorted& sorted) {
  const bool questions_are_noise = sentence.speaker != Speaker::kUnknown;
  if (sentence.is_question && questions_are_noise)
    return;

  const std::string cleaned = CleanSentence(sentence.text);
  if (cleaned.empty() || WordCount(cleaned) < kMinWords)
    return;
  const std::string normalized = NormalizeForMatching(cleaned);
  if (IsSmallTalk(normalized))
    return;
  if (WordCount(cleaned) <= kMaxSteeringWords && SteersTheVisit(normalized))
    return;

  const Scores scores = ScoreSentence(sentence, normalized);
  const Section best = BestSection(scores);
  if (scores[best] < MinScore(sentence.speaker))
    return;

  std::vector<std::string>& section = sorted.sections[best];
  if (std::find(section.begin(), section.end(), cleaned) != section.end())
    return;
  section.push_back(cleaned);
  ++sorted.kept;
  const bool clear =
      scores[best] >= kClearScore && scores[best] - RunnerUp(scores, best) >= kClearMargin;
  if (clear)
    ++sorted.clear;
}

std::string Join(const std::vector<std::string>& sentences) {
  std::string out;
  for (const std::string& sentence : sentences) {
    if (!out.empty())
      out += ' ';
    out += sentence;
  }
  return out;
}

}  // namespace

SoapDraft DraftSoapNote(std::string_view dialogue) {
  Sorted sorted;
  for (const Turn& turn : ParseDialogue(dialogue)) {
    for (const Sentence& sentence : SplitSentences(turn))
      Place(sentence, sorted);
  }

  SoapDraft draft;
  draft.subjective = Join(sorted.sections[kSubjective]);
  draft.objective = Join(sorted.sections[kObjective]);
  draft.assessment = Join(sorted.sections[kAssessment]);
  draft.plan = Join(sorted.sections[kPlan]);
  draft.sentences_kept = sorted.kept;
  draft.sentences_with_clear_cue = sorted.clear;

  const int filled = static_cast<int>(std::count_if(sorted.sections.begin(), sorted.sections.end(),
                                                    [](const auto& s) { return !s.empty(); }));
  draft.confidence = Confidence(draft, filled);
  return draft;
}

}  // namespace medulla::model::offline
