#include "model/offline/text.h"

#include <algorithm>
#include <array>
#include <cctype>

namespace medulla::model::offline {
namespace {

// A piece of an unpunctuated turn is cut before a discourse marker only past this many words,
// so short replies stay whole.
constexpr int kLongPieceWords = 40;
constexpr int kMinPieceWords = 10;

constexpr std::array<std::string_view, 10> kTitles = {"dr", "mr",  "mrs", "ms",  "st",
                                                      "vs", "etc", "e.g", "i.e", "approx"};
constexpr std::array<std::string_view, 5> kDiscourseMarkers = {"okay", "alright", "so", "now",
                                                               "anyway"};
// "right now", "so many": the marker word inside a phrase, not opening a new thought.
constexpr std::array<std::string_view, 6> kBoundBefore = {"right", "for",  "until",
                                                          "by",    "just", "from"};
constexpr std::array<std::string_view, 10> kBoundAfter = {"many", "much", "far",  "long",  "that",
                                                          "bad",  "good", "well", "badly", "sorry"};
constexpr std::array<std::string_view, 8> kFillers = {"uh",   "um",     "mm-hmm", "hmm",
                                                      "hmmm", "uh-huh", "mm",     "er"};
constexpr std::array<std::string_view, 4> kQuestionTags = {"okay", "ok", "alright", "right"};
constexpr size_t kMinTaggedWords = 5;
constexpr std::array<std::string_view, 2> kWakeWords = {"dragon", "dax"};
constexpr std::array<std::string_view, 6> kLeadingFluff = {"okay", "ok",   "alright",
                                                           "so",   "well", "yeah"};

std::string Lower(std::string_view text) {
  std::string lower(text);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return lower;
}

std::string_view Trim(std::string_view text) {
  const auto not_space = [](unsigned char c) { return !std::isspace(c); };
  auto begin = std::find_if(text.begin(), text.end(), not_space);
  auto end = std::find_if(text.rbegin(), text.rend(), not_space).base();
  if (begin >= end)
    return {};
  return text.substr(begin - text.begin(), end - begin);
}

template <size_t N>
bool IsOneOf(std::string_view word, const std::array<std::string_view, N>& list) {
  return std::find(list.begin(), list.end(), word) != list.end();
}

bool IsPunctuation(std::string_view token) {
  return !token.empty() && std::all_of(token.begin(), token.end(), [](char c) {
    return c == ',' || c == '.' || c == '?' || c == '!' || c == ';' || c == ':';
  });
}

std::vector<std::string> SplitWords(std::string_view text) {
  std::vector<std::string> words;
  size_t at = 0;
  while (at < text.size()) {
    while (at < text.size() && std::isspace(static_cast<unsigned char>(text[at])))
      ++at;
    size_t end = at;
    while (end < text.size() && !std::isspace(static_cast<unsigned char>(text[end])))
      ++end;
    if (end > at)
      words.emplace_back(text.substr(at, end - at));
    at = end;
  }
  return words;
}

Speaker SpeakerForTag(std::string_view tag) {
  const std::string lower = Lower(tag);
  if (lower == "doctor")
    return Speaker::kDoctor;
  if (lower == "patient")
    return Speaker::kPatient;
  return Speaker::kOther;
}

// Reads a leading "[doctor]" or "Doctor:" tag; returns false when the line has none.
bool ReadTag(std::string_view line, Speaker& speaker, std::string_view& rest) {
  if (line.starts_with('[')) {
    const size_t close = line.find(']');
    if (close == std::string_view::npos)
      return false;
    speaker = SpeakerForTag(line.substr(1, close - 1));
    rest = Trim(line.substr(close + 1));
    return true;
  }

  const size_t colon = line.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon > 24)
    return false;
  const std::string_view tag = line.substr(0, colon);
  const bool word_like = std::all_of(tag.begin(), tag.end(), [](char c) {
    return std::isalpha(static_cast<unsigned char>(c)) || c == '_';
  });
  if (!word_like)
    return false;
  speaker = SpeakerForTag(tag);
  rest = Trim(line.substr(colon + 1));
  return true;
}

// True when the '.' ending `word` belongs to a title or an initial rather than ending a
// sentence.
bool EndsWithTitle(std::string_view text, size_t dot) {
  size_t start = dot;
  while (start > 0 && !std::isspace(static_cast<unsigned char>(text[start - 1])))
    --start;
  const std::string word = Lower(text.substr(start, dot - start));
  if (word.empty())
    return false;
  if (word.size() == 1 && std::isalpha(static_cast<unsigned char>(word[0])))
    return true;
  return IsOneOf(word, kTitles) || word.find('.') != std::string::npos;
}

std::vector<std::string> SplitAtPunctuation(std::string_view text) {
  std::vector<std::string> pieces;
  size_t start = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c != '.' && c != '?' && c != '!')
      continue;
    const bool at_gap =
        i + 1 == text.size() || std::isspace(static_cast<unsigned char>(text[i + 1]));
    if (!at_gap)
      continue;
    if (c == '.' && EndsWithTitle(text, i))
      continue;

