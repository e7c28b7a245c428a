// Which EHR each tenant's chart lives in. A node serves tenants whose EHRs differ in vendor; the
// directory hands the integration service, and the readers of clinical data, the right adapter.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "fhir/ehr_adapter.h"

namespace medulla::fhir {

class EhrDirectory {
 public:
  // `fallback` serves every tenant not assigned an EHR of its own.
  explicit EhrDirectory(std::unique_ptr<EhrAdapter> fallback);

  // Gives `tenant` its own EHR. Not thread-safe: assign before the node starts serving.
  void Assign(const std::string& tenant, std::unique_ptr<EhrAdapter> ehr);

  // The tenant's EHR. Thread-safe once assignments are done.
  EhrAdapter& For(const std::string& tenant) const;

  EhrAdapter& Fallback() const { return *fallback_; }

 private:
  std::unique_ptr<EhrAdapter> fallback_;
  std::map<std::string, std::unique_ptr<EhrAdapter>> by_tenant_;
};

}  // namespace medulla::fhir
