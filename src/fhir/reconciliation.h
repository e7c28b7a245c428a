// Reconciliation: compares what Medulla believes it wrote with what each EHR holds, repairs what
// it may, and flags the rest. A confirmed write missing from the EHR is queued again; a write
// Medulla gave up on but the EHR holds (its answer was lost) is confirmed; a draft altered in
// the EHR while still Medulla's is restored; copies, and drafts the clinic has taken over and
// edited, are flagged: the first for staff to clean up, the second as a signal of how far the
// clinicians had to change what the agents wrote.
#pragma once

#include <string>
#include <vector>

#include "common/time.h"
#include "fhir/ehr_directory.h"
#include "fhir/integration_service.h"
#include "store/store.h"

namespace medulla::fhir {

struct ReconciliationReport {
  int checked = 0;
  int as_written = 0;  // the EHR holds what Medulla wrote (or what the clinic made of it)
  int repaired = 0;    // rewritten, restored or confirmed after the fact
  int flagged = 0;     // copies, or changes a person must look at
  int skipped = 0;     // another worker held the entry, or the EHR could not be asked
  std::vector<AttemptResult> changes;  // per entry that changed, the events to record
};

class Reconciler {
 public:
  // All arguments must outlive the reconciler.
  Reconciler(EhrDirectory& ehrs, store::Store& outbox, const Clock& clock,
             std::string worker = "reconciler");

  // Reconciles up to `limit` of the tenant's confirmed, failed and reconciled write-backs on the
  // FHIR and vendor API routes whose tasks have finished. Errors only when the outbox cannot be
  // read.
  Result<ReconciliationReport> Reconcile(const std::string& tenant, size_t limit = 500);

 private:
  bool TaskFinished(const std::string& task_id);
  void ReconcileEntry(store::WritebackEntry& entry, ReconciliationReport& report,
                      std::vector<WritebackTransition>& transitions);

  EhrDirectory* ehrs_;
  store::Store* outbox_;
  const Clock* clock_;
  std::string worker_;
};

}  // namespace medulla::fhir