    const std::string_view piece = Trim(text.substr(start, i + 1 - start));
    if (!piece.empty() && !IsPunctuation(piece))
      pieces.emplace_back(piece);
    start = i + 1;
  }
  const std::string_view tail = Trim(text.substr(start));
  if (!tail.empty() && !IsPunctuation(tail))
    pieces.emplace_back(tail);
  return pieces;
}

bool OpensThought(const std::vector<std::string>& words, size_t at) {
  if (!IsOneOf(Lower(words[at]), kDiscourseMarkers))
    return false;
  if (at > 0 && IsOneOf(Lower(words[at - 1]), kBoundBefore))
    return false;
  return at + 1 == words.size() || !IsOneOf(Lower(words[at + 1]), kBoundAfter);
}

// Only pieces transcribed without any punctuation are cut: a long sentence with commas was
// punctuated by someone and is left as they wrote it.
std::vector<std::string> SplitLongPiece(const std::string& piece) {
  const std::vector<std::string> words = SplitWords(piece);
  const bool punctuated = piece.find(',') != std::string::npos;
  if (punctuated || static_cast<int>(words.size()) <= kLongPieceWords)
    return {piece};

  std::vector<std::string> chunks;
  std::string chunk;
  int chunk_words = 0;
  for (size_t i = 0; i < words.size(); ++i) {
    const std::string& word = words[i];
    if (chunk_words >= kMinPieceWords && OpensThought(words, i)) {
      chunks.push_back(chunk);
      chunk.clear();
      chunk_words = 0;
    }
    if (!chunk.empty())
      chunk += ' ';
    chunk += word;
    ++chunk_words;
  }
  if (!chunk.empty())
    chunks.push_back(chunk);
  return chunks;
}

struct Word {
  std::string text;
  std::string trail;  // punctuation that followed it
};

std::vector<Word> ReadWords(std::string_view sentence) {
  std::vector<Word> words;
  for (const std::string& token : SplitWords(sentence)) {
    if (IsPunctuation(token)) {
      if (!words.empty())
        words.back().trail += token;
      continue;
    }
    const bool clitic = token == "n't" || (token.size() > 1 && token[0] == '\'');
    if (clitic && !words.empty()) {
      words.back().text += token;
      continue;
    }
    size_t end = token.size();
    while (end > 0 && IsPunctuation(token.substr(end - 1, 1)))
      --end;
    if (end == 0)
      continue;
    words.push_back({token.substr(0, end), token.substr(end)});
  }
  return words;
}

// "gon na" and "wan na" are how the transcripts tokenise "gonna" and "wanna".
void ExpandColloquial(std::vector<Word>& words) {
  for (size_t i = 0; i + 1 < words.size(); ++i) {
    const std::string first = Lower(words[i].text);
    if (Lower(words[i + 1].text) != "na")
      continue;
    if (first != "gon" && first != "wan")
      continue;
    words[i].text = first == "gon" ? "going" : "want";
    words[i + 1].text = "to";
  }
}

void DropNoise(std::vector<Word>& words) {
  std::vector<Word> kept;
  for (size_t i = 0; i < words.size(); ++i) {
    const std::string lower = Lower(words[i].text);
    if (IsOneOf(lower, kFillers))
      continue;
    if (IsOneOf(lower, kWakeWords)) {
      if (!kept.empty() && Lower(kept.back().text) == "hey")
        kept.pop_back();
      continue;
    }
    if (!kept.empty() && Lower(kept.back().text) == lower) {
      kept.back().trail = words[i].trail;
      continue;
    }
    kept.push_back(words[i]);
  }
  words = std::move(kept);
}

