// The policy engine's compiled form: statements parsed, validated and turned into matchers
// that run without allocating. Internal to the policy part; nothing outside it includes this.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "auth/principal.h"
#include "common/status.h"
#include "policy/policy.h"

namespace medulla::policy {

// A glob: * matches any run of characters (possibly none), ? exactly one. With variables
// allowed, ${principal.tenant} and ${principal.subject} stand for the asking principal's
// value; an empty principal value matches nothing, so a principal without a tenant never
// passes a tenant-scoped pattern.
class Pattern {
 public:
  static Result<Pattern> Compile(std::string_view text, bool allow_variables);

  bool Matches(std::string_view subject, const auth::Principal& principal) const;
  const std::string& text() const { return text_; }
  bool is_literal() const { return shape_ == Shape::kLiteral; }

 private:
  enum class Shape { kAny, kLiteral, kPrefix, kGeneral };
  enum class TokenKind { kLiteral, kStar, kOne, kTenant, kSubject };
  struct Token {
    TokenKind kind;
    std::string literal;
  };

  bool MatchTokens(std::string_view subject, const auth::Principal& principal) const;

  std::string text_;
  Shape shape_ = Shape::kLiteral;
  std::string prefix_;  // for kPrefix: the text before the one trailing *
  std::vector<Token> tokens_;
};

enum class Operator {
  kStringEquals,
  kStringNotEquals,
  kStringLike,
  kNumericLessThan,
  kNumericLessThanEquals,
  kNumericGreaterThan,
  kNumericGreaterThanEquals,
  kBool,
  kDateLessThan,
  kDateGreaterThan,
  kForAnyValueStringEquals,
  kForAnyValueStringLike,
};

// Where a condition's key takes its value from.
enum class KeySource {
  kContext,
  kPrincipalTenant,
  kPrincipalSubject,
  kPrincipalRoles,
  kPrincipalScopes,
  kPrincipalSession,
};

struct Condition {
  Operator op = Operator::kStringEquals;
  std::string operator_name;
  std::string key;
  KeySource source = KeySource::kContext;
  std::vector<std::string> strings;  // StringEquals, StringNotEquals, ForAnyValue:StringEquals
  std::vector<Pattern> patterns;     // StringLike, ForAnyValue:StringLike
  std::vector<double> numbers;
  std::vector<TimePoint> times;
  bool boolean = false;
  int line = 0;

  bool Holds(const Request& request) const;
};

struct Statement {
  std::string sid;
  std::string source;
  int line = 0;
  Effect effect = Effect::kAllow;

  // Empty means "any". A principal matches a list when any of its values matches any entry.
  std::vector<Pattern> roles;
  std::vector<Pattern> tenants;
  std::vector<Pattern> subjects;
  std::vector<Pattern> actions;
  std::vector<Pattern> resources;
  std::vector<Condition> conditions;

  bool PrincipalMatches(const auth::Principal& principal) const;
  bool ActionMatches(std::string_view action, const auth::Principal& principal) const;
  bool ResourceMatches(std::string_view resource, const auth::Principal& principal) const;
  bool ConditionsHold(const Request& request) const;
};

// Parses one document into statements; errors read "<source>:<line>: <reason>".
Result<std::vector<Statement>> ParseDocument(std::string_view text, const std::string& source);

struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view text) const { return std::hash<std::string_view>{}(text); }
};

struct PolicySet::Compiled {
  std::vector<Statement> statements;  // in load order
  std::vector<std::string> sources;

  // For each action named literally by some statement: every statement whose action patterns
  // match it, denies first, then in load order. Their actions need no further check.
  std::unordered_map<std::string, std::vector<uint32_t>, StringHash, std::equal_to<>> by_action;
  // For any other action: the statements with a wildcard action pattern, denies first.
  std::vector<uint32_t> wildcard;
};

// Builds the action index over `statements`.
std::unique_ptr<const PolicySet::Compiled> Compile(std::vector<Statement> statements,
                                                   std::vector<std::string> sources);

}  // namespace medulla::policy
