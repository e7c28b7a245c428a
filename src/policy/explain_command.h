// `medulla policy explain`: answers "may this principal run this action on this resource?"
// from the policy files, printing the decision and how every statement fared.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"
#include "policy/policy.h"

namespace medulla::policy {

struct PolicyExplainOptions {
  std::string policy_path = "config/policies";  // a directory of policy files, or one file
  std::string subject;
  std::string tenant;
  std::vector<std::string> roles;
  std::vector<std::string> scopes;
  std::string action;    // "tool:draft_note"
  std::string resource;  // "tenant:clinic-a/Patient/123"
  // "key=value" pairs. A value reads as a boolean ("true"/"false"), a number, an RFC 3339
  // date-time, or else a string; a key given more than once becomes a list of strings.
  std::vector<std::string> context;
};

// Builds the request the options describe; fails on a malformed context pair.
Result<Request> RequestFromOptions(const PolicyExplainOptions& options);

// Prints the explanation to standard output. Returns 0 when allowed, 3 when denied, and 1
// with one line "medulla: <reason>" on standard error when the policies or options are bad.
int RunPolicyExplain(const PolicyExplainOptions& options);

}  // namespace medulla::policy
