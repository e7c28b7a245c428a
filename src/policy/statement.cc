#include <algorithm>

#include "policy/compiled.h"

namespace medulla::policy {
namespace {

bool AnyMatches(const std::vector<Pattern>& patterns, std::string_view value,
                const auth::Principal& principal) {
  return std::any_of(patterns.begin(), patterns.end(),
                     [&](const Pattern& pattern) { return pattern.Matches(value, principal); });
}

bool AnyValueMatches(const std::vector<Pattern>& patterns, const std::vector<std::string>& values,
                     const auth::Principal& principal) {
  return std::any_of(values.begin(), values.end(), [&](const std::string& value) {
    return AnyMatches(patterns, value, principal);
  });
}

bool Contains(const std::vector<std::string>& values, std::string_view wanted) {
  return std::find(values.begin(), values.end(), wanted) != values.end();
}

// The value a condition reads, without copying: a string, a list, or a context value.
struct Looked {
  const std::string* text = nullptr;
  const std::vector<std::string>* list = nullptr;
  const ContextValue* value = nullptr;
};

Looked LookUp(const Condition& condition, const Request& request) {
  const auth::Principal& principal = request.principal;
  switch (condition.source) {
    case KeySource::kPrincipalTenant:
      return {&principal.tenant, nullptr, nullptr};
    case KeySource::kPrincipalSubject:
      return {&principal.subject, nullptr, nullptr};
    case KeySource::kPrincipalSession:
      return {&principal.session_id, nullptr, nullptr};
    case KeySource::kPrincipalRoles:
      return {nullptr, &principal.roles, nullptr};
    case KeySource::kPrincipalScopes:
      return {nullptr, &principal.scopes, nullptr};
    case KeySource::kContext:
      break;
  }
  auto found = request.context.find(condition.key);
  if (found == request.context.end()) {
    return {};
  }
  const ContextValue& value = found->second;
  if (const auto* text = std::get_if<std::string>(&value))
    return {text, nullptr, &value};
  if (const auto* list = std::get_if<std::vector<std::string>>(&value)) {
    return {nullptr, list, &value};
  }
  return {nullptr, nullptr, &value};
}

bool NumericHolds(Operator op, double actual, double wanted) {
  switch (op) {
    case Operator::kNumericLessThan:
      return actual < wanted;
    case Operator::kNumericLessThanEquals:
      return actual <= wanted;
    case Operator::kNumericGreaterThan:
      return actual > wanted;
    case Operator::kNumericGreaterThanEquals:
      return actual >= wanted;
    default:
      return false;
  }
}

}  // namespace

bool Condition::Holds(const Request& request) const {
  Looked looked = LookUp(*this, request);
  const auth::Principal& principal = request.principal;
  const double* number = looked.value ? std::get_if<double>(looked.value) : nullptr;
  const TimePoint* time = looked.value ? std::get_if<TimePoint>(looked.value) : nullptr;
  const bool* flag = looked.value ? std::get_if<bool>(looked.value) : nullptr;

  switch (op) {
    case Operator::kStringEquals:
      return looked.text && Contains(strings, *looked.text);
    case Operator::kStringNotEquals:
      return looked.text && !Contains(strings, *looked.text);
    case Operator::kStringLike:
      return looked.text && AnyMatches(patterns, *looked.text, principal);
    case Operator::kForAnyValueStringEquals:
      if (looked.text)
        return Contains(strings, *looked.text);
      return looked.list && std::any_of(looked.list->begin(), looked.list->end(),
                                        [&](const std::string& v) { return Contains(strings, v); });
    case Operator::kForAnyValueStringLike:
      if (looked.text)
        return AnyMatches(patterns, *looked.text, principal);
      return looked.list && AnyValueMatches(patterns, *looked.list, principal);
    case Operator::kNumericLessThan:
    case Operator::kNumericLessThanEquals:
    case Operator::kNumericGreaterThan:
    case Operator::kNumericGreaterThanEquals:
      return number && std::any_of(numbers.begin(), numbers.end(), [&](double wanted) {
               return NumericHolds(op, *number, wanted);
             });
    case Operator::kBool:
      return flag && *flag == boolean;
    case Operator::kDateLessThan:
      return time && std::any_of(times.begin(), times.end(),
                                 [&](TimePoint wanted) { return *time < wanted; });
    case Operator::kDateGreaterThan:
      return time && std::any_of(times.begin(), times.end(),
                                 [&](TimePoint wanted) { return *time > wanted; });
  }
  return false;
}

bool Statement::PrincipalMatches(const auth::Principal& principal) const {
  if (!tenants.empty() && !AnyMatches(tenants, principal.tenant, principal)) {
    return false;
  }
  if (!subjects.empty() && !AnyMatches(subjects, principal.subject, principal)) {
    return false;
  }
  return roles.empty() || AnyValueMatches(roles, principal.roles, principal);
}

bool Statement::ActionMatches(std::string_view action, const auth::Principal& principal) const {
  return AnyMatches(actions, action, principal);
}

bool Statement::ResourceMatches(std::string_view resource, const auth::Principal& principal) const {
  return AnyMatches(resources, resource, principal);
}

bool Statement::ConditionsHold(const Request& request) const {
  return std::all_of(conditions.begin(), conditions.end(),
                     [&](const Condition& condition) { return condition.Holds(request); });
}

}  // namespace medulla::policy
