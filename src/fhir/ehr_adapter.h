// An EHR adapter: one vendor's way of reading and writing a chart, chosen by the tenant's
// vendor profile (config/vendors/). The integration service speaks to every EHR through this
// interface, so nothing above it knows which vendor a tenant uses.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "common/time.h"
#include "fhir/fhir_client.h"
#include "fhir/intent.h"
#include "store/outbox.h"

namespace medulla::fhir {

struct VendorProfile;

// One resource to put in the chart. `resource` has passed validation and carries `identifier`
// (Medulla's business identifier), which makes every write of it idempotent.
struct EhrWrite {
  IntentKind kind = IntentKind::kDraftNote;
  nlohmann::json resource;
  Identifier identifier;
  std::string patient;    // "Patient/<id>"
  std::string encounter;  // "Encounter/<id>", may be empty
};

// What an EHR call came to. `status` is Ok or says why not, in the codes of common/status.h:
// kUnavailable / kDeadlineExceeded may pass on a later attempt (with `retry_after` when the EHR
// said when); kConflict is a 409/412 on a version check; kInvalidArgument the EHR refused the
// content; kPermissionDenied the EHR refused the client; kFailedPrecondition the vendor cannot
// take this interaction at all.
struct EhrOutcome {
  Status status = Status::Ok();
  std::optional<std::chrono::milliseconds> retry_after;
  std::string reference;  // "DocumentReference/123" (the FHIR facade's id when there is one)
  std::string version;    // version id, when the EHR versions this resource
  bool created = false;   // false: the EHR already held a resource with this identifier
  // Set by search-guarded creates only: references of further resources found with the same
  // identifier after the write (another writer raced past the guard). `reference` is then the
  // oldest; these copies are left in place for a person to resolve.
  std::vector<std::string> duplicates;
};

// True for EHR errors that a later attempt may not meet again: outages and timeouts.
inline bool IsRetryable(const Status& status) {
  return status.code() == StatusCode::kUnavailable ||
         status.code() == StatusCode::kDeadlineExceeded;
}

class EhrAdapter {
 public:
  virtual ~EhrAdapter() = default;

  virtual const VendorProfile& profile() const = 0;

  // How an intent of `kind` reaches this EHR.
  virtual store::WritebackRoute RouteFor(IntentKind kind) const = 0;

  // Writes `write` unless the EHR already holds a resource with its identifier. Never called for
  // kWorkItem routes. Thread-safe; the caller holds the intent's outbox lease, so at most one
  // call per identifier runs at a time across all nodes.
  virtual EhrOutcome Create(const EhrWrite& write) = 0;

  // Replaces the resource at `reference` with `resource`, on condition that the EHR's version is
  // still `if_match_version` (kConflict otherwise). kFailedPrecondition when the vendor cannot
  // update this type or cannot check versions.
  virtual EhrOutcome Update(const std::string& reference, const nlohmann::json& resource,
                            const std::string& if_match_version) = 0;

  // Every resource of `resource_type` the EHR holds with `identifier`, read through its FHIR
  // facade or vendor API. More than one means a duplicate.
  virtual Result<std::vector<nlohmann::json>> FindWritten(const std::string& resource_type,
                                                          const Identifier& identifier,
                                                          const std::string& patient) = 0;

  // The FHIR facade, authenticated, for reads (clinical data, consent, reconciliation).
  virtual FhirClient& fhir() = 0;
};

}  // namespace medulla::fhir
