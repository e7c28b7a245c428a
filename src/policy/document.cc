// Reads policy documents with yaml-cpp, which also reads JSON and keeps every node's line.
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <optional>

#include "policy/compiled.h"

namespace medulla::policy {
namespace {

struct OperatorName {
  std::string_view name;
  Operator op;
};

constexpr std::array<OperatorName, 12> kOperators = {{
    {"StringEquals", Operator::kStringEquals},
    {"StringNotEquals", Operator::kStringNotEquals},
    {"StringLike", Operator::kStringLike},
    {"NumericLessThan", Operator::kNumericLessThan},
    {"NumericLessThanEquals", Operator::kNumericLessThanEquals},
    {"NumericGreaterThan", Operator::kNumericGreaterThan},
    {"NumericGreaterThanEquals", Operator::kNumericGreaterThanEquals},
    {"Bool", Operator::kBool},
    {"DateLessThan", Operator::kDateLessThan},
    {"DateGreaterThan", Operator::kDateGreaterThan},
    {"ForAnyValue:StringEquals", Operator::kForAnyValueStringEquals},
    {"ForAnyValue:StringLike", Operator::kForAnyValueStringLike},
}};

enum class ValueType { kString, kNumber, kBool, kTime };

ValueType TypeRead(Operator op) {
  switch (op) {
    case Operator::kNumericLessThan:
    case Operator::kNumericLessThanEquals:
    case Operator::kNumericGreaterThan:
    case Operator::kNumericGreaterThanEquals:
      return ValueType::kNumber;
    case Operator::kBool:
      return ValueType::kBool;
    case Operator::kDateLessThan:
    case Operator::kDateGreaterThan:
      return ValueType::kTime;
    case Operator::kStringEquals:
    case Operator::kStringNotEquals:
    case Operator::kStringLike:
    case Operator::kForAnyValueStringEquals:
    case Operator::kForAnyValueStringLike:
      return ValueType::kString;
  }
  return ValueType::kString;
}

bool IsForAnyValue(Operator op) {
  return op == Operator::kForAnyValueStringEquals || op == Operator::kForAnyValueStringLike;
}

bool AllOf(std::string_view text, bool (*allowed)(char)) {
  return !text.empty() && std::all_of(text.begin(), text.end(), allowed);
}

bool IsToolNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '*' || c == '?';
}

bool IsResourceTypeChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '*' || c == '?';
}

bool IsLowerWordChar(char c) {
  return (c >= 'a' && c <= 'z') || c == '_';
}

bool IsSidChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-' || c == '.';
}

bool IsKeyChar(char c) {
  return (c >= 'a' && c <= 'z') || c == '_' || c == '.';
}

std::vector<std::string_view> Split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (size_t at = text.find(separator); at != std::string_view::npos;
       at = text.find(separator, start)) {
    parts.push_back(text.substr(start, at - start));
    start = at + 1;
  }
  parts.push_back(text.substr(start));
  return parts;
}

bool IsWellFormedAction(std::string_view action) {
  if (action == "*") {
    return true;
  }
  std::vector<std::string_view> parts = Split(action, ':');
  if (parts[0] == "tool") {
    return parts.size() == 2 && AllOf(parts[1], IsToolNameChar);
  }
  if (parts[0] != "fhir" || parts.size() != 3) {
    return false;
  }
  constexpr std::array<std::string_view, 6> kVerbs = {"create", "read",   "update",
                                                      "delete", "search", "*"};
  bool verb_known = std::find(kVerbs.begin(), kVerbs.end(), parts[1]) != kVerbs.end();
  return verb_known && AllOf(parts[2], IsResourceTypeChar);
}

bool IsWellFormedResource(std::string_view resource) {
  if (resource == "*") {
    return true;
  }
  size_t colon = resource.find(':');
  if (colon == std::string_view::npos || colon + 1 == resource.size()) {
    return false;
  }
  bool spaceless = resource.find_first_of(" \t\n") == std::string_view::npos;
  return AllOf(resource.substr(0, colon), IsLowerWordChar) && spaceless;
}

