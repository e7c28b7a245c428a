// Vendors whose writes go through FHIR itself (the generic server, Epic, Veradigm) or not at all
// (AdvancedMD, where every write is a staff work item).
#include <algorithm>

#include "common/log.h"
#include "fhir/adapters/adapter_base.h"

namespace medulla::fhir::adapters {
namespace {

using nlohmann::json;

// Orders resources oldest first: by meta.lastUpdated, then by id, which the engines Medulla
// talks to assign in increasing order.
bool OlderThan(const json& a, const json& b) {
  auto updated = [](const json& r) {
    if (r.contains("meta") && r["meta"].is_object())
      return r["meta"].value("lastUpdated", "");
    return std::string();
  };
  const std::string ua = updated(a);
  const std::string ub = updated(b);
  if (ua != ub)
    return ua < ub;
  const std::string ia = a.value("id", "");
  const std::string ib = b.value("id", "");
  if (ia.size() != ib.size())
    return ia.size() < ib.size();
  return ia < ib;
}

std::string VersionIn(const json& resource) {
  if (resource.contains("meta") && resource["meta"].is_object())
    return resource["meta"].value("versionId", "");
  return "";
}

class FhirAdapter final : public AdapterBase {
 public:
  using AdapterBase::AdapterBase;

  EhrOutcome Create(const EhrWrite& write) override {
    Status allowed = CheckWrite(write, store::WritebackRoute::kFhir);
    if (!allowed.ok())
      return OutcomeOf(allowed);

    switch (profile().RouteFor(write.kind).guard) {
      case WriteGuard::kConditionalCreate:
        return Guarded(
            [&] { return OutcomeOf(fhir().CreateConditional(write.resource, write.identifier)); });
      case WriteGuard::kSearchThenCreate:
        return Guarded([&] { return SearchThenCreate(write); });
      case WriteGuard::kNone:
        break;
    }
    return OutcomeOf(FailedPrecondition("a FHIR route without a guard is never written"));
  }

 private:
  // Without conditional create the identifier is checked by search before and after the create.
  // The caller's lease keeps Medulla's own writers apart; the search afterwards catches a copy
  // written by anyone else in between, or by an earlier attempt whose answer was lost.
  EhrOutcome SearchThenCreate(const EhrWrite& write) {
    const std::string type = ResourceTypeFor(write.kind);
    SearchAnswer before = SearchByIdentifier(type, write.identifier);
    if (!before.status.ok())
      return Failed(before);
    if (!before.resources.empty())
      return Existing(type, std::move(before.resources), false);

    WriteAnswer created = fhir().Create(write.resource);
    if (!created.status.ok())
      return OutcomeOf(created);

    SearchAnswer after = SearchByIdentifier(type, write.identifier);
    if (!after.status.ok() || after.resources.size() <= 1)
      return OutcomeOf(created);
    log::Warn("fhir", "ehr.write.duplicates",
              {{"vendor", profile().vendor}, {"copies", after.resources.size()}});
    return Existing(type, std::move(after.resources), true);
  }

  // The oldest of `found` as the reference, and the others as duplicates.
  static EhrOutcome Existing(const std::string& type, std::vector<json> found, bool created) {
    std::sort(found.begin(), found.end(), OlderThan);
    EhrOutcome outcome;
    outcome.created = created;
    outcome.reference = type + "/" + found.front().value("id", "");
    outcome.version = VersionIn(found.front());
    for (size_t i = 1; i < found.size(); ++i)
      outcome.duplicates.push_back(type + "/" + found[i].value("id", ""));
    return outcome;
  }

  static EhrOutcome Failed(const SearchAnswer& answer) {
    EhrOutcome outcome = OutcomeOf(answer.status);
    outcome.retry_after = answer.retry_after;
    return outcome;
  }
};

}  // namespace

std::unique_ptr<EhrAdapter> MakeFhirAdapter(AdapterParts parts) {
  return std::make_unique<FhirAdapter>(std::move(parts));
}

}  // namespace medulla::fhir::adapters
