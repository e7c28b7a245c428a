// Replay of real recorded tasks: a visit run through a node and the sandbox EHR is replayed
// from its events with no model and no EHR, and must make the same decisions; with another
// policy it must show what would have changed.
#include "replay/replay.h"

#include <gtest/gtest.h>

#include <fstream>

#include "clinic/clinic_day.h"
#include "store/store.h"
#include "support/running_node.h"
#include "support/sandbox_environment.h"

namespace medulla::testing {
namespace {

using nlohmann::json;

const auto* const kEnvironment = SandboxEnvironment::Register();

class ReplayTest : public ::testing::Test {
 protected:
  ReplayTest() : node_(SandboxEnvironment::ehr().fhir_base()), token_(node_.Token("replays")) {}

  std::vector<store::Event> RecordedVisit(size_t index) {
    Result<std::vector<clinic::Appointment>> day = clinic::LoadClinicDay("data");
    EXPECT_TRUE(day.ok());
    const clinic::Appointment& visit = (*day)[index];
    std::string task =
        node_.Submit({{"input", {{"dialogue", visit.dialogue}, {"encounter", visit.encounter}}},
                      {"patient", visit.patient}},
                     token_);
    node_.WaitForTask(task, token_);

    Result<std::string> path = cli::SqlitePathOf(node_.config().store);
    Result<std::unique_ptr<store::Store>> store =
        store::OpenSqliteStore(*path, SystemClock::Instance());
    EXPECT_TRUE(store.ok());
    Result<std::vector<store::Event>> events = (*store)->ReadTask(task);
    EXPECT_TRUE(events.ok());
    return events.ok() ? *events : std::vector<store::Event>{};
  }

  RunningNode node_;
  std::string token_;
  TempDir dir_;
};

TEST_F(ReplayTest, RecordedVisitReplaysToTheSameDecisionsWithoutModelOrEhr) {
  std::vector<store::Event> recorded = RecordedVisit(1);

  Result<replay::ReplayReport> report = replay::Replay(recorded, {});

  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_TRUE(report->same()) << report->changes.size() << " decisions changed";
  EXPECT_GT(report->replayed.size(), 15u);
  EXPECT_EQ(report->replayed.back(), "task status=done");
}

TEST_F(ReplayTest, AnotherPolicyShowsTheDecisionsThatWouldChange) {
  std::vector<store::Event> recorded = RecordedVisit(4);
  std::ofstream(dir_.File("no-booking.yaml")) << R"(version: "2026-12-01"
statements:
  - sid: NoAutomaticBooking
    effect: deny
    actions: ["tool:book_follow_up", "fhir:create:Appointment"]
    resources: ["*"]
)";
  std::ifstream clinic("config/policies/clinic.yaml");
  std::ofstream(dir_.File("clinic.yaml")) << clinic.rdbuf();

  replay::ReplayOptions options;
  options.policy_path = dir_.path();
  Result<replay::ReplayReport> report = replay::Replay(recorded, options);

  ASSERT_TRUE(report.ok()) << report.status().ToString();
  ASSERT_FALSE(report->same());
  EXPECT_NE(report->recorded[*report->first_divergence].find("tool:book_follow_up"),
            std::string::npos);
  bool booking_refused = false;
  for (const std::string& change : report->changes) {
    booking_refused |= change.rfind("+ refused tool=book_follow_up", 0) == 0;
    EXPECT_EQ(change.find("+ written"), std::string::npos) << "nothing new may be written";
  }
  EXPECT_TRUE(booking_refused);
}

TEST_F(ReplayTest, AnotherPromptVersionShowsWhatItsAgentsWouldHaveDecided) {
  // D2N028's draft is confident enough for the first release's scribe, not the cautious one.
  std::vector<store::Event> recorded = RecordedVisit(5);
  replay::ReplayOptions cautious;
  cautious.prompt_version = "2026-12-04-cautious-scribe";

  Result<replay::ReplayReport> same_version = replay::Replay(recorded, {});
  Result<replay::ReplayReport> report = replay::Replay(recorded, cautious);

  ASSERT_TRUE(same_version.ok() && report.ok()) << report.status().ToString();
  EXPECT_TRUE(same_version->same());
  ASSERT_FALSE(report->same());
  std::vector<std::string> added;
  for (const std::string& change : report->changes) {
    if (change.rfind("+ ", 0) == 0)
      added.push_back(change);
  }
  ASSERT_FALSE(added.empty());
  EXPECT_EQ(added.front().rfind("+ held intent_id=draft_note-", 0), 0u) << added.front();
}

TEST_F(ReplayTest, AnUnknownPromptVersionIsRefusedNamingTheKnownOnes) {
  std::vector<store::Event> recorded = RecordedVisit(1);
  replay::ReplayOptions options;
  options.prompt_version = "no-such-version";

  Result<replay::ReplayReport> report = replay::Replay(recorded, options);

  ASSERT_FALSE(report.ok());
  EXPECT_NE(report.status().message().find("2026-12-01"), std::string::npos);
}

TEST_F(ReplayTest, ARecordMissingAModelResponseDivergesWhereItIsMissing) {
  std::vector<store::Event> recorded = RecordedVisit(5);
  std::vector<store::Event> tampered;
  bool dropped = false;
  for (const store::Event& event : recorded) {
    if (!dropped && event.type == "model.responded" &&
        event.payload.value("purpose", "") == "scheduling.follow_up") {
      dropped = true;
      continue;
    }
    tampered.push_back(event);
  }
  ASSERT_TRUE(dropped);

  Result<replay::ReplayReport> report = replay::Replay(tampered, {});

  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_FALSE(report->same());
}

}  // namespace
}  // namespace medulla::testing
