// The gateway: Medulla's HTTP API. Every /v1 route needs a verified bearer token, and a task
// is only ever visible to the tenant that created it. Errors are problem+json documents.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string_view>

#include "agents/agent.h"
#include "auth/jwt.h"
#include "http/server.h"
#include "store/store.h"

namespace medulla::api {

// Turns a bearer token into the principal it speaks for, or kUnauthenticated with a short
// reason that is safe to show the caller (kUnavailable when the issuer cannot be reached).
using Authenticator = std::function<Result<auth::Principal>(std::string_view token)>;

struct GatewayDependencies {
  store::Store* store = nullptr;
  Authenticator authenticate;
  const agents::AgentCatalog* agents = nullptr;
  nlohmann::json jwks;  // served at /.well-known/jwks.json
};

// Routes:
//   POST /v1/tasks                  202 {id, status, created, links}
//   GET  /v1/tasks                  200 {tasks: [...]}, newest first
//   GET  /v1/tasks/{id}             200 the task's state, folded from its events
//   GET  /v1/tasks/{id}/events      200 {task_id, events: [...]}
//   GET  /healthz                   200 {status: "ok", queue_depth} or 503
//   GET  /metrics                   Prometheus text format
//   GET  /.well-known/jwks.json     the development issuer's public keys
http::Router MakeGatewayRouter(const GatewayDependencies& dependencies);

// Labels a request path for metrics without ids: "/v1/tasks/{id}".
std::string RouteLabel(const std::string& path);

}  // namespace medulla::api
