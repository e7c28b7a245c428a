#include "common/log.h"
#include "policy/policy.h"

namespace medulla::policy {

PolicyStore::PolicyStore(std::vector<std::string> paths, std::shared_ptr<const PolicySet> initial)
    : paths_(std::move(paths)), current_(std::move(initial)) {}

Result<std::unique_ptr<PolicyStore>> PolicyStore::Open(std::vector<std::string> paths) {
  ASSIGN_OR_RETURN(std::shared_ptr<const PolicySet> initial, PolicySet::Load(paths));

  log::Info("policy", "policy.loaded",
            {{"statements", initial->statement_count()}, {"files", initial->sources().size()}});
  return std::unique_ptr<PolicyStore>(new PolicyStore(std::move(paths), std::move(initial)));
}

Status PolicyStore::Reload() {
  Result<std::shared_ptr<const PolicySet>> loaded = PolicySet::Load(paths_);
  if (!loaded.ok()) {
    // The reason names a file and line of policy text, never request data.
    log::Warn("policy", "policy.reload_refused", {{"reason", loaded.status().message()}});
    return loaded.status();
  }

  log::Info("policy", "policy.reloaded",
            {{"statements", (*loaded)->statement_count()}, {"files", (*loaded)->sources().size()}});
  current_.store(std::move(*loaded));
  return Status::Ok();
}

std::shared_ptr<const PolicySet> PolicyStore::Current() const {
  return current_.load();
}

Decision PolicyStore::Evaluate(const Request& request) const {
  std::shared_ptr<const PolicySet> policies = current_.load();
  Decision decision = policies->Evaluate(request);
  decision.policies = std::move(policies);
  return decision;
}

}  // namespace medulla::policy
