#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "policy/compiled.h"

namespace medulla::policy {
namespace {

constexpr std::string_view kExplicitDeny = "explicit deny";
constexpr std::string_view kAllowed = "allowed";
constexpr std::string_view kImplicitDeny = "implicit deny: no statement allows";

Decision DecisionFor(const Statement& statement) {
  Decision decision;
  decision.effect = statement.effect;
  decision.sid = statement.sid;
  decision.source = statement.source;
  decision.line = statement.line;
  decision.reason = statement.effect == Effect::kDeny ? kExplicitDeny : kAllowed;
  return decision;
}

Decision ImplicitDeny() {
  Decision decision;
  decision.reason = kImplicitDeny;
  return decision;
}

// Denies first so that the first statement that applies decides; load order within each.
void SortDeniesFirst(std::vector<uint32_t>& indices, const std::vector<Statement>& statements) {
  std::stable_sort(indices.begin(), indices.end(), [&](uint32_t a, uint32_t b) {
    return statements[a].effect == Effect::kDeny && statements[b].effect == Effect::kAllow;
  });
}

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return InvalidArgument(path + ": cannot read policy file");
  }
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

bool IsPolicyFile(const std::filesystem::path& path) {
  std::string extension = path.extension().string();
  return extension == ".yaml" || extension == ".yml" || extension == ".json";
}

// Expands directories into their policy files, sorted by name, so load order is stable.
Result<std::vector<std::string>> PolicyFiles(const std::vector<std::string>& paths) {
  std::vector<std::string> files;
  for (const std::string& path : paths) {
    std::error_code error;
    if (!std::filesystem::is_directory(path, error)) {
      files.push_back(path);
      continue;
    }
    std::vector<std::string> found;
    for (const auto& entry : std::filesystem::directory_iterator(path, error)) {
      if (entry.is_regular_file() && IsPolicyFile(entry.path())) {
        found.push_back(entry.path().string());
      }
    }
    if (error)
      return InvalidArgument(path + ": cannot list policy directory");
    if (found.empty())
      return InvalidArgument(path + ": no policy files (*.yaml, *.yml, *.json)");
    std::sort(found.begin(), found.end());
    files.insert(files.end(), found.begin(), found.end());
  }
  if (files.empty())
    return InvalidArgument("no policy files given");
  return files;
}

Status CheckUniqueSids(const std::vector<Statement>& statements) {
  std::map<std::string_view, const Statement*> seen;
  for (const Statement& statement : statements) {
    auto [first, inserted] = seen.emplace(statement.sid, &statement);
    if (!inserted) {
      return InvalidArgument(statement.source + ":" + std::to_string(statement.line) +
                             ": duplicate sid \"" + statement.sid + "\", first used at " +
                             first->second->source + ":" + std::to_string(first->second->line));
    }
  }
  return Status::Ok();
}

}  // namespace

std::unique_ptr<const PolicySet::Compiled> Compile(std::vector<Statement> statements,
                                                   std::vector<std::string> sources) {
  auto compiled = std::make_unique<PolicySet::Compiled>();

  std::vector<std::string> literal_actions;
  for (uint32_t i = 0; i < statements.size(); ++i) {
    bool wildcard = false;
    for (const Pattern& action : statements[i].actions) {
      if (action.is_literal()) {
        literal_actions.push_back(action.text());
      } else {
        wildcard = true;
      }
    }
    if (wildcard)
      compiled->wildcard.push_back(i);
  }

  // Action patterns never hold principal variables, so any principal serves for matching.
  const auth::Principal nobody;
  for (const std::string& action : literal_actions) {
    if (compiled->by_action.contains(action))
      continue;
    std::vector<uint32_t> candidates;
    for (uint32_t i = 0; i < statements.size(); ++i) {
      if (statements[i].ActionMatches(action, nobody))
        candidates.push_back(i);
    }
    SortDeniesFirst(candidates, statements);
    compiled->by_action.emplace(action, std::move(candidates));
  }
  SortDeniesFirst(compiled->wildcard, statements);

  compiled->statements = std::move(statements);
  compiled->sources = std::move(sources);
  return compiled;
}

