// The clinic day against an EHR that misbehaves: the sandbox's generic persona delays, times
// out, throttles, fails, refuses and drops a seeded tenth of the calls a node makes, while
// every shipped visit runs and the outbox drains. Whatever the agents wanted written must end
// in the EHR exactly once, or be held for a person with a reason; nothing may be lost.
#include <gtest/gtest.h>

#include <chrono>
#include <iostream>
#include <map>
#include <set>

#include "clinic/clinic_day.h"
#include "fhir/intent.h"
#include "support/outbox_watch.h"
#include "support/running_node.h"
#include "support/sandbox_environment.h"

namespace medulla::testing {
namespace {

using nlohmann::json;

const auto* const kEnvironment = SandboxEnvironment::Register();

// Two clinics run the same day on one node, so the EHR sees about a hundred intents and a few
// hundred calls: enough for every kind of fault to turn up under a tenth.
const std::vector<std::string> kTenants = {"clinic-faults-north", "clinic-faults-south"};
constexpr char kWritebackSystem[] = "urn:medulla:writeback";

// A tenth of all FHIR calls, every kind, a fixed seed; a held request is dropped after 1.5 s,
// well inside the node's own 10 s deadline, so timeouts cost seconds, not minutes. Which call
// meets which fault still depends on the order the node's threads reach the sandbox.
const json kFaults = {{"rate", 0.1},
                      {"seed", 7},
                      {"kinds", {"latency", "timeout", "429", "5xx", "409", "412", "drop"}},
                      {"timeout_ms", 1500}};

struct SubmittedTask {
  std::string id;
  std::string token;  // its tenant's
};

// What a task's event log says about its intents: those its agents emitted, and the reasons of
// those it held on the task itself, by intent id.
struct TaskIntents {
  std::vector<std::string> emitted;
  std::map<std::string, std::string> held_on_task;
};

// Counts by name, printed as one JSON object.
using Tally = std::map<std::string, int>;

class EhrFaultsTest : public ::testing::Test {
 protected:
  EhrFaultsTest()
      : node_(SandboxEnvironment::ehr().fhir_base(), [](cli::Config& config) {
          config.workers = 4;
          // Reconciliation runs during the drain, so it too meets the faults.
          config.reconcile_interval_ms = 2000;
          // Reconciliation can interrupt a running task (see ReconciliationDuringATask below),
          // which then waits out its lease; a shorter lease keeps that from eating the deadline.
          config.lease_ms = 15000;
        }) {
    for (const std::string& tenant : kTenants)
      tokens_.push_back(node_.Token(tenant));
  }

  void TearDown() override { SandboxEnvironment::ehr().ClearFaults(); }

  std::vector<SubmittedTask> SubmitClinicDays() {
    Result<std::vector<clinic::Appointment>> day = clinic::LoadClinicDay("data");
    EXPECT_TRUE(day.ok()) << day.status().ToString();
    std::vector<SubmittedTask> tasks;
    if (!day.ok())
      return tasks;
    for (const std::string& token : tokens_) {
      for (const clinic::Appointment& visit : *day) {
        json body = {{"input", {{"dialogue", visit.dialogue}, {"encounter", visit.encounter}}},
                     {"patient", visit.patient}};
        tasks.push_back({node_.Submit(body, token), token});
      }
    }
    return tasks;
  }

  TaskIntents IntentsOf(const SubmittedTask& task) {
    http::ClientResponse response =
        node_.Call("GET", "/v1/tasks/" + task.id + "/events", "", task.token);
    json answer = json::parse(response.body, nullptr, false);
    TaskIntents intents;
    if (!answer.is_object() || !answer["events"].is_array()) {
      ADD_FAILURE() << "no events for task " << task.id << ": " << response.body;
      return intents;
    }
    for (const json& event : answer["events"]) {
      if (event["type"] == "intent.emitted")
        intents.emitted.push_back(event["payload"]["intent_id"]);
      if (event["type"] == "writeback.held")
        intents.held_on_task[event["payload"]["intent_id"]] = event["payload"].value("reason", "");
    }
    return intents;
  }