void DropLeadingFluff(std::vector<Word>& words) {
  size_t skip = 0;
  while (skip + 3 < words.size()) {
    const std::string lower = Lower(words[skip].text);
    const bool all_right = lower == "all" && Lower(words[skip + 1].text) == "right";
    if (all_right) {
      skip += 2;
      continue;
    }
    if (!IsOneOf(lower, kLeadingFluff))
      break;
    ++skip;
  }
  words.erase(words.begin(), words.begin() + static_cast<long>(skip));
}

bool IsFirstPerson(const std::string& lower) {
  return lower == "i" || lower.starts_with("i'");
}

std::string JoinWords(const std::vector<Word>& words) {
  std::string out;
  for (size_t i = 0; i < words.size(); ++i) {
    std::string text = words[i].text;
    if (IsFirstPerson(Lower(text)))
      text[0] = 'I';
    if (!out.empty())
      out += ' ';
    out += text;
    const bool last = i + 1 == words.size();
    if (!last)
      out += words[i].trail;
  }
  return out;
}

std::string FinalPunctuation(const std::vector<Word>& words) {
  const std::string& trail = words.back().trail;
  if (trail.find('?') != std::string::npos)
    return "?";
  if (trail.find('!') != std::string::npos)
    return "!";
  return ".";
}

// "I want to see you in two weeks, okay?" is a statement with a tag, not a question.
bool EndsWithTagQuestion(const std::string& piece) {
  std::vector<std::string> words = SplitWords(piece);
  while (!words.empty() && IsPunctuation(words.back()))
    words.pop_back();
  if (words.size() < kMinTaggedWords)
    return false;

  std::string last = Lower(words.back());
  while (!last.empty() && IsPunctuation(last.substr(last.size() - 1)))
    last.pop_back();
  return IsOneOf(last, kQuestionTags);
}

}  // namespace

std::vector<Turn> ParseDialogue(std::string_view dialogue) {
  std::vector<Turn> turns;
  size_t at = 0;
  while (at <= dialogue.size()) {
    size_t end = dialogue.find('\n', at);
    if (end == std::string_view::npos)
      end = dialogue.size();
    const std::string_view line = Trim(dialogue.substr(at, end - at));
    at = end + 1;
    if (line.empty())
      continue;

    Speaker speaker = Speaker::kUnknown;
    std::string_view rest;
    if (ReadTag(line, speaker, rest)) {
      turns.push_back({speaker, std::string(rest)});
      continue;
    }
    if (turns.empty()) {
      turns.push_back({Speaker::kUnknown, std::string(line)});
      continue;
    }
    turns.back().text += ' ';
    turns.back().text += line;
  }
  return turns;
}

std::vector<Sentence> SplitSentences(const Turn& turn) {
  std::vector<Sentence> sentences;
  for (const std::string& piece : SplitAtPunctuation(turn.text)) {
    const bool question = piece.ends_with('?') && !EndsWithTagQuestion(piece);
    for (std::string& chunk : SplitLongPiece(piece)) {
      sentences.push_back({turn.speaker, std::move(chunk), question});
    }
  }
  return sentences;
}

std::vector<std::string> SplitProse(std::string_view text) {
  std::vector<std::string> out;
  for (Sentence& sentence : SplitSentences({Speaker::kUnknown, std::string(text)})) {
    out.push_back(std::move(sentence.text));
  }
  return out;
}

std::string CleanSentence(std::string_view sentence) {
  std::vector<Word> words = ReadWords(sentence);
  ExpandColloquial(words);
  DropNoise(words);
  DropLeadingFluff(words);
  if (words.empty())
    return "";

  std::string out = JoinWords(words) + FinalPunctuation(words);
  out[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(out[0])));
  return out;
}

std::string NormalizeForMatching(std::string_view text) {
  std::string out = " ";
  for (char c : text) {
    const unsigned char u = static_cast<unsigned char>(c);
    const bool keep = std::isalnum(u) || c == '\'';
    const char mapped = keep ? static_cast<char>(std::tolower(u)) : ' ';
    if (mapped == ' ' && out.back() == ' ')
      continue;
    out += mapped;
  }
  if (out.back() != ' ')
    out += ' ';
  return out;
}

int CountPhrase(const std::string& normalized_text, std::string_view phrase) {
  const std::string needle = NormalizeForMatching(phrase);
  if (needle.size() <= 2)
    return 0;

  int count = 0;
  size_t at = normalized_text.find(needle);
  while (at != std::string::npos) {
    ++count;
    at = normalized_text.find(needle, at + needle.size() - 1);
  }
  return count;
}

int WordCount(std::string_view text) {
  return static_cast<int>(SplitWords(text).size());
}

}  // namespace medulla::model::offline
