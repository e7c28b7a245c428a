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
#include "support/outbox_watch.h"
#include "support/running_node.h"
#include "support/sandbox_environment.h"

namespace medulla::testing {
namespace {

using nlohmann::json;

const auto* const kEnvironment = SandboxEnvironment::Register();

constexpr char kTenant[] = "clinic-faults";
constexpr char kWritebackSystem[] = "urn:medulla:writeback";

// A tenth of all FHIR calls, every kind, a fixed seed; a held request is dropped after 1.5 s,
// well inside the node's own 10 s deadline, so timeouts cost seconds, not minutes.
const json kFaults = {{"rate", 0.1},
                      {"seed", 7},
                      {"kinds", {"latency", "timeout", "429", "5xx", "409", "412", "drop"}},
                      {"timeout_ms", 1500}};

class EhrFaultsTest : public ::testing::Test {
 protected:
  EhrFaultsTest()
      : node_(SandboxEnvironment::ehr().fhir_base(),
              [](cli::Config& config) {
                config.workers = 4;
                // Reconciliation runs during the drain, so it too meets the faults.
                config.reconcile_interval_ms = 2000;
              }),
        token_(node_.Token(kTenant)) {}

  void TearDown() override { SandboxEnvironment::ehr().ClearFaults(); }

  std::vector<std::string> SubmitClinicDay() {
    Result<std::vector<clinic::Appointment>> day = clinic::LoadClinicDay("data");
    EXPECT_TRUE(day.ok()) << day.status().ToString();
    std::vector<std::string> tasks;
    if (!day.ok())
      return tasks;
    for (const clinic::Appointment& visit : *day) {
      tasks.push_back(
          node_.Submit({{"input", {{"dialogue", visit.dialogue}, {"encounter", visit.encounter}}},
                        {"patient", visit.patient}},
                       token_));
    }
    return tasks;
  }

  // The intents the task's agents emitted, as its event log records them.
  std::vector<std::string> EmittedIntents(const std::string& task) {
    http::ClientResponse response = node_.Call("GET", "/v1/tasks/" + task + "/events", "", token_);
    json answer = json::parse(response.body, nullptr, false);
    std::vector<std::string> intents;
    if (!answer.is_object() || !answer["events"].is_array()) {
      ADD_FAILURE() << "no events for task " << task << ": " << response.body;
      return intents;
    }
    for (const json& event : answer["events"]) {
      if (event["type"] == "intent.emitted")
        intents.push_back(event["payload"]["intent_id"]);
    }
    return intents;
  }

  RunningNode node_;
  std::string token_;
};

TEST_F(EhrFaultsTest, EveryIntentEndsWrittenOnceOrHeldWhileTheEhrFaultsATenthOfCalls) {
  json armed = SandboxEnvironment::ehr().SetFaults(kFaults);
  ASSERT_FALSE(armed.contains("error")) << armed.dump();

  std::vector<std::string> tasks = SubmitClinicDay();
  ASSERT_GE(tasks.size(), 20u);
  std::map<std::string, int> task_outcomes;
  for (const std::string& task : tasks)
    ++task_outcomes[node_.WaitForTask(task, token_).value("status", "unfinished")];
  ASSERT_TRUE(WaitForOutboxToSettle(node_, token_, "fhir", std::chrono::seconds(240)));
  json injected = FaultReport(SandboxEnvironment::ehr());

  std::map<std::string, json> outbox;
  for (const json& entry : ListWritebacks(node_, token_))
    outbox[entry["intent_id"]] = entry;
  size_t emitted = 0;
  for (const std::string& task : tasks) {
    for (const std::string& intent : EmittedIntents(task)) {
      ++emitted;
      EXPECT_TRUE(outbox.count(intent))
          << "intent " << intent << " of task " << task << " never reached the outbox";
    }
  }
  std::map<std::string, int> entry_statuses;
  for (const auto& [intent, entry] : outbox) {
    std::string status = entry["status"];
    ++entry_statuses[status];
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

  std::cout << "ehr faults: tasks " << json(task_outcomes).dump() << ", intents emitted " << emitted
            << ", outbox " << outbox.size() << " " << json(entry_statuses).dump() << ", duplicates "
            << duplicates["count"] << ", faults " << injected["faulted"] << " of "
            << injected["requests"] << " calls " << injected["counts"].dump() << "\n";
}

}  // namespace
}  // namespace medulla::testing
