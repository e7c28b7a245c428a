// The write-back routes, dispatched through the gateway's router as the server would: what
// they show each tenant, the work-item page, and who may complete a work item.
#include "api/writebacks.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>

#include "api/gateway.h"
#include "common/ids.h"
#include "store/store.h"
#include "support/temp_dir.h"

namespace medulla::api {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

constexpr std::chrono::milliseconds kLease{30'000};

class WritebacksApiTest : public ::testing::Test {
 protected:
  WritebacksApiTest() : clock_(*ParseTimestamp("2026-03-02T09:00:00Z")) {
    store_ = std::move(store::OpenSqliteStore(dir_.File("medulla.db"), clock_)).value();
    principals_["staff-token"] = Principal("front-desk-1", "clinic-a", {"staff"});
    principals_["admin-token"] = Principal("admin-1", "clinic-a", {"admin"});
    principals_["clinician-token"] = Principal("dr-1", "clinic-a", {"clinician"});
    principals_["other-tenant-token"] = Principal("front-desk-9", "clinic-b", {"staff"});

    GatewayDependencies deps;
    deps.store = store_.get();
    deps.authenticate = [this](std::string_view token) -> Result<auth::Principal> {
      auto found = principals_.find(std::string(token));
      if (found == principals_.end())
        return Unauthenticated("token refused");
      return found->second;
    };
    router_ = MakeGatewayRouter(deps);
  }

  static auth::Principal Principal(const std::string& subject, const std::string& tenant,
                                   std::vector<std::string> roles) {
    auth::Principal principal;
    principal.subject = subject;
    principal.tenant = tenant;
    principal.roles = std::move(roles);
    return principal;
  }

  // A task that has run and left the queue.
  std::string FinishedTask(const std::string& tenant = "clinic-a") {
    std::string task_id = NewUuid();
    store::NewEvent created{store::event_type::kTaskCreated, {{"sub", "dr-1"}}, {{"agent", "x"}}};
    EXPECT_TRUE(store_->CreateTask({task_id, tenant, {}, created}).ok());
    Result<std::optional<store::Lease>> lease = store_->Claim("runner", kLease);
    EXPECT_TRUE(lease.ok() && lease->has_value());
    EXPECT_TRUE(store_->Finish(**lease).ok());
    return task_id;
  }

  store::WritebackEntry Enqueue(const std::string& intent_id, store::WritebackRoute route,
                                const std::string& tenant = "clinic-a") {
    store::WritebackEntry entry;
    entry.tenant = tenant;
    entry.intent_id = intent_id;
    entry.task_id = FinishedTask(tenant);
    entry.patient = "Patient/p-1";
    entry.kind = "draft_note";
    entry.resource_type = "DocumentReference";
    entry.route = route;
    entry.intent = {
        {"kind", "draft_note"},
        {"encounter", "Encounter/e-1"},
        {"content", {{"date", "2026-03-02"}, {"subjective", "Headache <since> Monday"}}}};
    entry.next_attempt_at = clock_.Now();
    EXPECT_TRUE(*store_->EnqueueWriteback(entry));
    return entry;
  }

  http::Response Call(const std::string& method, const std::string& target,
                      const std::string& token, const std::string& body = "") {
    http::Request request;
    request.method = method;
    request.target = target;
    size_t question = target.find('?');
    request.path = target.substr(0, question);
    if (question != std::string::npos) {
      std::string query = target.substr(question + 1);
      size_t start = 0;
      while (start < query.size()) {
        size_t amp = query.find('&', start);
        std::string pair = query.substr(start, amp - start);
        size_t equals = pair.find('=');
        request.query[pair.substr(0, equals)] =
            equals == std::string::npos ? "" : pair.substr(equals + 1);
        start = amp == std::string::npos ? query.size() : amp + 1;
      }
    }
    if (!token.empty())
      request.headers["Authorization"] = "Bearer " + token;
    request.body = body;
    return router_.Dispatch(request);
  }

  json Body(const http::Response& response) { return json::parse(response.body, nullptr, false); }

  json Problem(const http::Response& response) {
    EXPECT_EQ(response.headers.at("Content-Type"), "application/problem+json");
    return Body(response);
  }

  std::vector<std::string> ListedIds(const std::string& target, const std::string& token) {
    http::Response response = Call("GET", target, token);
    EXPECT_EQ(response.status, 200) << response.body;
    json listed = Body(response);
    std::vector<std::string> ids;
    for (const json& entry : listed["writebacks"])
      ids.push_back(entry["intent_id"]);
    return ids;
  }

  std::vector<store::Event> TaskEvents(const std::string& task_id) {
    return *store_->ReadTask(task_id);
  }

  testing::TempDir dir_;
  ManualClock clock_;
  std::unique_ptr<store::Store> store_;
  std::map<std::string, auth::Principal> principals_;
  http::Router router_;
};

TEST_F(WritebacksApiTest, ListShowsTheCallersTenantsEntriesWithoutTheirContent) {
  store::WritebackEntry entry = Enqueue("note-1", store::WritebackRoute::kFhir);
  Enqueue("theirs", store::WritebackRoute::kFhir, "clinic-b");

  http::Response response = Call("GET", "/v1/writebacks", "clinician-token");

  ASSERT_EQ(response.status, 200) << response.body;
  json listed = Body(response)["writebacks"];
  ASSERT_EQ(listed.size(), 1u);
  json shown = listed[0];
  EXPECT_EQ(shown["intent_id"], "note-1");
  EXPECT_EQ(shown["task_id"], entry.task_id);
  EXPECT_EQ(shown["kind"], "draft_note");
  EXPECT_EQ(shown["resource_type"], "DocumentReference");
  EXPECT_EQ(shown["route"], "fhir");
  EXPECT_EQ(shown["status"], "pending");
  EXPECT_EQ(shown["attempts"], 0);
  EXPECT_EQ(shown["next_attempt_at"], "2026-03-02T09:00:00.000Z");
  EXPECT_EQ(shown["created_at"], "2026-03-02T09:00:00.000Z");
  EXPECT_FALSE(shown.contains("intent"));
  EXPECT_THAT(response.body, Not(HasSubstr("Headache")));
}

TEST_F(WritebacksApiTest, ListFiltersByStatusRouteTaskAndLimit) {
  store::WritebackEntry note = Enqueue("note-1", store::WritebackRoute::kFhir);
  Enqueue("item-1", store::WritebackRoute::kWorkItem);
  Enqueue("vendor-1", store::WritebackRoute::kVendorApi);

  EXPECT_THAT(ListedIds("/v1/writebacks?route=work_item", "staff-token"),
              ::testing::ElementsAre("item-1"));
  EXPECT_THAT(ListedIds("/v1/writebacks?task=" + note.task_id, "staff-token"),
              ::testing::ElementsAre("note-1"));
  EXPECT_THAT(ListedIds("/v1/writebacks?status=pending&limit=2", "staff-token"),
              ::testing::ElementsAre("note-1", "item-1"));
  EXPECT_TRUE(ListedIds("/v1/writebacks?status=confirmed", "staff-token").empty());
}

TEST_F(WritebacksApiTest, ListRefusesUnknownFiltersWithAProblem) {
  for (const char* target :
       {"/v1/writebacks?status=done", "/v1/writebacks?route=fax", "/v1/writebacks?limit=0",
        "/v1/writebacks?limit=501", "/v1/writebacks?limit=ten"}) {
    http::Response response = Call("GET", target, "staff-token");

    EXPECT_EQ(response.status, 400) << target;
    EXPECT_EQ(Problem(response)["title"], "Invalid request") << target;
  }
}

TEST_F(WritebacksApiTest, EveryRouteNeedsAToken) {
  Enqueue("item-1", store::WritebackRoute::kWorkItem);

  for (auto [method, target] : std::vector<std::pair<std::string, std::string>>{
           {"GET", "/v1/writebacks"},
           {"GET", "/v1/writebacks/item-1"},
           {"GET", "/v1/writebacks/item-1/document"},
           {"POST", "/v1/writebacks/item-1/complete"}}) {
    http::Response response = Call(method, target, "");

    EXPECT_EQ(response.status, 401) << target;
    EXPECT_THAT(response.headers["WWW-Authenticate"], HasSubstr("Bearer")) << target;
  }
}

TEST_F(WritebacksApiTest, ShowAnswersTheEntryAndHidesOtherTenantsEntries) {
  Enqueue("note-1", store::WritebackRoute::kFhir);

  http::Response ours = Call("GET", "/v1/writebacks/note-1", "staff-token");
  http::Response theirs = Call("GET", "/v1/writebacks/note-1", "other-tenant-token");
  http::Response missing = Call("GET", "/v1/writebacks/nothing", "staff-token");

  ASSERT_EQ(ours.status, 200);
  EXPECT_EQ(Body(ours)["patient"], "Patient/p-1");
  EXPECT_EQ(theirs.status, 404);
  EXPECT_EQ(Problem(theirs)["title"], "Not found");
  EXPECT_EQ(missing.status, 404);
}

TEST_F(WritebacksApiTest, DocumentIsAPrintableEscapedPageForAWorkItem) {
  Enqueue("item-1", store::WritebackRoute::kWorkItem);

  http::Response response = Call("GET", "/v1/writebacks/item-1/document", "staff-token");

  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_THAT(response.headers["Content-Type"], HasSubstr("text/html"));
  EXPECT_THAT(response.body, HasSubstr("@media print"));
  EXPECT_THAT(response.body, HasSubstr("Encounter/e-1"));
  EXPECT_THAT(response.body, HasSubstr("Headache &lt;since&gt; Monday"));
}

TEST_F(WritebacksApiTest, DocumentOfAnEntryTheEhrTakesDirectlyIsAConflict) {
  Enqueue("note-1", store::WritebackRoute::kFhir);

  http::Response response = Call("GET", "/v1/writebacks/note-1/document", "staff-token");

  EXPECT_EQ(response.status, 409);
  EXPECT_EQ(Problem(response)["title"], "Conflict");
}

TEST_F(WritebacksApiTest, StaffCompletionConfirmsTheItemAndRecordsItOnTheTask) {
  store::WritebackEntry item = Enqueue("item-1", store::WritebackRoute::kWorkItem);

  http::Response response = Call("POST", "/v1/writebacks/item-1/complete", "staff-token",
                                 R"({"reference": "DocumentReference/881"})");

  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(Body(response)["status"], "confirmed");
  EXPECT_EQ(Body(response)["reference"], "DocumentReference/881");
  store::WritebackEntry stored = **store_->FindWriteback("clinic-a", "item-1");
  EXPECT_EQ(stored.status, store::WritebackStatus::kConfirmed);
  EXPECT_EQ(stored.reference, "DocumentReference/881");

  std::vector<store::Event> events = TaskEvents(item.task_id);
  const store::Event& confirmed = events.back();
  EXPECT_EQ(confirmed.type, store::event_type::kWritebackConfirmed);
  EXPECT_EQ(confirmed.payload["intent_id"], "item-1");
  EXPECT_EQ(confirmed.payload["reference"], "DocumentReference/881");
  EXPECT_EQ(confirmed.payload["outcome"], "completed_by_staff");
  EXPECT_EQ(confirmed.payload["by"], "front-desk-1");
  EXPECT_EQ(confirmed.actor["sub"], "front-desk-1");
}

TEST_F(WritebacksApiTest, AdminMayCompleteWithoutAReference) {
  Enqueue("item-1", store::WritebackRoute::kWorkItem);

  http::Response response = Call("POST", "/v1/writebacks/item-1/complete", "admin-token");

  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(Body(response)["status"], "confirmed");
}

TEST_F(WritebacksApiTest, CompletionByACallerWithoutTheStaffRoleIsForbidden) {
  store::WritebackEntry item = Enqueue("item-1", store::WritebackRoute::kWorkItem);

  http::Response response = Call("POST", "/v1/writebacks/item-1/complete", "clinician-token");

  EXPECT_EQ(response.status, 403);
  EXPECT_EQ(Problem(response)["title"], "Forbidden");
  EXPECT_EQ((*store_->FindWriteback("clinic-a", "item-1"))->status,
            store::WritebackStatus::kPending);
  EXPECT_EQ(TaskEvents(item.task_id).size(), 1u);
}

TEST_F(WritebacksApiTest, CompletingAnEntryOnAnotherRouteIsAConflict) {
  store::WritebackEntry note = Enqueue("note-1", store::WritebackRoute::kFhir);

  http::Response response = Call("POST", "/v1/writebacks/note-1/complete", "staff-token");

  EXPECT_EQ(response.status, 409);
  EXPECT_THAT(Problem(response)["detail"].get<std::string>(), HasSubstr("only work items"));
  EXPECT_EQ((*store_->FindWriteback("clinic-a", "note-1"))->fence, 0);
  EXPECT_EQ(TaskEvents(note.task_id).size(), 1u);
}

TEST_F(WritebacksApiTest, CompletingTwiceIsAConflictAndRecordsOnce) {
  store::WritebackEntry item = Enqueue("item-1", store::WritebackRoute::kWorkItem);
  ASSERT_EQ(Call("POST", "/v1/writebacks/item-1/complete", "staff-token").status, 200);

  http::Response again = Call("POST", "/v1/writebacks/item-1/complete", "staff-token");

  EXPECT_EQ(again.status, 409);
  EXPECT_THAT(Problem(again)["detail"].get<std::string>(), HasSubstr("already confirmed"));
  EXPECT_EQ(TaskEvents(item.task_id).size(), 2u);
}

TEST_F(WritebacksApiTest, CompletingWhileAnotherWorkerHoldsTheItemIsAConflict) {
  Enqueue("item-1", store::WritebackRoute::kWorkItem);
  ASSERT_TRUE(store_->ClaimWritebackById("clinic-a", "item-1", "desk-2", kLease)->has_value());

  http::Response response = Call("POST", "/v1/writebacks/item-1/complete", "staff-token");

  EXPECT_EQ(response.status, 409);
  EXPECT_THAT(Problem(response)["detail"].get<std::string>(), HasSubstr("another worker"));
}

TEST_F(WritebacksApiTest, CompletingAnotherTenantsItemIsNotFound) {
  Enqueue("item-1", store::WritebackRoute::kWorkItem);

  http::Response response = Call("POST", "/v1/writebacks/item-1/complete", "other-tenant-token");

  EXPECT_EQ(response.status, 404);
  EXPECT_EQ((*store_->FindWriteback("clinic-a", "item-1"))->status,
            store::WritebackStatus::kPending);
}

TEST_F(WritebacksApiTest, CompletionRefusesAMalformedBody) {
  Enqueue("item-1", store::WritebackRoute::kWorkItem);

  for (const char* body : {"not json", "[1]", R"({"reference": 5})", R"({"note": "done"})",
                           R"({"reference": "written in the chart"})"}) {
    http::Response response = Call("POST", "/v1/writebacks/item-1/complete", "staff-token", body);

    EXPECT_EQ(response.status, 400) << body;
    EXPECT_EQ(Problem(response)["title"], "Invalid request") << body;
  }
  EXPECT_EQ((*store_->FindWriteback("clinic-a", "item-1"))->status,
            store::WritebackStatus::kPending);
}

}  // namespace
}  // namespace medulla::api
