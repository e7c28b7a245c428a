// The write-back outbox over HTTP, and the one way a work item is marked done, shared by the
// gateway and the command line.
//
// Routes (bearer token required; the tenant is always the token's):
//   GET  /v1/writebacks?status=&route=&task=&limit=  200 {writebacks: [...]}, oldest first
//   GET  /v1/writebacks/{intent_id}                  200 one entry
//   GET  /v1/writebacks/{intent_id}/document         200 text/html: the page staff print for a
//                                                    work item (409 for other routes)
//   POST /v1/writebacks/{intent_id}/complete         200 the confirmed entry; body optional
//                                                    {"reference": "Type/id"}; roles staff or
//                                                    admin only (403 otherwise)
// Entries of other tenants answer 404, as missing ones do. Errors are problem+json.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "auth/principal.h"
#include "common/status.h"
#include "http/message.h"
#include "http/server.h"
#include "store/outbox.h"
#include "store/store.h"

namespace medulla::api {

struct WritebackRouteDependencies {
  store::Store* store = nullptr;  // not owned; outlives the router
  // Verifies the request's bearer token, counting and logging refusals.
  std::function<Result<auth::Principal>(const http::Request&)> authenticate;
  // The answer to a request `authenticate` refused.
  std::function<http::Response(const Status&)> refuse;
};

void AddWritebackRoutes(http::Router& router, const WritebackRouteDependencies& dependencies);

// What an entry shows to API callers and `medulla writeback --json`: its ids, kind, route,
// status and timing, and the patient reference; never the intent's content.
nlohmann::json WritebackJson(const store::WritebackEntry& entry);

struct WorkItemCompletion {
  std::string tenant;
  std::string intent_id;
  std::string reference;  // what staff created, "Type/id"; empty when they did not say
  std::string by;         // the subject who did it
  nlohmann::json actor;   // the writeback.confirmed event's actor
};

// Marks a work item confirmed, then appends writeback.confirmed {intent_id, reference,
// outcome: "completed_by_staff", by} to its task. kNotFound for an unknown intent;
// kInvalidArgument for a malformed reference or an empty subject; kConflict when the entry is
// not a work item, is already confirmed, is claimed by another worker, or its task kept moving
// under every retry of the append.
//
// Known gap: the entry is confirmed before the event is appended, so a store failure between
// the two leaves a confirmed entry whose task does not record the confirmation.
Result<store::WritebackEntry> CompleteWorkItem(store::Store& store,
                                               const WorkItemCompletion& completion);

}  // namespace medulla::api