const char* EffectName(Effect effect) {
  switch (effect) {
    case Effect::kAllow:
      return "allow";
    case Effect::kDeny:
      return "deny";
  }
  return "deny";
}

std::string Decision::ToString() const {
  std::string text = EffectName(effect);
  if (sid.empty()) {
    return text + ": " + std::string(reason);
  }
  return text + " by statement \"" + std::string(sid) + "\" (" + std::string(source) + ":" +
         std::to_string(line) + "): " + std::string(reason);
}

PolicySet::PolicySet(std::unique_ptr<const Compiled> compiled) : compiled_(std::move(compiled)) {}

PolicySet::~PolicySet() = default;

size_t PolicySet::statement_count() const {
  return compiled_->statements.size();
}

const std::vector<std::string>& PolicySet::sources() const {
  return compiled_->sources;
}

Result<std::shared_ptr<const PolicySet>> PolicySet::Load(const std::string& path) {
  return Load(std::vector<std::string>{path});
}

Result<std::shared_ptr<const PolicySet>> PolicySet::Load(const std::vector<std::string>& paths) {
  ASSIGN_OR_RETURN(std::vector<std::string> files, PolicyFiles(paths));

  std::vector<Statement> statements;
  for (const std::string& file : files) {
    ASSIGN_OR_RETURN(std::string text, ReadFile(file));
    ASSIGN_OR_RETURN(std::vector<Statement> parsed, ParseDocument(text, file));
    std::move(parsed.begin(), parsed.end(), std::back_inserter(statements));
  }
  RETURN_IF_ERROR(CheckUniqueSids(statements));

  return std::make_shared<const PolicySet>(Compile(std::move(statements), std::move(files)));
}

Result<std::shared_ptr<const PolicySet>> PolicySet::FromText(std::string_view text,
                                                             const std::string& source) {
  ASSIGN_OR_RETURN(std::vector<Statement> statements, ParseDocument(text, source));
  RETURN_IF_ERROR(CheckUniqueSids(statements));

  return std::make_shared<const PolicySet>(Compile(std::move(statements), {source}));
}

Decision PolicySet::Evaluate(const Request& request) const {
  const Compiled& compiled = *compiled_;
  const auth::Principal& principal = request.principal;
  auto keyed = compiled.by_action.find(std::string_view(request.action));
  bool action_known = keyed != compiled.by_action.end();
  const std::vector<uint32_t>& candidates = action_known ? keyed->second : compiled.wildcard;

  for (uint32_t index : candidates) {
    const Statement& statement = compiled.statements[index];
    if (!action_known && !statement.ActionMatches(request.action, principal))
      continue;
    if (!statement.PrincipalMatches(principal))
      continue;
    if (!statement.ResourceMatches(request.resource, principal))
      continue;
    if (!statement.ConditionsHold(request))
      continue;
    return DecisionFor(statement);
  }
  return ImplicitDeny();
}

