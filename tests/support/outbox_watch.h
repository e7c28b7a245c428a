// What an operator watches on a running node while the EHR misbehaves: the write-back outbox
// as GET /v1/writebacks lists it, and the sandbox's count of the faults it injected. For
// end-to-end tests that wait for writes to settle before judging them.
#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/running_node.h"
#include "support/sandbox_ehr.h"

namespace medulla::testing {

// GET /v1/writebacks?<query>&limit=500 as `token`'s tenant; the listed entries, oldest first.
// Fails the test and answers an empty list when the node refuses.
std::vector<nlohmann::json> ListWritebacks(RunningNode& node, const std::string& token,
                                           const std::string& query = "");

// Polls the outbox until no entry on `route` (fhir, vendor_api or work_item) is pending or
// retrying. Fails the test and answers false when that has not happened within `patience`.
bool WaitForOutboxToSettle(RunningNode& node, const std::string& token, const std::string& route,
                           std::chrono::seconds patience);

// A token from the node's development issuer carrying `roles`, such as {"staff"}.
std::string TokenWithRoles(const RunningNode& node, const std::string& tenant,
                           const std::vector<std::string>& roles, const std::string& subject);

// GET /__admin/faults: {enabled, rate, seed, kinds, requests, faulted, counts: {kind: n}}.
// Answers {"error": ...} when the sandbox does not answer, so the caller's assertion fails.
nlohmann::json FaultReport(const SandboxEhr& sandbox);

}  // namespace medulla::testing