// Resolves a condition key to where its value comes from; fails on unknown principal keys.
Result<KeySource> SourceOf(std::string_view key) {
  if (!AllOf(key, IsKeyChar) || key.find('.') == std::string_view::npos || key.front() == '.' ||
      key.back() == '.') {
    return InvalidArgument(
        "malformed condition key \"" + std::string(key) +
        "\": expected <scope>.<name> in lower case, like request.purpose_of_use");
  }
  if (key == "principal.tenant")
    return KeySource::kPrincipalTenant;
  if (key == "principal.subject")
    return KeySource::kPrincipalSubject;
  if (key == "principal.session_id")
    return KeySource::kPrincipalSession;
  if (key == "principal.roles")
    return KeySource::kPrincipalRoles;
  if (key == "principal.scopes")
    return KeySource::kPrincipalScopes;
  if (key.starts_with("principal.")) {
    return InvalidArgument("unknown principal key \"" + std::string(key) +
                           "\": expected tenant, subject, session_id, roles or scopes");
  }
  return KeySource::kContext;
}

const char* KindOf(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map:
      return "a map";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Scalar:
      return "a scalar";
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      return "nothing";
  }
  return "nothing";
}

bool IsPlain(const YAML::Node& node) {
  return node.Tag() == "?";
}

std::optional<double> AsNumber(const YAML::Node& node) {
  if (!node.IsScalar() || !IsPlain(node)) {
    return std::nullopt;
  }
  const std::string& text = node.Scalar();
  double number = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
  if (error != std::errc() || end != text.data() + text.size()) {
    return std::nullopt;
  }
  return number;
}

std::optional<bool> AsBool(const YAML::Node& node) {
  if (!node.IsScalar() || !IsPlain(node))
    return std::nullopt;
  if (node.Scalar() == "true")
    return true;
  if (node.Scalar() == "false")
    return false;
  return std::nullopt;
}

// A scalar counts as a string unless it is written as a bare number or boolean.
bool IsString(const YAML::Node& node) {
  return node.IsScalar() && !(IsPlain(node) && (AsNumber(node) || AsBool(node)));
}

class DocumentParser {
 public:
  explicit DocumentParser(const std::string& source) : source_(source) {}

  Result<std::vector<Statement>> Parse(const YAML::Node& root) {
    if (!root.IsMap()) {
      return Error(root, std::string("a policy document must be a map, found ") + KindOf(root));
    }
    RETURN_IF_ERROR(CheckFields(root, {"version", "statements"}, "document"));

    YAML::Node version = root["version"];
    if (!version)
      return Error(root, "missing field \"version\"");
    if (!IsString(version) || version.Scalar() != kPolicyVersion) {
      return Error(version,
                   std::string("unsupported version; expected \"") + kPolicyVersion + "\"");
    }

    YAML::Node statements = root["statements"];
    if (!statements)
      return Error(root, "missing field \"statements\"");
    if (!statements.IsSequence()) {
      return Error(statements,
                   std::string("statements must be a list, found ") + KindOf(statements));
    }
    std::vector<Statement> parsed;
    for (const YAML::Node& node : statements) {
      ASSIGN_OR_RETURN(Statement statement, ParseStatement(node));
      parsed.push_back(std::move(statement));
    }
    return parsed;
  }

  Status Error(const YAML::Node& at, const std::string& reason) const {
    return InvalidArgument(source_ + ":" + std::to_string(LineOf(at)) + ": " + reason);
  }

 private:
  int LineOf(const YAML::Node& node) const {
    int line = node.Mark().line;
    return line < 0 ? 1 : line + 1;
  }

  Status CheckFields(const YAML::Node& map, std::initializer_list<std::string_view> known,
                     std::string_view what) const {
    for (const auto& field : map) {
      const std::string& name = field.first.Scalar();
      if (std::find(known.begin(), known.end(), name) == known.end()) {
        return Error(field.first, "unknown field \"" + name + "\" in " + std::string(what));
      }
    }
    return Status::Ok();
  }

  // A string or a list of strings, each compiled as a pattern.
  Result<std::vector<Pattern>> ParsePatterns(const YAML::Node& node, const std::string& field,
                                             bool (*well_formed)(std::string_view),
                                             bool allow_variables) const {
    std::vector<YAML::Node> items;
    if (node.IsSequence()) {
      for (const YAML::Node& item : node)
        items.push_back(item);
    } else if (node.IsScalar()) {
      items.push_back(node);
    } else {
      return Error(node, field + " must be a string or a list of strings, found " + KindOf(node));
    }
    if (items.empty()) {
      return Error(node, field + " must not be empty");
    }

    std::vector<Pattern> patterns;
    for (const YAML::Node& item : items) {
      if (!IsString(item)) {
        return Error(item, field + " must hold strings, found " + KindOf(item) + " " +
                               (item.IsScalar() ? "\"" + item.Scalar() + "\"" : ""));
      }
      if (well_formed && !well_formed(item.Scalar())) {
        return Error(item, "malformed " + field.substr(0, field.size() - 1) + " pattern \"" +
                               item.Scalar() + "\"" + FormHint(field));
      }
      Result<Pattern> pattern = Pattern::Compile(item.Scalar(), allow_variables);
      if (!pattern.ok())
        return Error(item, pattern.status().message());
      patterns.push_back(std::move(*pattern));
    }
    return patterns;
  }

