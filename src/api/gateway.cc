#include "api/gateway.h"

#include "api/task_request.h"
#include "api/writebacks.h"
#include "common/ids.h"
#include "common/log.h"
#include "common/metrics.h"
#include "store/task_state.h"

namespace medulla::api {
namespace {

using nlohmann::json;

http::Response Unauthorized(const Status& refusal) {
  if (refusal.code() != StatusCode::kUnauthenticated)
    return http::Response::Problem(refusal);
  const std::string& reason = refusal.message();
  http::Response response = http::Response::Problem(401, "Unauthenticated", reason);
  response.headers["WWW-Authenticate"] =
      "Bearer error=\"invalid_token\", error_description=\"" + reason + "\"";
  return response;
}

Result<auth::Principal> Authenticate(const GatewayDependencies& deps,
                                     const http::Request& request) {
  const std::string header = request.Header("Authorization");
  const std::string prefix = "Bearer ";
  Result<auth::Principal> principal = Unauthenticated("a bearer token is required");
  if (header.size() > prefix.size() && header.compare(0, prefix.size(), prefix) == 0) {
    principal = deps.authenticate(std::string_view(header).substr(prefix.size()));
  }
  if (principal.ok())
    return principal;

  // Refusals are counted and logged by their fixed reason; the token itself never is.
  metrics::Increment("medulla_auth_refusals_total", "Bearer tokens refused, by reason.",
                     {{"reason", principal.status().message()}});
  log::Warn("api", "auth.refused",
            {{"route", RouteLabel(request.path)}, {"reason", principal.status().message()}});
  return principal;
}

json PrincipalRecord(const auth::Principal& principal) {
  return {{"sub", principal.subject},
          {"roles", principal.roles},
          {"scopes", principal.scopes},
          {"sid", principal.session_id},
          {"jti", principal.token_id},
          {"purpose_of_use", principal.purpose_of_use},
          {"exp", FormatTimestamp(principal.expires_at)}};
}

// Reads a task's events, hiding tasks of other tenants behind the same 404 as missing ones.
Result<std::vector<store::Event>> ReadOwnTask(const GatewayDependencies& deps,
                                              const auth::Principal& principal,
                                              const std::string& task_id) {
  Result<std::vector<store::Event>> events = deps.store->ReadTask(task_id);
  if (!events.ok() && events.status().code() == StatusCode::kNotFound) {
    return NotFound("no task with that id");
  }
  if (!events.ok())
    return events.status();
  if (events->empty() || events->front().tenant != principal.tenant) {
    return NotFound("no task with that id");
  }
  return events;
}

json TaskLinks(const std::string& task_id) {
  return {{"self", "/v1/tasks/" + task_id}, {"events", "/v1/tasks/" + task_id + "/events"}};
}

http::Response ReplayedTask(const GatewayDependencies& deps, const auth::Principal& principal,
                            const TaskRequest& request, const std::string& task_id) {
  Result<std::vector<store::Event>> events = ReadOwnTask(deps, principal, task_id);
  if (!events.ok())
    return http::Response::Problem(events.status());
  if (events->front().payload.value("request", json()) != RequestFingerprint(request)) {
    return http::Response::Problem(409, "Conflict",
                                   "the idempotency key was used for a different request");
  }

  store::TaskState state = store::Fold(*events);
  http::Response response =
      http::Response::Json(202, {{"id", task_id},
                                 {"status", store::TaskStatusName(state.status)},
                                 {"created", false},
                                 {"links", TaskLinks(task_id)}});
  response.headers["Location"] = "/v1/tasks/" + task_id;
  response.headers["Idempotent-Replayed"] = "true";
  return response;
}

http::Response CreateTask(const GatewayDependencies& deps, const http::Request& request) {
  Result<auth::Principal> principal = Authenticate(deps, request);
  if (!principal.ok())
    return Unauthorized(principal.status());

  Result<TaskRequest> parsed =
      ParseTaskRequest(request.body, request.Header("Idempotency-Key"), deps.agents->names());
  if (!parsed.ok())
    return http::Response::Problem(400, "Invalid request", parsed.status().message());

  json payload = {{"input", parsed->input},
                  {"principal", PrincipalRecord(*principal)},
                  {"request", RequestFingerprint(*parsed)}};
  if (parsed->agent)
    payload["agent"] = *parsed->agent;
  if (parsed->patient)
    payload["patient"] = *parsed->patient;
  if (parsed->idempotency_key)
    payload["idempotency_key"] = *parsed->idempotency_key;

  store::NewTask task{NewUuid(),
                      principal->tenant,
                      parsed->idempotency_key,
                      {store::event_type::kTaskCreated, principal->ToActorJson(), payload}};
  Result<store::CreatedTask> created = deps.store->CreateTask(task);
  if (!created.ok())
    return http::Response::Problem(created.status());
  if (!created->created)
    return ReplayedTask(deps, *principal, *parsed, created->task_id);

  metrics::Increment("medulla_tasks_created_total", "Tasks accepted by the gateway.");
  log::Info("api", "task.created", {{"task", created->task_id}, {"tenant", principal->tenant}});
  http::Response response = http::Response::Json(202, {{"id", created->task_id},
                                                       {"status", "queued"},
                                                       {"created", true},
                                                       {"links", TaskLinks(created->task_id)}});
  response.headers["Location"] = "/v1/tasks/" + created->task_id;
  return response;
}

// Answers with `render(events)` for the caller's own task, or the problem that stops it.
http::Response WithOwnTask(const GatewayDependencies& deps, const http::Request& request,
                           const std::string& task_id,
                           const std::function<json(const std::vector<store::Event>&)>& render) {
  Result<auth::Principal> principal = Authenticate(deps, request);
  if (!principal.ok())
    return Unauthorized(principal.status());

  Result<std::vector<store::Event>> events = ReadOwnTask(deps, *principal, task_id);
  if (!events.ok())
    return http::Response::Problem(events.status());
  return http::Response::Json(200, render(*events));
}

http::Response GetTask(const GatewayDependencies& deps, const http::Request& request,
                       const http::PathParams& params) {
  return WithOwnTask(deps, request, params.at("id"), [](const std::vector<store::Event>& events) {
    return store::Fold(events).ToJson();
  });
}

http::Response GetTaskEvents(const GatewayDependencies& deps, const http::Request& request,
                             const http::PathParams& params) {
  const std::string& task_id = params.at("id");
  return WithOwnTask(deps, request, task_id, [&](const std::vector<store::Event>& events) {
    json listed = json::array();
    for (const store::Event& event : events)
      listed.push_back(event.ToJson());
    return json{{"task_id", task_id}, {"events", listed}};
  });
}

Result<size_t> ParseLimit(const http::Request& request) {
  auto found = request.query.find("limit");
  if (found == request.query.end())
    return size_t{50};
  try {
    size_t used = 0;
    int limit = std::stoi(found->second, &used);
    if (used != found->second.size() || limit < 1 || limit > 500)
      throw std::out_of_range("");
    return static_cast<size_t>(limit);
  } catch (const std::exception&) {
    return InvalidArgument("'limit' must be a whole number from 1 to 500");
  }
}

http::Response ListTasks(const GatewayDependencies& deps, const http::Request& request) {
  Result<auth::Principal> principal = Authenticate(deps, request);
  if (!principal.ok())
    return Unauthorized(principal.status());
  Result<size_t> limit = ParseLimit(request);
  if (!limit.ok())
    return http::Response::Problem(400, "Invalid request", limit.status().message());

  Result<std::vector<store::TaskSummary>> tasks = deps.store->ListTasks(principal->tenant, *limit);
  if (!tasks.ok())
    return http::Response::Problem(tasks.status());

  json listed = json::array();
  for (const store::TaskSummary& task : *tasks) {
    listed.push_back({{"id", task.task_id},
                      {"created_at", FormatTimestamp(task.created_at)},
                      {"links", TaskLinks(task.task_id)}});
  }
  return http::Response::Json(200, {{"tasks", listed}});
}

http::Response Health(const GatewayDependencies& deps) {
  Result<int64_t> depth = deps.store->QueueDepth();
  if (!depth.ok())
    return http::Response::Problem(503, "Service unavailable", "store unavailable");
  metrics::Set("medulla_queue_depth", "Tasks queued or running.", {}, static_cast<double>(*depth));
  return http::Response::Json(200, {{"status", "ok"}, {"queue_depth", *depth}});
}

}  // namespace

std::string RouteLabel(const std::string& path) {
  const std::string tasks = "/v1/tasks/";
  if (path.rfind(tasks, 0) != 0) {
    static const std::vector<std::string> kKnown = {"/v1/tasks", "/healthz", "/metrics",
                                                    "/.well-known/jwks.json"};
    return std::find(kKnown.begin(), kKnown.end(), path) != kKnown.end() ? path : "other";
  }
  size_t slash = path.find('/', tasks.size());
  if (slash == std::string::npos)
    return "/v1/tasks/{id}";
  return path.substr(slash) == "/events" ? "/v1/tasks/{id}/events" : "other";
}

http::Router MakeGatewayRouter(const GatewayDependencies& dependencies) {
  http::Router router;
  const GatewayDependencies deps = dependencies;
  router.Add("POST", "/v1/tasks", [deps](const http::Request& r, const http::PathParams&) {
    return CreateTask(deps, r);
  });
  router.Add("GET", "/v1/tasks", [deps](const http::Request& r, const http::PathParams&) {
    return ListTasks(deps, r);
  });
  router.Add("GET", "/v1/tasks/{id}", [deps](const http::Request& r, const http::PathParams& p) {
    return GetTask(deps, r, p);
  });
  router.Add("GET", "/v1/tasks/{id}/events",
             [deps](const http::Request& r, const http::PathParams& p) {
               return GetTaskEvents(deps, r, p);
             });
  AddWritebackRoutes(
      router,
      {deps.store, [deps](const http::Request& r) { return Authenticate(deps, r); }, Unauthorized});
  router.Add("GET", "/healthz",
             [deps](const http::Request&, const http::PathParams&) { return Health(deps); });
  router.Add("GET", "/metrics", [](const http::Request&, const http::PathParams&) {
    return http::Response::Text(200, metrics::RenderText(), "text/plain; version=0.0.4");
  });
  router.Add("GET", "/.well-known/jwks.json",
             [deps](const http::Request&, const http::PathParams&) {
               return http::Response::Json(200, deps.jwks);
             });
  return router;
}

}  // namespace medulla::api
