// The clinic day as `make demo` runs it, end to end: every shipped visit through a Medulla
// node and the sandbox EHR, twice, with no duplicate resource in the EHR afterwards.
#include "clinic/clinic_day.h"

#include <gtest/gtest.h>

#include <sstream>

#include "support/running_node.h"
#include "support/sandbox_environment.h"

namespace medulla::testing {
namespace {

using nlohmann::json;

const auto* const kEnvironment = SandboxEnvironment::Register();

json RunDay(RunningNode& node) {
  clinic::ClinicDayOptions options;
  options.server_url = node.base_url();
  options.ehr_url = SandboxEnvironment::ehr().fhir_base();
  options.token = node.Token("clinic-day", kClinicianScopes, "clinician-demo");
  options.timeout = std::chrono::seconds(300);

  std::unique_ptr<http::Client> client = http::MakeClient();
  std::ostringstream progress;
  Result<json> report = clinic::RunClinicDay(options, *client, progress);
  EXPECT_TRUE(report.ok()) << report.status().ToString();
  return report.ok() ? *report : json::object();
}

TEST(ClinicDay, EveryVisitEndsAndTheEhrHoldsNoDuplicate) {
  RunningNode node(SandboxEnvironment::ehr().fhir_base());

  json report = RunDay(node);

  EXPECT_GE(report["encounters"].get<int>(), 20);
  EXPECT_EQ(report["status"]["failed"], 0) << report.dump(2);
  EXPECT_EQ(report["ehr_duplicates"], 0);
  for (const char* agent : {"intake", "scribe", "billing"}) {
    EXPECT_GT(report["agents"][agent]["done"].get<int>(), 0) << agent;
  }
  EXPECT_EQ(
      report["writes"]["confirmed"].get<int>(),
      report["writes"]["created"].get<int>() + report["writes"]["already_present"].get<int>());
  EXPECT_GT(report["writes"]["created"].get<int>(), 40);
  EXPECT_FALSE(clinic::SummaryTable(report).empty());

  json again = RunDay(node);

  EXPECT_EQ(again["tasks"]["created"], 0);
  EXPECT_EQ(again["tasks"]["reused"], report["encounters"]);
  EXPECT_EQ(again["ehr_duplicates"], 0);

  RunningNode fresh(SandboxEnvironment::ehr().fhir_base());
  json fresh_day = RunDay(fresh);

  EXPECT_EQ(fresh_day["tasks"]["created"], report["encounters"]);
  EXPECT_EQ(fresh_day["writes"]["created"], 0) << "a fresh store must find its writes";
  EXPECT_EQ(fresh_day["writes"]["already_present"], report["writes"]["confirmed"]);
  EXPECT_EQ(fresh_day["ehr_duplicates"], 0);
}

}  // namespace
}  // namespace medulla::testing
