#include "model/offline/follow_up_extractor.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <vector>

#include "model/offline/lexicon.h"
#include "model/offline/text.h"

namespace medulla::model::offline {
namespace {

constexpr std::string_view kHedges[] = {"about",   "approximately", "around", "roughly",
                                        "another", "the",           "next"};
constexpr std::string_view kRangeJoiners[] = {"to", "or", "-"};

// Splits lower-cased text into words, keeping a hyphen between digits ("4-6") as its own
// token so that ranges can be read.
std::vector<std::string> Tokenize(std::string_view text) {
  std::vector<std::string> tokens;
  std::string current;
  const auto flush = [&] {
    if (!current.empty())
      tokens.push_back(current);
    current.clear();
  };
  for (char c : text) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || c == '\'') {
      current += static_cast<char>(std::tolower(u));
      continue;
    }
    flush();
    if (c == '-')
      tokens.emplace_back("-");
  }
  flush();
  return tokens;
}

std::optional<int> ReadNumber(const std::string& token) {
  if (!token.empty() &&
      std::all_of(token.begin(), token.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    int value = 0;
    std::from_chars(token.data(), token.data() + token.size(), value);
    return value;
  }
  for (const NumberWord& number : NumberWords()) {
    if (number.word == token)
      return number.value;
  }
  return std::nullopt;
}

std::optional<int> ReadUnit(const std::string& token) {
  for (const TimeUnit& unit : TimeUnits()) {
    if (unit.word == token)
      return unit.days;
  }
  return std::nullopt;
}

bool IsOneOf(const std::string& token, std::span<const std::string_view> words) {
  return std::find(words.begin(), words.end(), token) != words.end();
}

// Reads "[hedge] <number> [to|or|- <number>] [of] <unit>" starting at `at`.
std::optional<int> ReadQuantity(const std::vector<std::string>& tokens, size_t at) {
  while (at < tokens.size() && IsOneOf(tokens[at], kHedges))
    ++at;
  if (at >= tokens.size())
    return std::nullopt;

  std::optional<int> count = ReadNumber(tokens[at]);
  if (!count)
    return std::nullopt;
  ++at;

  // "a couple of weeks", "a few months": the article only introduces the quantity word.
  const bool article = tokens[at - 1] == "a" || tokens[at - 1] == "an";
  if (article && at < tokens.size() && ReadNumber(tokens[at]))
    count = ReadNumber(tokens[at++]);

  const bool range = at + 1 < tokens.size() && IsOneOf(tokens[at], kRangeJoiners) &&
                     ReadNumber(tokens[at + 1]).has_value();
  if (range)
    at += 2;
  if (at < tokens.size() && tokens[at] == "of")
    ++at;
  if (at >= tokens.size())
    return std::nullopt;

  const std::optional<int> unit = ReadUnit(tokens[at]);
  if (!unit)
    return std::nullopt;
  return *count * *unit;
}

std::optional<int> FindInterval(const std::vector<std::string>& tokens) {
  for (size_t i = 0; i < tokens.size(); ++i) {
    const std::string& token = tokens[i];
    if (token == "next" && i + 1 < tokens.size()) {
      if (std::optional<int> unit = ReadUnit(tokens[i + 1]))
        return *unit;
    }
    if (token != "in" && token != "within")
      continue;
    if (std::optional<int> days = ReadQuantity(tokens, i + 1))
      return days;
  }
  return std::nullopt;
}

bool AnnouncesReturn(std::string_view sentence) {
  const std::string normalized = NormalizeForMatching(sentence);
  for (std::string_view cue : FollowUpCues()) {
    if (CountPhrase(normalized, cue) > 0)
      return true;
  }
  return false;
}

}  // namespace

std::optional<int> ParseInterval(std::string_view phrase) {
  std::optional<int> days = FindInterval(Tokenize(phrase));
  if (!days || *days < 1)
    return std::nullopt;
  return days;
}

std::optional<FollowUp> ExtractFollowUp(std::string_view plan) {
  for (const std::string& sentence : SplitProse(plan)) {
    if (!AnnouncesReturn(sentence))
      continue;
    const std::optional<int> days = ParseInterval(sentence);
    if (!days)
      continue;
    return FollowUp{*days, CleanSentence(sentence)};
  }
  return std::nullopt;
}

}  // namespace medulla::model::offline
