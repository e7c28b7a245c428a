#include "api/writebacks.h"

#include <chrono>
#include <optional>
#include <regex>
#include <utility>

#include "common/log.h"
#include "fhir/work_item_document.h"
#include "store/event.h"

namespace medulla::api {
namespace {

using nlohmann::json;

// How long a completion holds the entry: long enough for the update it makes at once.
constexpr std::chrono::milliseconds kCompletionLease{30'000};

// Appends race with a running task's own appends; each retry reads the task's end afresh.
constexpr int kAppendAttempts = 5;

constexpr size_t kDefaultLimit = 100;
constexpr size_t kMaxLimit = 500;

bool IsFinished(store::WritebackStatus status) {
  return status == store::WritebackStatus::kConfirmed ||
         status == store::WritebackStatus::kReconciled;
}

// A FHIR reference to what staff created: a resource type and a FHIR id.
Status CheckReference(const std::string& reference) {
  static const std::regex kReference("[A-Z][A-Za-z]{1,63}/[A-Za-z0-9.-]{1,64}");
  if (reference.empty() || std::regex_match(reference, kReference))
    return Status::Ok();
  return InvalidArgument("'reference' must be a FHIR reference such as DocumentReference/123");
}

Result<store::WritebackEntry> FindOwn(store::Store& store, const std::string& tenant,
                                      const std::string& intent_id) {
  ASSIGN_OR_RETURN(std::optional<store::WritebackEntry> entry,
                   store.FindWriteback(tenant, intent_id));
  if (!entry)
    return NotFound("no write-back with that intent id");
  return std::move(*entry);
}

Status CheckCompletable(const store::WritebackEntry& entry) {
  if (entry.route != store::WritebackRoute::kWorkItem)
    return Conflict("only work items are completed by staff; this entry's route is " +
                    std::string(store::WritebackRouteName(entry.route)));
  if (IsFinished(entry.status))
    return Conflict("this work item is already " +
                    std::string(store::WritebackStatusName(entry.status)));
  return Status::Ok();
}

// Claims the entry for `by`, rechecking it under the claim. A claim that finds the entry
// finished by someone else in between is released unchanged.
Result<store::WritebackEntry> ClaimForCompletion(store::Store& store,
                                                 const WorkItemCompletion& completion) {
  ASSIGN_OR_RETURN(std::optional<store::WritebackEntry> claimed,
                   store.ClaimWritebackById(completion.tenant, completion.intent_id,
                                            "staff:" + completion.by, kCompletionLease));
  if (!claimed)
    return Conflict("another worker holds this write-back; try again shortly");

  Status completable = CheckCompletable(*claimed);
  if (!completable.ok()) {
    RETURN_IF_ERROR(store.UpdateWriteback(*claimed));
    return completable;
  }
  return std::move(*claimed);
}

Status AppendConfirmation(store::Store& store, const store::WritebackEntry& entry,
                          const WorkItemCompletion& completion) {
  store::NewEvent confirmed{store::event_type::kWritebackConfirmed,
                            completion.actor,
                            {{"intent_id", entry.intent_id},
                             {"reference", entry.reference},
                             {"outcome", "completed_by_staff"},
                             {"by", completion.by}}};
  Status last;
  for (int attempt = 1; attempt <= kAppendAttempts; ++attempt) {
    ASSIGN_OR_RETURN(std::vector<store::Event> events, store.ReadTask(entry.task_id));
    int64_t last_task_seq = events.empty() ? 0 : events.back().task_seq;
    last = store.Append(entry.task_id, {confirmed}, last_task_seq, nullptr).status();
    if (last.code() != StatusCode::kConflict)
      return last;
  }
  return last;
}

Result<size_t> ParseLimit(const http::Request& request) {
  auto found = request.query.find("limit");
  if (found == request.query.end())
    return kDefaultLimit;
  const std::string& text = found->second;
  bool digits = !text.empty() && text.size() <= 3 &&
                text.find_first_not_of("0123456789") == std::string::npos;
  size_t limit = digits ? std::stoul(text) : 0;
  if (limit < 1 || limit > kMaxLimit)
    return InvalidArgument("'limit' must be a whole number from 1 to 500");
  return limit;
}

Result<store::WritebackFilter> ParseFilter(const http::Request& request,
                                           const std::string& tenant) {
  store::WritebackFilter filter;
  filter.tenant = tenant;
  filter.limit = kDefaultLimit;
  if (auto status = request.query.find("status"); status != request.query.end()) {
    ASSIGN_OR_RETURN(filter.status, store::ParseWritebackStatus(status->second));
  }
  if (auto route = request.query.find("route"); route != request.query.end()) {
    ASSIGN_OR_RETURN(filter.route, store::ParseWritebackRoute(route->second));
  }
  if (auto task = request.query.find("task"); task != request.query.end())
    filter.task_id = task->second;
  ASSIGN_OR_RETURN(filter.limit, ParseLimit(request));
  return filter;
}

Result<std::string> ParseCompletionBody(const std::string& body) {
  if (body.empty())
    return std::string();
  json parsed = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded() || !parsed.is_object())
    return InvalidArgument("the body must be a JSON object");
  for (const auto& [field, value] : parsed.items()) {
    if (field != "reference")
      return InvalidArgument("unknown field '" + field + "'");
    if (!value.is_string())
      return InvalidArgument("'reference' must be a string");
  }
  return parsed.value("reference", "");
}

class WritebackRoutes {
 public:
  explicit WritebackRoutes(WritebackRouteDependencies deps) : deps_(std::move(deps)) {}