  // Every tenant's outbox entries by intent id, once nothing on the FHIR route is left to try.
  std::map<std::string, json> SettledOutbox() {
    std::map<std::string, json> outbox;
    for (const std::string& token : tokens_) {
      if (!WaitForOutboxToSettle(node_, token, "fhir", std::chrono::seconds(240)))
        return outbox;
      for (const json& entry : ListWritebacks(node_, token))
        outbox[entry["intent_id"]] = entry;
    }
    return outbox;
  }

  RunningNode node_;
  std::vector<std::string> tokens_;
};

TEST_F(EhrFaultsTest, EveryIntentEndsWrittenOnceOrHeldWhileTheEhrFaultsATenthOfCalls) {
  json armed = SandboxEnvironment::ehr().SetFaults(kFaults);
  ASSERT_FALSE(armed.contains("error")) << armed.dump();

  std::vector<SubmittedTask> tasks = SubmitClinicDays();
  ASSERT_GE(tasks.size(), 40u);
  Tally task_outcomes;
  Tally unfinished_reasons;
  for (const SubmittedTask& task : tasks) {
    json state = node_.WaitForTask(task.id, task.token);
    std::string status = state.value("status", "unfinished");
    ++task_outcomes[status];
    for (const json& step : state.value("steps", json::array())) {
      if (step.value("outcome", "") != "done")
        ++unfinished_reasons[step.value("agent", "") + " " + step.value("outcome", "") + ": " +
                             step.value("reason", "")];
    }
  }
  std::map<std::string, json> outbox = SettledOutbox();
  ASSERT_FALSE(HasFailure()) << "the outbox did not settle";
  json injected = FaultReport(SandboxEnvironment::ehr());

  size_t emitted = 0;
  size_t held_for_review = 0;
  for (const SubmittedTask& task : tasks) {
    TaskIntents intents = IntentsOf(task);
    for (const std::string& intent : intents.emitted) {
      ++emitted;
      EXPECT_EQ(outbox.count(intent), 1u)
          << "intent " << intent << " of task " << task.id << " never reached the outbox";
      if (intents.held_on_task[intent].rfind("held for review", 0) == 0)
        ++held_for_review;
    }
  }
  Tally entry_statuses;
  int retried = 0;
  for (const auto& [intent, entry] : outbox) {
    std::string status = entry["status"];
    ++entry_statuses[status];
    retried += entry["attempts"].get<int>() > 1 ? 1 : 0;
    EXPECT_TRUE(status == "confirmed" || status == "reconciled" || status == "held")
        << entry.dump();
    if (status == "held") {
      EXPECT_FALSE(entry["reason"].get<std::string>().empty()) << entry.dump();
    }
  }
  json duplicates = SandboxEnvironment::ehr().Duplicates("generic", kWritebackSystem);

  EXPECT_GE(emitted, 50u) << "too few writes to say much about faults";
  EXPECT_EQ(entry_statuses["failed"], 0);
  ASSERT_FALSE(duplicates.contains("error")) << duplicates.dump();
  EXPECT_EQ(duplicates["count"], 0) << duplicates.dump();
  ASSERT_FALSE(injected.contains("error")) << injected.dump();
  int kinds_injected = 0;
  for (const auto& [kind, count] : injected["counts"].items())
    kinds_injected += count.get<int>() > 0 ? 1 : 0;
  EXPECT_GE(kinds_injected, 4) << injected.dump();

  std::cout << "ehr faults: tasks " << json(task_outcomes).dump() << "; intents " << emitted
            << ", held for review on their task " << held_for_review << "; outbox " << outbox.size()
            << " " << json(entry_statuses).dump() << ", retried " << retried << "; duplicates "
            << duplicates["count"] << "; faults " << injected["faulted"] << " of "
            << injected["requests"] << " calls " << injected["counts"].dump() << "\n"
            << "steps not done: " << json(unfinished_reasons).dump() << "\n";
}

// A draft whose step escalated is held on its task's event log and in the outbox alike, so that
// staff listing held write-backs (GET /v1/writebacks, `medulla writeback list`) see it.
TEST(HeldForReview, DraftOfAnEscalatedStepIsListedInTheOutbox) {
  ASSERT_FALSE(SandboxEnvironment::ehr().ClearFaults().contains("error"));
  Result<std::vector<clinic::Appointment>> day = clinic::LoadClinicDay("data");
  ASSERT_TRUE(day.ok()) << day.status().ToString();
  const clinic::Appointment* visit = nullptr;
  for (const clinic::Appointment& appointment : *day) {
    if (appointment.visit == "D2N038")  // the scribe's draft falls below the threshold
      visit = &appointment;
  }
  ASSERT_NE(visit, nullptr);
  RunningNode node(SandboxEnvironment::ehr().fhir_base());
  std::string token = node.Token("clinic-review");
  std::string note =
      fhir::MakeIntentId("clinic-review", visit->encounter, fhir::IntentKind::kDraftNote);

  json state = node.WaitForTask(
      node.Submit({{"input", {{"dialogue", visit->dialogue}, {"encounter", visit->encounter}}},
                   {"patient", visit->patient}},
                  token),
      token);

  ASSERT_EQ(state["status"], "escalated") << state.dump(2);
  bool held_on_task = false;
  for (const json& intent : state["intents"])
    held_on_task = held_on_task || (intent["intent_id"] == note && intent["status"] == "held");
  ASSERT_TRUE(held_on_task) << state.dump(2);
  bool listed = false;
  for (const json& entry : ListWritebacks(node, token, "status=held"))
    listed = listed || entry["intent_id"] == note;
  EXPECT_TRUE(listed) << "the task holds its draft note for review, but the outbox has no entry "
                         "for it, so staff listing held write-backs never see it";
  EXPECT_EQ(node.Call("GET", "/v1/writebacks/" + note, "", token).status, 200);
}

// Reconciliation leaves running tasks alone: a write is compared with the EHR once its task has
// finished, so the task's own worker never meets reconciliation's events in its log, and no
// step is left "running". Reconciling every few milliseconds makes an overlap all but certain
// if the rule were broken; a short lease keeps any interrupted run short.
TEST(ReconciliationDuringATask, LeavesEveryFinishedTaskWithoutAStepStillRunning) {
  ASSERT_FALSE(SandboxEnvironment::ehr().ClearFaults().contains("error"));
  Result<std::vector<clinic::Appointment>> day = clinic::LoadClinicDay("data");
  ASSERT_TRUE(day.ok()) << day.status().ToString();
  RunningNode node(SandboxEnvironment::ehr().fhir_base(), [](cli::Config& config) {
    config.reconcile_interval_ms = 20;
    config.lease_ms = 3000;
  });
  std::string token = node.Token("clinic-reconciled");
  std::vector<std::string> tasks;
  for (size_t i = 0; i < 6 && i < day->size(); ++i) {
    const clinic::Appointment& visit = (*day)[i];
    tasks.push_back(
        node.Submit({{"input", {{"dialogue", visit.dialogue}, {"encounter", visit.encounter}}},
                     {"patient", visit.patient}},
                    token));
  }

  for (const std::string& task : tasks) {
    json state = node.WaitForTask(task, token);
    for (const json& step : state["steps"]) {
      EXPECT_NE(step.value("outcome", ""), "running")
          << "task " << task << " ended with a step still running: " << state["steps"].dump();
    }
    json events = json::parse(node.Call("GET", "/v1/tasks/" + task + "/events", "", token).body,
                              nullptr, false)["events"];
    bool completed = false;
    for (const json& event : events) {
      completed = completed || event["type"] == "task.completed";
      bool by_reconciliation =
          event["actor"].is_object() && event["actor"].value("sub", "") == "medulla:reconciliation";
      EXPECT_FALSE(by_reconciliation && !completed)
          << "reconciliation wrote " << event["type"] << " into task " << task
          << " while it was running";
    }
  }
}

}  // namespace
}  // namespace medulla::testing
