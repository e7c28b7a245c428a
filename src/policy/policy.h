// Medulla's policy engine: every tool call an agent makes and every write to the EHR must be
// allowed by policy for the person who asked. Policies are documents in files (YAML or JSON),
// shaped like cloud IAM policies:
//
//   version: "2026-12-01"
//   statements:
//     - sid: ClinicianVisitTools
//       effect: allow                      # or deny
//       principal: {roles: [clinician]}    # roles, tenants, subjects; each optional; "*" = any
//       actions: ["tool:*", "fhir:create:DocumentReference"]
//       resources: ["tenant:${principal.tenant}/*"]
//       conditions:
//         StringEquals: {request.purpose_of_use: [treatment, payment]}
//
// Names. Actions are "tool:<tool name>" or "fhir:<verb>:<ResourceType>" (verbs create, read,
// update, delete, search); patterns may use * and ? in any segment, and "*" alone is every
// action. Resources are "<kind>:<path>", by convention "tenant:<tenant>/Patient/<id>" for
// anything about one patient and "tenant:<tenant>" for a call about no patient. Resource
// patterns may name the asking principal's ${principal.tenant} and ${principal.subject}.
//
// Decisions. A statement applies when the principal, action, resource and every condition
// match. An applying deny beats any allow; a request that no statement allows is denied
// (implicit deny). Every decision names the statement that decided it, or says that none did.
//
// Conditions: {<operator>: {<key>: <value or list>}}. Operators and keys are ANDed; the values
// listed for one key are ORed, except for StringNotEquals, which holds when the value equals
// none of them. A key missing from the request, or holding a value of another type than the
// operator reads, never satisfies a condition, whatever its operator. Keys:
// principal.{tenant,subject,roles,scopes,session_id} come from the principal; any other key
// ("request.purpose_of_use", "request.risk", "patient.consent") from Request::context.
// Operators: StringEquals, StringNotEquals, StringLike (* and ?), NumericLessThan,
// NumericLessThanEquals, NumericGreaterThan, NumericGreaterThanEquals, Bool, DateLessThan,
// DateGreaterThan (RFC 3339), ForAnyValue:StringEquals and ForAnyValue:StringLike (for list
// values such as principal.scopes: holds when any value of the list matches).
//
// Thread safety: a PolicySet is immutable once loaded; Evaluate and Explain are const and may
// be called from any number of threads. PolicyStore swaps sets atomically.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "auth/principal.h"
#include "common/status.h"
#include "common/time.h"

namespace medulla::policy {

// The only document version this engine reads.
inline constexpr char kPolicyVersion[] = "2026-12-01";

enum class Effect { kAllow, kDeny };

const char* EffectName(Effect effect);  // "allow" / "deny"

// A value a condition can test. Numbers are doubles; lists hold strings.
using ContextValue = std::variant<std::string, double, bool, TimePoint, std::vector<std::string>>;
using Context = std::map<std::string, ContextValue, std::less<>>;

// One question: may `principal` run `action` on `resource`, given `context`?
struct Request {
  auth::Principal principal;
  std::string action;    // "tool:draft_note", "fhir:create:DocumentReference"
  std::string resource;  // "tenant:clinic-a/Patient/123"
  Context context;       // "request.purpose_of_use" -> "treatment", ...
};

class PolicySet;

// The answer, naming what decided it. `sid` and `source` view into the PolicySet that
// decided; they stay valid while that set lives (PolicyStore::Evaluate pins it in `policies`).
struct Decision {
  Effect effect = Effect::kDeny;
  std::string_view sid;     // empty on an implicit deny
  std::string_view source;  // the policy file of the deciding statement; empty if none
  int line = 0;             // the deciding statement's line in `source`
  std::string_view reason;  // "explicit deny", "allowed", "implicit deny: no statement allows"
  std::shared_ptr<const PolicySet> policies;

  bool allowed() const { return effect == Effect::kAllow; }

  // One line: `deny by statement "DenyWritesForResearch" (config/policies/clinic.yaml:11):
  // explicit deny`, or `deny: implicit deny: no statement allows`.
  std::string ToString() const;
};

// How one statement fared against a question, for explanations.
struct StatementTrace {
  std::string sid;
  std::string source;
  int line = 0;
  Effect effect = Effect::kAllow;
  bool principal_matched = false;
  bool action_matched = false;
  bool resource_matched = false;
  bool conditions_matched = false;
  std::string why_not;  // the first part that did not match, in words; empty when applied
  bool decisive = false;

  bool applies() const {
    return principal_matched && action_matched && resource_matched && conditions_matched;
  }
};

// A decision with every statement of the set considered, in file order.
struct Explanation {
  Decision decision;
  std::vector<StatementTrace> statements;

  // Human-readable, several lines: the question, the decision and one line per statement.
  std::string ToText(const Request& request) const;
};

// A validated, precompiled, immutable set of statements from one or more files.
class PolicySet {
 public:
  ~PolicySet();

  // Loads every *.yaml, *.yml and *.json file of a directory (in name order), or one file.
  // Fails with kInvalidArgument "<file>:<line>: <reason>" on the first invalid document:
  // malformed YAML/JSON, unknown field, wrong type, unknown version, bad effect, empty
  // actions or resources, malformed action or resource pattern, unknown operator, a value of
  // the wrong type for its operator, or a statement id used twice anywhere in the set.
  static Result<std::shared_ptr<const PolicySet>> Load(const std::string& path);
  static Result<std::shared_ptr<const PolicySet>> Load(const std::vector<std::string>& paths);

  // Parses one document held in memory; `source` names it in errors and decisions.
  static Result<std::shared_ptr<const PolicySet>> FromText(std::string_view text,
                                                           const std::string& source);

  // Decides one request. Allocates nothing; the decision's `policies` is left empty.
  Decision Evaluate(const Request& request) const;

  // Decides as Evaluate does and reports how every statement fared. Slow; for people.
  Explanation Explain(const Request& request) const;

  size_t statement_count() const;
  const std::vector<std::string>& sources() const;

  // The compiled form lives in policy/compiled.h, which only this part includes; Load and
  // FromText are the ways to make a set.
  struct Compiled;
  explicit PolicySet(std::unique_ptr<const Compiled> compiled);

 private:
  std::unique_ptr<const Compiled> compiled_;
};

// Holds the policy set in force and replaces it on Reload. Reload on an invalid set keeps
// the last good set in force and returns the error. Thread-safe: Evaluate and Current may run
// concurrently with Reload.
class PolicyStore {
 public:
  // Loads `paths` (directories or files) once; fails as PolicySet::Load does.
  static Result<std::unique_ptr<PolicyStore>> Open(std::vector<std::string> paths);

  // Re-reads the same paths. On error the current set stays in force.
  Status Reload();

  // The set in force now; callers may keep it as long as they like.
  std::shared_ptr<const PolicySet> Current() const;

  // Decides against the set in force; the decision pins that set.
  Decision Evaluate(const Request& request) const;

 private:
  PolicyStore(std::vector<std::string> paths, std::shared_ptr<const PolicySet> initial);

  std::vector<std::string> paths_;
  std::atomic<std::shared_ptr<const PolicySet>> current_;
};

// The resource a policy request names for work on `patient` ("Patient/<id>") in `tenant`:
// "tenant:<tenant>/Patient/<id>", or "tenant:<tenant>" when there is no patient.
std::string ResourceFor(const std::string& tenant, const std::string& patient);

// What a decision is recorded as in a task's events: effect, statement, source, reason.
nlohmann::json DecisionRecord(const Decision& decision);

}  // namespace medulla::policy
