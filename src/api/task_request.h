// The body of POST /v1/tasks, parsed and checked before anything is written.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"

namespace medulla::api {

struct TaskRequest {
  std::optional<std::string> agent;
  nlohmann::json input;  // a non-empty string, or an object
  std::optional<std::string> patient;
  std::optional<std::string> idempotency_key;
};

// Parses `body`. `header_key` is the Idempotency-Key header ("" when absent); it must agree
// with a key in the body. Errors are kInvalidArgument with a reason that names the field
// and never echoes its value.
Result<TaskRequest> ParseTaskRequest(const std::string& body, const std::string& header_key,
                                     const std::vector<std::string>& known_agents);

// The request as recorded on task.created, so a repeated idempotency key can be compared.
nlohmann::json RequestFingerprint(const TaskRequest& request);

}  // namespace medulla::api
