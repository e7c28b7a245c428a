#include "fhir/ehr_directory.h"

namespace medulla::fhir {

EhrDirectory::EhrDirectory(std::unique_ptr<EhrAdapter> fallback) : fallback_(std::move(fallback)) {}

void EhrDirectory::Assign(const std::string& tenant, std::unique_ptr<EhrAdapter> ehr) {
  by_tenant_[tenant] = std::move(ehr);
}

EhrAdapter& EhrDirectory::For(const std::string& tenant) const {
  auto found = by_tenant_.find(tenant);
  return found == by_tenant_.end() ? *fallback_ : *found->second;
}

}  // namespace medulla::fhir
