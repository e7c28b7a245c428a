// A fixture for audit tests: a real SQLite store in a fresh directory, verbs that record the
// events a clinic task leaves behind, and verbs that tamper with the file the way someone with
// file access would (dropping the append-only triggers first).
#pragma once

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "audit/chain_verifier.h"
#include "audit/sqlite_backup.h"
#include "common/ids.h"
#include "common/time.h"
#include "store/event.h"
#include "store/store.h"
#include "support/temp_dir.h"

namespace medulla::audit {

namespace event_type = store::event_type;
using nlohmann::json;

// Looks like a signed JWT; no account may ever print it.
inline constexpr char kGrantToken[] =
    "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJkci1ncmV5In0.c2lnbmF0dXJlLW9mLXRoZS1ncmFudA";
inline constexpr char kBearerToken[] = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1c2VyIn0.YmVhcmVyLXNpZw";

enum class WriteEnding { kConfirmed, kHeld, kFailed };

struct ClinicTask {
  std::string tenant = "clinic-a";
  std::string subject = "dr-grey";
  std::string agent = "scribe";
  std::string patient = "Patient/p-100";
  WriteEnding ending = WriteEnding::kConfirmed;
};

class AuditTest : public ::testing::Test {
 protected:
  AuditTest() : clock_(*ParseTimestamp("2026-03-02T09:00:00Z")) {}

  void SetUp() override { Open(); }

  std::string StorePath() const { return directory_.File("medulla.db"); }
  std::string StoreUrl() const { return "sqlite:" + StorePath(); }

  void Open() {
    Result<std::unique_ptr<store::Store>> opened = store::OpenSqliteStore(StorePath(), clock_);
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    store_ = std::move(opened).value();
  }

  // Closes the store so that the next read sees the file as a restarted process would.
  void Reopen() {
    store_.reset();
    Open();
  }

  static json Actor(const ClinicTask& task, bool with_agent = true) {
    json actor = {{"sub", task.subject},
                  {"tenant", task.tenant},
                  {"roles", {"clinician"}},
                  {"sid", "session-42"},
                  {"purpose_of_use", "treatment"}};
    if (with_agent)
      actor["agent"] = task.agent;
    return actor;
  }

