#include <algorithm>

#include "policy/compiled.h"

namespace medulla::policy {
namespace {

constexpr std::string_view kTenantVariable = "${principal.tenant}";
constexpr std::string_view kSubjectVariable = "${principal.subject}";

}  // namespace

Result<Pattern> Pattern::Compile(std::string_view text, bool allow_variables) {
  if (text.empty()) {
    return InvalidArgument("empty pattern");
  }

  Pattern pattern;
  pattern.text_ = std::string(text);
  std::string literal;
  auto flush = [&] {
    if (!literal.empty()) {
      pattern.tokens_.push_back({TokenKind::kLiteral, std::move(literal)});
      literal.clear();
    }
  };
  for (size_t i = 0; i < text.size(); ++i) {
    std::string_view rest = text.substr(i);
    if (rest.starts_with("${")) {
      bool tenant = rest.starts_with(kTenantVariable);
      bool subject = rest.starts_with(kSubjectVariable);
      if (!allow_variables || (!tenant && !subject)) {
        return InvalidArgument("unknown variable in \"" + pattern.text_ +
                               "\"; only ${principal.tenant} and ${principal.subject} exist" +
                               (allow_variables ? "" : " and only in resources"));
      }
      flush();
      pattern.tokens_.push_back({tenant ? TokenKind::kTenant : TokenKind::kSubject, ""});
      i += (tenant ? kTenantVariable.size() : kSubjectVariable.size()) - 1;
      continue;
    }
    if (text[i] == '*' || text[i] == '?') {
      flush();
      pattern.tokens_.push_back({text[i] == '*' ? TokenKind::kStar : TokenKind::kOne, ""});
      continue;
    }
    literal.push_back(text[i]);
  }
  flush();

  const auto& tokens = pattern.tokens_;
  bool only_literal_then_star = tokens.size() == 2 && tokens[0].kind == TokenKind::kLiteral &&
                                tokens[1].kind == TokenKind::kStar;
  if (tokens.size() == 1 && tokens[0].kind == TokenKind::kStar) {
    pattern.shape_ = Shape::kAny;
  } else if (tokens.size() == 1 && tokens[0].kind == TokenKind::kLiteral) {
    pattern.shape_ = Shape::kLiteral;
  } else if (only_literal_then_star) {
    pattern.shape_ = Shape::kPrefix;
    pattern.prefix_ = tokens[0].literal;
  } else {
    pattern.shape_ = Shape::kGeneral;
  }
  return pattern;
}

bool Pattern::Matches(std::string_view subject, const auth::Principal& principal) const {
  switch (shape_) {
    case Shape::kAny:
      return true;
    case Shape::kLiteral:
      return subject == text_;
    case Shape::kPrefix:
      return subject.starts_with(prefix_);
    case Shape::kGeneral:
      return MatchTokens(subject, principal);
  }
  return false;
}

// Greedy matching that backtracks only to the most recent star: a later star can absorb
// anything an earlier one would have, so earlier choices never need revisiting.
bool Pattern::MatchTokens(std::string_view subject, const auth::Principal& principal) const {
  constexpr size_t kNone = static_cast<size_t>(-1);
  size_t token = 0;
  size_t at = 0;
  size_t star_token = kNone;
  size_t star_at = 0;
  while (at < subject.size() || token < tokens_.size()) {
    if (token < tokens_.size()) {
      const Token& current = tokens_[token];
      if (current.kind == TokenKind::kStar) {
        star_token = token++;
        star_at = at;
        continue;
      }
      if (current.kind == TokenKind::kOne && at < subject.size()) {
        ++token;
        ++at;
        continue;
      }
      std::string_view literal = current.literal;
      if (current.kind == TokenKind::kTenant)
        literal = principal.tenant;
      if (current.kind == TokenKind::kSubject)
        literal = principal.subject;
      bool is_text = current.kind != TokenKind::kOne;
      bool usable = !literal.empty() || current.kind == TokenKind::kLiteral;
      if (is_text && usable && subject.substr(at).starts_with(literal)) {
        ++token;
        at += literal.size();
        continue;
      }
    }
    if (star_token == kNone || star_at >= subject.size()) {
      return false;
    }
    token = star_token + 1;
    at = ++star_at;
  }
  return true;
}

}  // namespace medulla::policy