  http::Response List(const http::Request& request) const {
    Result<auth::Principal> principal = deps_.authenticate(request);
    if (!principal.ok())
      return deps_.refuse(principal.status());
    Result<store::WritebackFilter> filter = ParseFilter(request, principal->tenant);
    if (!filter.ok())
      return http::Response::Problem(filter.status());

    Result<std::vector<store::WritebackEntry>> entries = deps_.store->ListWritebacks(*filter);
    if (!entries.ok())
      return http::Response::Problem(entries.status());
    json listed = json::array();
    for (const store::WritebackEntry& entry : *entries)
      listed.push_back(WritebackJson(entry));
    return http::Response::Json(200, {{"writebacks", listed}});
  }

  http::Response Show(const http::Request& request, const http::PathParams& params) const {
    return WithOwnEntry(request, params, [](const store::WritebackEntry& entry) {
      return http::Response::Json(200, WritebackJson(entry));
    });
  }

  http::Response Document(const http::Request& request, const http::PathParams& params) const {
    return WithOwnEntry(request, params, [](const store::WritebackEntry& entry) {
      if (entry.route != store::WritebackRoute::kWorkItem) {
        return http::Response::Problem(
            Conflict("only work items have a document for staff; this entry's route is " +
                     std::string(store::WritebackRouteName(entry.route))));
      }
      http::Response page = http::Response::Text(200, fhir::RenderWorkItemDocument(entry),
                                                 "text/html; charset=utf-8");
      page.headers["Cache-Control"] = "no-store";
      return page;
    });
  }

  http::Response Complete(const http::Request& request, const http::PathParams& params) const {
    Result<auth::Principal> principal = deps_.authenticate(request);
    if (!principal.ok())
      return deps_.refuse(principal.status());
    if (!principal->HasRole("staff") && !principal->HasRole("admin"))
      return http::Response::Problem(
          PermissionDenied("completing a work item needs the staff or admin role"));
    Result<std::string> reference = ParseCompletionBody(request.body);
    if (!reference.ok())
      return http::Response::Problem(reference.status());

    WorkItemCompletion completion{principal->tenant, params.at("intent_id"), *reference,
                                  principal->subject, principal->ToActorJson()};
    Result<store::WritebackEntry> completed = CompleteWorkItem(*deps_.store, completion);
    if (!completed.ok())
      return http::Response::Problem(completed.status());
    return http::Response::Json(200, WritebackJson(*completed));
  }