  // Records what a scribe task leaves in the log: a refused tool, a tool policy denies, and a
  // drafted note that reads the patient's data and ends as `task.ending` says.
  std::string RecordTask(const ClinicTask& task) {
    std::string task_id = NewUuid();
    json principal = {{"sub", task.subject},          {"roles", {"clinician"}},
                      {"scopes", {"user/*.read"}},    {"sid", "session-42"},
                      {"jti", "token-id-7"},          {"purpose_of_use", "treatment"},
                      {"exp", "2026-03-02T10:00:00Z"}};
    store::NewEvent created{
        event_type::kTaskCreated,
        Actor(task, false),
        {{"input", "Follow-up visit, Authorization: Bearer " + std::string(kBearerToken)},
         {"principal", principal},
         {"agent", task.agent},
         {"patient", task.patient}}};
    Result<store::CreatedTask> made = store_->CreateTask({task_id, task.tenant, {}, created});
    EXPECT_TRUE(made.ok()) << made.status().ToString();

    std::string intent = "intent-" + task_id.substr(0, 8);
    std::vector<store::NewEvent> events = {
        {event_type::kTaskRouted,
         Actor(task, false),
         {{"route", {task.agent}}, {"reason", "requested"}, {"confidence", 1.0}}},
        {event_type::kAgentStarted, Actor(task), {{"agent", task.agent}}},
        {event_type::kModelResponded,
         Actor(task),
         {{"agent", task.agent},
          {"provider", "offline"},
          {"model", "rules-1"},
          {"purpose", "scribe.draft_note"},
          {"content", "Drafting the note now; grant " + std::string(kGrantToken)},
          {"tool_calls",
           {{{"id", "c1"}, {"name", "order_labs"}, {"arguments", json::object()}},
            {{"id", "c2"}, {"name", "read_billing"}, {"arguments", json::object()}},
            {{"id", "c3"},
             {"name", "draft_note"},
             {"arguments", {{"authorization", "Bearer " + std::string(kBearerToken)}}}}}}}},
        {event_type::kToolCalled,
         Actor(task),
         {{"agent", task.agent}, {"call_id", "c1"}, {"tool", "order_labs"}, {"arguments", {}}}},
        {event_type::kToolRefused,
         Actor(task),
         {{"agent", task.agent},
          {"call_id", "c1"},
          {"tool", "order_labs"},
          {"reason", "tool not offered"}}},
        {event_type::kToolCalled,
         Actor(task),
         {{"agent", task.agent}, {"call_id", "c2"}, {"tool", "read_billing"}, {"arguments", {}}}},
        {event_type::kPolicyDecided,
         Actor(task),
         {{"agent", task.agent},
          {"point", "orchestrator"},
          {"action", "tool:read_billing"},
          {"resource", "tenant:" + task.tenant + "/" + task.patient},
          {"effect", "deny"},
          {"statement", "BillingStaffOnly"},
          {"reason", "no statement allows"}}},
        {event_type::kToolFailed,
         Actor(task),
         {{"agent", task.agent},
          {"call_id", "c2"},
          {"tool", "read_billing"},
          {"reason", "policy denies tool:read_billing"}}},
        {event_type::kToolCalled,
         Actor(task),
         {{"agent", task.agent},
          {"call_id", "c3"},
          {"tool", "draft_note"},
          {"arguments", {{"grant", kGrantToken}}}}},
        {event_type::kPolicyDecided,
         Actor(task),
         {{"agent", task.agent},
          {"point", "orchestrator"},
          {"action", "tool:draft_note"},
          {"resource", "tenant:" + task.tenant + "/" + task.patient},
          {"effect", "allow"},
          {"statement", "CliniciansDraftNotes"}}},
        {event_type::kConsentChecked,
         Actor(task),
         {{"agent", task.agent},
          {"patient", task.patient},
          {"purpose", "treatment"},
          {"permitted", true},
          {"consent", "Consent/c-9"}}},
        {event_type::kGrantIssued,
         Actor(task),
         {{"agent", task.agent},
          {"call_id", "c3"},
          {"tool", "draft_note"},
          {"grant_id", "grant-31"},
          {"scopes", {"patient/Observation.read"}},
          {"audience", "medulla-integration"},
          {"expires_at", "2026-03-02T09:05:00Z"}}},
        {event_type::kDataViewed,
         Actor(task),
         {{"agent", task.agent}, {"resource", task.patient}, {"elements", {"name", "birthDate"}}}},
        {event_type::kDataViewed,
         Actor(task),
         {{"agent", task.agent},
          {"resource", "Observation/obs-5"},
          {"elements", {"code", "valueQuantity"}}}},
        {event_type::kIntentEmitted,
         Actor(task),
         {{"intent_id", intent},
          {"agent", task.agent},
          {"kind", "draft_note"},
          {"resource_type", "DocumentReference"},
          {"risk", "write"},
          {"intent", {{"token", kGrantToken}}}}},
        {event_type::kToolCompleted,
         Actor(task),
         {{"agent", task.agent},
          {"call_id", "c3"},
          {"tool", "draft_note"},
          {"result", {{"grant", kGrantToken}}}}},
    };
    AppendEnding(task, intent, events);
    Result<std::vector<store::Event>> appended = store_->Append(task_id, events, 1, nullptr);
    EXPECT_TRUE(appended.ok()) << appended.status().ToString();
    return task_id;
  }