  static std::string FormHint(const std::string& field) {
    if (field == "actions")
      return ": expected tool:<name>, fhir:<verb>:<ResourceType> or *";
    if (field == "resources")
      return ": expected <kind>:<path> or *";
    return "";
  }

  // In a principal list, "*" means anyone; it is kept as an empty list.
  static std::vector<Pattern> AnyIfStar(std::vector<Pattern> patterns) {
    bool star = std::any_of(patterns.begin(), patterns.end(),
                            [](const Pattern& p) { return p.text() == "*"; });
    return star ? std::vector<Pattern>() : std::move(patterns);
  }

  Status ParsePrincipal(const YAML::Node& node, Statement& statement) const {
    if (!node.IsMap()) {
      return Error(node, std::string("principal must be a map, found ") + KindOf(node));
    }
    RETURN_IF_ERROR(CheckFields(node, {"roles", "tenants", "subjects"}, "principal"));
    if (node["roles"]) {
      ASSIGN_OR_RETURN(statement.roles, ParsePatterns(node["roles"], "roles", nullptr, false));
    }
    if (node["tenants"]) {
      ASSIGN_OR_RETURN(statement.tenants,
                       ParsePatterns(node["tenants"], "tenants", nullptr, false));
    }
    if (node["subjects"]) {
      ASSIGN_OR_RETURN(statement.subjects,
                       ParsePatterns(node["subjects"], "subjects", nullptr, false));
    }
    statement.roles = AnyIfStar(std::move(statement.roles));
    statement.tenants = AnyIfStar(std::move(statement.tenants));
    statement.subjects = AnyIfStar(std::move(statement.subjects));
    return Status::Ok();
  }

  Status ParseValue(const YAML::Node& item, Condition& condition) const {
    ValueType type = TypeRead(condition.op);
    std::string expected;
    if (type == ValueType::kNumber) {
      if (std::optional<double> number = AsNumber(item)) {
        condition.numbers.push_back(*number);
        return Status::Ok();
      }
      expected = "a number";
    } else if (type == ValueType::kBool) {
      if (std::optional<bool> flag = AsBool(item)) {
        condition.boolean = *flag;
        return Status::Ok();
      }
      expected = "true or false";
    } else if (type == ValueType::kTime) {
      Result<TimePoint> time = IsString(item) ? ParseTimestamp(item.Scalar())
                                              : Result<TimePoint>(InvalidArgument("not a string"));
      if (time.ok()) {
        condition.times.push_back(*time);
        return Status::Ok();
      }
      expected = "an RFC 3339 timestamp";
    } else if (IsString(item)) {
      if (condition.op == Operator::kStringLike ||
          condition.op == Operator::kForAnyValueStringLike) {
        Result<Pattern> pattern = Pattern::Compile(item.Scalar(), true);
        if (!pattern.ok())
          return Error(item, pattern.status().message());
        condition.patterns.push_back(std::move(*pattern));
      } else {
        condition.strings.push_back(item.Scalar());
      }
      return Status::Ok();
    } else {
      expected = "a string";
    }
    std::string found = item.IsScalar() ? "\"" + item.Scalar() + "\"" : KindOf(item);
    return Error(item, condition.operator_name + " on " + condition.key + " expects " + expected +
                           ", found " + found);
  }

  Result<Condition> ParseCondition(const std::string& operator_name, Operator op,
                                   const YAML::Node& key_node, const YAML::Node& values) const {
    Condition condition;
    condition.op = op;
    condition.operator_name = operator_name;
    condition.key = key_node.Scalar();
    condition.line = LineOf(key_node);
    Result<KeySource> source = SourceOf(condition.key);
    if (!source.ok())
      return Error(key_node, source.status().message());
    condition.source = *source;

    bool list_key = condition.source == KeySource::kPrincipalRoles ||
                    condition.source == KeySource::kPrincipalScopes;
    bool principal_key = condition.source != KeySource::kContext;
    if (list_key && !IsForAnyValue(op)) {
      return Error(key_node, condition.key + " is a list; use ForAnyValue:StringEquals or " +
                                 "ForAnyValue:StringLike");
    }
    if (principal_key && TypeRead(op) != ValueType::kString) {
      return Error(key_node, condition.key + " is text; " + operator_name + " cannot read it");
    }

    std::vector<YAML::Node> items;
    if (values.IsSequence()) {
      for (const YAML::Node& item : values)
        items.push_back(item);
    } else {
      items.push_back(values);
    }
    if (items.empty())
      return Error(values, operator_name + " on " + condition.key + " needs at least one value");
    if (op == Operator::kBool && items.size() != 1) {
      return Error(values, "Bool on " + condition.key + " takes exactly one value");
    }
    for (const YAML::Node& item : items) {
      RETURN_IF_ERROR(ParseValue(item, condition));
    }
    return condition;
  }

