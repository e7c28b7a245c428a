#include "policy/explain_command.h"

#include <charconv>
#include <cstdio>
#include <map>

namespace medulla::policy {
namespace {

constexpr int kExitAllowed = 0;
constexpr int kExitError = 1;
constexpr int kExitDenied = 3;

ContextValue ReadValue(const std::string& text) {
  if (text == "true")
    return true;
  if (text == "false")
    return false;

  double number = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
  if (!text.empty() && error == std::errc() && end == text.data() + text.size()) {
    return number;
  }

  // Only a date with a time reads as a time, so a bare date such as a consent version stays
  // text.
  if (text.find('T') != std::string::npos) {
    Result<TimePoint> time = ParseTimestamp(text);
    if (time.ok())
      return *time;
  }
  return text;
}

}  // namespace

Result<Request> RequestFromOptions(const PolicyExplainOptions& options) {
  if (options.action.empty())
    return InvalidArgument("--action is required");
  if (options.resource.empty())
    return InvalidArgument("--resource is required");

  Request request;
  request.principal.subject = options.subject;
  request.principal.tenant = options.tenant;
  request.principal.roles = options.roles;
  request.principal.scopes = options.scopes;
  request.action = options.action;
  request.resource = options.resource;

  std::map<std::string, std::vector<std::string>> raw;
  for (const std::string& pair : options.context) {
    size_t equals = pair.find('=');
    if (equals == std::string::npos || equals == 0) {
      return InvalidArgument("context \"" + pair + "\" is not key=value");
    }
    raw[pair.substr(0, equals)].push_back(pair.substr(equals + 1));
  }
  for (auto& [key, values] : raw) {
    if (values.size() == 1) {
      request.context.emplace(key, ReadValue(values.front()));
    } else {
      request.context.emplace(key, std::move(values));
    }
  }
  return request;
}

int RunPolicyExplain(const PolicyExplainOptions& options) {
  Result<Request> request = RequestFromOptions(options);
  if (!request.ok()) {
    std::fprintf(stderr, "medulla: %s\n", request.status().message().c_str());
    return kExitError;
  }

  Result<std::shared_ptr<const PolicySet>> policies = PolicySet::Load(options.policy_path);
  if (!policies.ok()) {
    std::fprintf(stderr, "medulla: %s\n", policies.status().message().c_str());
    return kExitError;
  }

  Explanation explanation = (*policies)->Explain(*request);
  std::fputs(explanation.ToText(*request).c_str(), stdout);
  return explanation.decision.allowed() ? kExitAllowed : kExitDenied;
}

}  // namespace medulla::policy