namespace {

std::string Describe(const ContextValue& value) {
  if (const auto* text = std::get_if<std::string>(&value))
    return "\"" + *text + "\"";
  if (const auto* number = std::get_if<double>(&value)) {
    std::ostringstream out;
    out << *number;
    return out.str();
  }
  if (const auto* flag = std::get_if<bool>(&value))
    return *flag ? "true" : "false";
  if (const auto* time = std::get_if<TimePoint>(&value))
    return FormatTimestamp(*time);
  std::string list = "[";
  for (const std::string& item : std::get<std::vector<std::string>>(value)) {
    list += (list.size() > 1 ? ", \"" : "\"") + item + "\"";
  }
  return list + "]";
}

std::string WhyConditionFails(const Condition& condition, const Request& request) {
  std::string what = "condition " + condition.operator_name + " on " + condition.key;
  if (condition.source != KeySource::kContext) {
    return what + " does not hold for this principal";
  }
  auto found = request.context.find(condition.key);
  if (found == request.context.end()) {
    return what + " does not hold: the request has no " + condition.key;
  }
  return what + " does not hold for " + Describe(found->second);
}

std::string WhyPrincipalFails(const Statement& statement, const auth::Principal& principal) {
  auto listed = [&](const std::vector<Pattern>& patterns, const std::string& value) {
    return std::any_of(patterns.begin(), patterns.end(),
                       [&](const Pattern& pattern) { return pattern.Matches(value, principal); });
  };
  if (!statement.tenants.empty() && !listed(statement.tenants, principal.tenant)) {
    return "principal: tenant not listed";
  }
  if (!statement.subjects.empty() && !listed(statement.subjects, principal.subject)) {
    return "principal: subject not listed";
  }
  return "principal: holds none of the listed roles";
}

StatementTrace Trace(const Statement& statement, const Request& request) {
  const auth::Principal& principal = request.principal;
  StatementTrace trace;
  trace.sid = statement.sid;
  trace.source = statement.source;
  trace.line = statement.line;
  trace.effect = statement.effect;
  trace.principal_matched = statement.PrincipalMatches(principal);
  trace.action_matched = statement.ActionMatches(request.action, principal);
  trace.resource_matched = statement.ResourceMatches(request.resource, principal);
  trace.conditions_matched = statement.ConditionsHold(request);

  if (!trace.principal_matched) {
    trace.why_not = WhyPrincipalFails(statement, principal);
  } else if (!trace.action_matched) {
    trace.why_not = "action not listed";
  } else if (!trace.resource_matched) {
    trace.why_not = "resource not listed";
  } else if (!trace.conditions_matched) {
    for (const Condition& condition : statement.conditions) {
      if (!condition.Holds(request)) {
        trace.why_not = WhyConditionFails(condition, request);
        break;
      }
    }
  }
  return trace;
}

const char* YesNo(bool matched) {
  return matched ? "yes" : "no";
}

}  // namespace

Explanation PolicySet::Explain(const Request& request) const {
  Explanation explanation;
  explanation.decision = Evaluate(request);
  for (const Statement& statement : compiled_->statements) {
    StatementTrace trace = Trace(statement, request);
    trace.decisive = !explanation.decision.sid.empty() && statement.sid == explanation.decision.sid;
    explanation.statements.push_back(std::move(trace));
  }
  return explanation;
}

std::string Explanation::ToText(const Request& request) const {
  const auth::Principal& principal = request.principal;
  std::ostringstream out;
  out << "question: may subject \"" << principal.subject << "\" of tenant \"" << principal.tenant
      << "\" (roles:";
  for (const std::string& role : principal.roles)
    out << " " << role;
  out << ") run " << request.action << " on " << request.resource << "?\n";
  for (const auto& [key, value] : request.context)
    out << "  context " << key << " = " << Describe(value) << "\n";
  out << "decision: " << decision.ToString() << "\n";
  out << "statements considered (" << statements.size() << "):\n";

  for (const StatementTrace& trace : statements) {
    out << (trace.decisive ? "  * " : "    ") << "[" << EffectName(trace.effect) << "] "
        << trace.sid << " (" << trace.source << ":" << trace.line << ")"
        << "  principal " << YesNo(trace.principal_matched) << ", action "
        << YesNo(trace.action_matched) << ", resource " << YesNo(trace.resource_matched)
        << ", conditions " << YesNo(trace.conditions_matched);
    if (trace.decisive) {
      out << "  -> decides";
    } else if (trace.applies()) {
      out << "  -> applies, overruled by the deciding statement";
    } else {
      out << "  -> not applicable: " << trace.why_not;
    }
    out << "\n";
  }
  return out.str();
}

}  // namespace medulla::policy
