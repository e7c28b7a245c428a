// The write-back outbox: every intent the integration service accepts, with where it stands.
// An entry is never deleted; its status moves forward and the task's event log records each
// move, so what Medulla believes it wrote can always be listed and compared with the EHR.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "common/status.h"
#include "common/time.h"

namespace medulla::store {

enum class WritebackStatus {
  kPending,     // accepted, not yet attempted (or a staff work item not yet done)
  kRetrying,    // attempted, failed in a way a later attempt may not meet; next_attempt_at set
  kHeld,        // needs a person: failed validation, refused, conflicted, or duplicated
  kFailed,      // will not be attempted again (attempts or time exhausted, or refused for good)
  kConfirmed,   // the EHR (or staff) holds it
  kReconciled,  // confirmed, and a later comparison with the EHR found it as written
};

const char* WritebackStatusName(WritebackStatus status);
Result<WritebackStatus> ParseWritebackStatus(const std::string& name);

// How an entry reaches the chart: the EHR's FHIR API, the vendor's own REST API, or a person.
enum class WritebackRoute { kFhir, kVendorApi, kWorkItem };

const char* WritebackRouteName(WritebackRoute route);
Result<WritebackRoute> ParseWritebackRoute(const std::string& name);

struct WritebackEntry {
  std::string tenant;
  std::string intent_id;  // unique per tenant
  std::string task_id;
  std::string patient;        // "Patient/<id>": entries of one patient drain in order
  std::string kind;           // the intent kind's name
  std::string resource_type;  // "DocumentReference"
  WritebackRoute route = WritebackRoute::kFhir;
  WritebackStatus status = WritebackStatus::kPending;
  // The intent as accepted, without its grant, plus what the integration service recorded at
  // acceptance ("resource", "grant_id", "principal", "policy"); enough to attempt it later.
  nlohmann::json intent;
  int attempts = 0;
  TimePoint next_attempt_at;  // when a pending or retrying entry is next due
  std::string reason;         // why it is retrying, held or failed; no PHI
  std::string reference;      // "DocumentReference/123" once confirmed
  std::string version;        // the EHR's version id of what Medulla wrote, when known
  int64_t order = 0;          // assigned by the store at enqueue; increases across the store
  TimePoint created_at;
  TimePoint updated_at;
  // Set by ClaimWriteback: who holds the entry, until when, and the fencing token that every
  // update must present.
  std::string lease_owner;
  TimePoint lease_until;
  int64_t fence = 0;
};

struct WritebackFilter {
  std::string tenant;                     // required
  std::optional<WritebackStatus> status;  // all statuses when empty
  std::optional<WritebackRoute> route;    // all routes when empty
  std::string task_id;                    // all tasks when empty
  size_t limit = 100;
  std::string patient;  // all patients when empty
};

}  // namespace medulla::store