 private:
  http::Response WithOwnEntry(
      const http::Request& request, const http::PathParams& params,
      const std::function<http::Response(const store::WritebackEntry&)>& render) const {
    Result<auth::Principal> principal = deps_.authenticate(request);
    if (!principal.ok())
      return deps_.refuse(principal.status());
    Result<store::WritebackEntry> entry =
        FindOwn(*deps_.store, principal->tenant, params.at("intent_id"));
    if (!entry.ok())
      return http::Response::Problem(entry.status());
    return render(*entry);
  }

  const WritebackRouteDependencies deps_;
};

}  // namespace

json WritebackJson(const store::WritebackEntry& entry) {
  return {{"intent_id", entry.intent_id},
          {"task_id", entry.task_id},
          {"patient", entry.patient},
          {"kind", entry.kind},
          {"resource_type", entry.resource_type},
          {"route", store::WritebackRouteName(entry.route)},
          {"status", store::WritebackStatusName(entry.status)},
          {"attempts", entry.attempts},
          {"next_attempt_at", FormatTimestamp(entry.next_attempt_at)},
          {"reason", entry.reason},
          {"reference", entry.reference},
          {"created_at", FormatTimestamp(entry.created_at)},
          {"updated_at", FormatTimestamp(entry.updated_at)}};
}

Result<store::WritebackEntry> CompleteWorkItem(store::Store& store,
                                               const WorkItemCompletion& completion) {
  if (completion.by.empty())
    return InvalidArgument("who completed the work item must be named");
  RETURN_IF_ERROR(CheckReference(completion.reference));
  ASSIGN_OR_RETURN(store::WritebackEntry found,
                   FindOwn(store, completion.tenant, completion.intent_id));
  RETURN_IF_ERROR(CheckCompletable(found));
  // The confirmation is recorded on the task after the entry changes; a missing task is found
  // now, before anything is written.
  Status task = store.ReadTask(found.task_id).status();
  if (task.code() == StatusCode::kNotFound)
    return FailedPrecondition("the work item's task is not in the store");
  RETURN_IF_ERROR(task);

  ASSIGN_OR_RETURN(store::WritebackEntry entry, ClaimForCompletion(store, completion));
  entry.status = store::WritebackStatus::kConfirmed;
  entry.reason.clear();
  if (!completion.reference.empty())
    entry.reference = completion.reference;
  RETURN_IF_ERROR(store.UpdateWriteback(entry));

  RETURN_IF_ERROR(AppendConfirmation(store, entry, completion));
  log::Info("api", "writeback.completed_by_staff",
            {{"intent", entry.intent_id}, {"task", entry.task_id}, {"tenant", entry.tenant}});
  ASSIGN_OR_RETURN(store::WritebackEntry stored,
                   FindOwn(store, completion.tenant, completion.intent_id));
  return stored;
}

void AddWritebackRoutes(http::Router& router, const WritebackRouteDependencies& dependencies) {
  auto routes = std::make_shared<const WritebackRoutes>(dependencies);
  router.Add("GET", "/v1/writebacks",
             [routes](const http::Request& r, const http::PathParams&) { return routes->List(r); });
  router.Add(
      "GET", "/v1/writebacks/{intent_id}",
      [routes](const http::Request& r, const http::PathParams& p) { return routes->Show(r, p); });
  router.Add("GET", "/v1/writebacks/{intent_id}/document",
             [routes](const http::Request& r, const http::PathParams& p) {
               return routes->Document(r, p);
             });
  router.Add("POST", "/v1/writebacks/{intent_id}/complete",
             [routes](const http::Request& r, const http::PathParams& p) {
               return routes->Complete(r, p);
             });
}

}  // namespace medulla::api