  Status ParseConditions(const YAML::Node& node, Statement& statement) const {
    if (!node.IsMap()) {
      return Error(node, std::string("conditions must be a map, found ") + KindOf(node));
    }
    for (const auto& entry : node) {
      const std::string& name = entry.first.Scalar();
      auto known = std::find_if(kOperators.begin(), kOperators.end(),
                                [&](const OperatorName& o) { return o.name == name; });
      if (known == kOperators.end()) {
        return Error(entry.first, "unknown condition operator \"" + name + "\"");
      }
      if (!entry.second.IsMap() || entry.second.size() == 0) {
        return Error(entry.second,
                     name + " must be a map of keys to values, found " + KindOf(entry.second));
      }
      for (const auto& key_values : entry.second) {
        ASSIGN_OR_RETURN(Condition condition,
                         ParseCondition(name, known->op, key_values.first, key_values.second));
        statement.conditions.push_back(std::move(condition));
      }
    }
    return Status::Ok();
  }

  Status ParseSidAndEffect(const YAML::Node& node, Statement& statement) const {
    YAML::Node sid = node["sid"];
    if (!sid)
      return Error(node, "missing field \"sid\" in statement");
    if (!IsString(sid) || !AllOf(sid.Scalar(), IsSidChar)) {
      return Error(sid, "sid must be a string of letters, digits, '_', '-' or '.'");
    }
    statement.sid = sid.Scalar();

    YAML::Node effect = node["effect"];
    if (!effect)
      return Error(node, "missing field \"effect\" in statement " + statement.sid);
    if (!IsString(effect) || (effect.Scalar() != "allow" && effect.Scalar() != "deny")) {
      std::string found = effect.IsScalar() ? effect.Scalar() : KindOf(effect);
      return Error(effect, "effect must be \"allow\" or \"deny\", found \"" + found + "\"");
    }
    statement.effect = effect.Scalar() == "allow" ? Effect::kAllow : Effect::kDeny;
    return Status::Ok();
  }

  Result<Statement> ParseStatement(const YAML::Node& node) const {
    if (!node.IsMap()) {
      return Error(node, std::string("a statement must be a map, found ") + KindOf(node));
    }
    RETURN_IF_ERROR(CheckFields(
        node, {"sid", "effect", "principal", "actions", "resources", "conditions"}, "statement"));

    Statement statement;
    statement.source = source_;
    statement.line = LineOf(node);
    RETURN_IF_ERROR(ParseSidAndEffect(node, statement));

    if (node["principal"])
      RETURN_IF_ERROR(ParsePrincipal(node["principal"], statement));

    if (!node["actions"])
      return Error(node, "missing field \"actions\" in " + statement.sid);
    ASSIGN_OR_RETURN(statement.actions,
                     ParsePatterns(node["actions"], "actions", IsWellFormedAction, false));

    if (!node["resources"])
      return Error(node, "missing field \"resources\" in " + statement.sid);
    ASSIGN_OR_RETURN(statement.resources,
                     ParsePatterns(node["resources"], "resources", IsWellFormedResource, true));

    if (node["conditions"])
      RETURN_IF_ERROR(ParseConditions(node["conditions"], statement));
    return statement;
  }

  const std::string& source_;
};

}  // namespace

Result<std::vector<Statement>> ParseDocument(std::string_view text, const std::string& source) {
  DocumentParser parser(source);
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::ParserException& error) {
    return InvalidArgument(source + ":" + std::to_string(error.mark.line + 1) +
                           ": malformed document: " + error.msg);
  }
  try {
    return parser.Parse(root);
  } catch (const YAML::Exception& error) {
    return InvalidArgument(source + ":" + std::to_string(error.mark.line + 1) +
                           ": malformed document: " + error.msg);
  }
}

}  // namespace medulla::policy