  static void AppendEnding(const ClinicTask& task, const std::string& intent,
                           std::vector<store::NewEvent>& events) {
    std::string outcome = "done";
    if (task.ending == WriteEnding::kConfirmed) {
      events.push_back({event_type::kPolicyDecided,
                        Actor(task),
                        {{"agent", task.agent},
                         {"intent_id", intent},
                         {"point", "integration"},
                         {"action", "write:DocumentReference"},
                         {"effect", "allow"},
                         {"statement", "AgentsDraftForClinicians"}}});
      events.push_back({event_type::kWritebackConfirmed,
                        Actor(task),
                        {{"intent_id", intent},
                         {"reference", "DocumentReference/doc-77"},
                         {"outcome", "created"},
                         {"attempts", 1}}});
    } else if (task.ending == WriteEnding::kHeld) {
      outcome = "escalated";
      events.push_back({event_type::kWritebackHeld,
                        Actor(task),
                        {{"intent_id", intent}, {"reason", "held for review: low confidence"}}});
    } else {
      outcome = "failed";
      events.push_back(
          {event_type::kWritebackFailed,
           Actor(task),
           {{"intent_id", intent}, {"reason", "the EHR refused the write"}, {"retryable", false}}});
    }
    events.push_back({event_type::kAgentCompleted,
                      Actor(task),
                      {{"agent", task.agent}, {"outcome", outcome}, {"output", json::object()}}});
    events.push_back({event_type::kTaskCompleted, Actor(task, false), {{"status", outcome}}});
  }

  // Two tenants, two tasks each, interleaved in the log.
  void RecordClinicDay() {
    for (int round = 0; round < 2; ++round) {
      RecordTask({"clinic-a", "dr-grey"});
      RecordTask({"clinic-b", "dr-shepherd", "intake"});
    }
  }

  std::vector<store::Event> TenantEvents(const std::string& tenant) {
    Result<std::vector<store::Event>> events = store_->ReadTenant(tenant, 0, 100000);
    EXPECT_TRUE(events.ok()) << events.status().ToString();
    return events.ok() ? *events : std::vector<store::Event>{};
  }

  int64_t EventCount() {
    Result<std::vector<store::Event>> events = store_->ReadSince(0, 1000000);
    return events.ok() ? static_cast<int64_t>(events->size()) : -1;
  }

  // Runs `sql` through a raw connection after dropping the triggers that keep events
  // append-only, as someone holding the file could; then reopens the store.
  void Tamper(const std::string& sql) {
    RunRaw(
        "DROP TRIGGER IF EXISTS events_refuse_update; "
        "DROP TRIGGER IF EXISTS events_refuse_delete; " +
        sql);
    Reopen();
  }

  void RunRaw(const std::string& sql) {
    sqlite3* connection = nullptr;
    ASSERT_EQ(sqlite3_open(StorePath().c_str(), &connection), SQLITE_OK);
    sqlite3_busy_timeout(connection, 5000);
    char* error = nullptr;
    int code = sqlite3_exec(connection, sql.c_str(), nullptr, nullptr, &error);
    std::string message = error != nullptr ? error : "";
    sqlite3_free(error);
    sqlite3_close(connection);
    ASSERT_EQ(code, SQLITE_OK) << message;
  }

  // Verifies one tenant, optionally against the chain heads recorded in the file.
  TenantVerdict VerdictFor(const std::string& tenant, bool with_heads = false) {
    VerifyOptions options;
    options.tenant = tenant;
    options.page_size = 7;  // small pages, so walks cross page boundaries
    if (with_heads) {
      Result<std::map<std::string, RecordedHead>> heads = ReadSqliteChainHeads(StorePath());
      EXPECT_TRUE(heads.ok()) << heads.status().ToString();
      if (heads.ok())
        options.recorded_heads = *heads;
    }
    Result<std::vector<TenantVerdict>> verdicts = Verify(*store_, options);
    EXPECT_TRUE(verdicts.ok()) << verdicts.status().ToString();
    if (!verdicts.ok() || verdicts->size() != 1)
      return {};
    return verdicts->front();
  }

  testing::TempDir directory_;
  ManualClock clock_;
  std::unique_ptr<store::Store> store_;
};

}  // namespace medulla::audit
