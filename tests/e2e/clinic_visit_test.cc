// Each agent on real data: visits from the shipped clinic day (ACI-BENCH dialogues, Synthea
// patients) run through an in-process Medulla node against the sandbox EHR, and what reached
// the EHR is read back as a clinician's system would see it.
#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <chrono>
#include <set>

#include "auth/jwt.h"
#include "clinic/clinic_day.h"
#include "common/time.h"
#include "fhir/fhir_client.h"
#include "fhir/intent.h"
#include "support/running_node.h"
#include "support/sandbox_environment.h"

namespace medulla::testing {
namespace {

using nlohmann::json;

const auto* const kEnvironment = SandboxEnvironment::Register();

std::string DecodeBase64(const std::string& text) {
  std::string out(text.size(), '\0');
  int length = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                               reinterpret_cast<const unsigned char*>(text.data()),
                               static_cast<int>(text.size()));
  out.resize(length < 0 ? 0 : static_cast<size_t>(length));
  return out;
}

class ClinicVisitTest : public ::testing::Test {
 protected:
  ClinicVisitTest()
      : node_(SandboxEnvironment::ehr().fhir_base()),
        token_(node_.Token("clinic-visits")),
        client_(http::MakeClient()),
        ehr_(SandboxEnvironment::ehr().fhir_base(), *client_) {
    Result<std::vector<clinic::Appointment>> day = clinic::LoadClinicDay("data");
    EXPECT_TRUE(day.ok()) << day.status().ToString();
    if (day.ok())
      appointments_ = *day;
  }

  const clinic::Appointment& Visit(const std::string& id) {
    for (const clinic::Appointment& appointment : appointments_) {
      if (appointment.visit == id)
        return appointment;
    }
    ADD_FAILURE() << "no visit " << id << " in the clinic day";
    return appointments_.front();
  }

  json RunVisit(const clinic::Appointment& visit, const std::string& patient) {
    std::string task =
        node_.Submit({{"input", {{"dialogue", visit.dialogue}, {"encounter", visit.encounter}}},
                      {"patient", patient}},
                     token_);
    return node_.WaitForTask(task, token_);
  }

  json RunAgent(const std::string& agent, const json& input, const std::string& patient) {
    std::string task =
        node_.Submit({{"agent", agent}, {"input", input}, {"patient", patient}}, token_);
    return node_.WaitForTask(task, token_);
  }

  json Events(const std::string& task) {
    return json::parse(
        node_.Call("GET", "/v1/tasks/" + task + "/events", "", token_).body)["events"];
  }

  // The resources the EHR holds under Medulla's business identifier for one write.
  std::vector<json> Written(const std::string& encounter, fhir::IntentKind kind) {
    std::string id = fhir::MakeIntentId("clinic-visits", encounter, kind);
    Result<std::vector<json>> found =
        ehr_.Search(fhir::ResourceTypeFor(kind),
                    {{"identifier", std::string(fhir::kWritebackIdentifierSystem) + "|" + id}});
    EXPECT_TRUE(found.ok()) << found.status().ToString();
    return found.ok() ? *found : std::vector<json>{};
  }

  static json StepOf(const json& state, const std::string& agent) {
    for (const json& step : state["steps"]) {
      if (step["agent"] == agent)
        return step;
    }
    return json();
  }

  RunningNode node_;
  std::string token_;
  std::unique_ptr<http::Client> client_;
  fhir::FhirClient ehr_;
  std::vector<clinic::Appointment> appointments_;
};

TEST_F(ClinicVisitTest, VisitRunsEveryAgentAndWritesNoteAppointmentAndClaim) {
  const clinic::Appointment& visit = Visit("D2N005");  // plan: return in 2 weeks

  json state = RunVisit(visit, visit.patient);

  ASSERT_EQ(state["status"], "done") << state.dump(2);
  for (const char* agent : {"intake", "scribe", "scheduling", "billing"}) {
    EXPECT_EQ(StepOf(state, agent)["outcome"], "done") << agent;
  }
  ASSERT_EQ(state["intents"].size(), 3u);
  for (const json& intent : state["intents"])
    EXPECT_EQ(intent["status"], "confirmed");

  std::vector<json> notes = Written(visit.encounter, fhir::IntentKind::kDraftNote);
  ASSERT_EQ(notes.size(), 1u);
  EXPECT_EQ(notes[0]["docStatus"], "preliminary");
  EXPECT_EQ(notes[0]["subject"]["reference"], visit.patient);
  EXPECT_EQ(notes[0]["context"]["encounter"][0]["reference"], visit.encounter);
  std::string text = DecodeBase64(notes[0]["content"][0]["attachment"]["data"]);
  EXPECT_NE(text.find("ASSESSMENT"), std::string::npos);
  EXPECT_NE(text.find("PLAN"), std::string::npos);

  std::vector<json> appointments = Written(visit.encounter, fhir::IntentKind::kFollowUpAppointment);
  ASSERT_EQ(appointments.size(), 1u);
  EXPECT_EQ(appointments[0]["status"], "proposed");
  EXPECT_EQ(appointments[0]["participant"][0]["actor"]["reference"], visit.patient);
  auto days_ahead = std::chrono::duration_cast<std::chrono::hours>(
                        *ParseTimestamp(appointments[0]["start"]) - SystemClock().Now())
                        .count() /
                    24.0;
  EXPECT_GT(days_ahead, 13.0);
  EXPECT_LT(days_ahead, 17.0);  // two weeks, moved off a weekend at most

  std::vector<json> claims = Written(visit.encounter, fhir::IntentKind::kClaim);
  ASSERT_EQ(claims.size(), 1u);
  EXPECT_EQ(claims[0]["status"], "draft");
  EXPECT_EQ(claims[0]["patient"]["reference"], visit.patient);
  EXPECT_EQ(claims[0]["item"][0]["encounter"][0]["reference"], visit.encounter);
}

TEST_F(ClinicVisitTest, EveryToolCallAndWriteIsDecidedByANamedStatementAndGranted) {
  const clinic::Appointment& visit = Visit("D2N018");

  json state = RunVisit(visit, visit.patient);

  ASSERT_NE(state["status"], "failed") << state.dump(2);
  size_t tool_calls = 0;
  size_t grants = 0;
  std::set<std::string> points;
  for (const json& event : Events(state["id"])) {
    if (event["type"] == "tool.called")
      ++tool_calls;
    if (event["type"] == "grant.issued") {
      ++grants;
      EXPECT_FALSE(event["payload"].contains("token")) << "a grant token reached the log";
    }
    if (event["type"] != "policy.decided")
      continue;
    const json& decided = event["payload"];
    points.insert(decided["point"].get<std::string>());
    EXPECT_EQ(decided["effect"], "allow");
    EXPECT_FALSE(decided["statement"].get<std::string>().empty());
    EXPECT_EQ(decided["resource"], "tenant:clinic-visits/" + visit.patient);
  }
  EXPECT_GT(tool_calls, 0u);
  EXPECT_EQ(grants, tool_calls) << "every tool call on patient data runs on its own grant";
  EXPECT_EQ(points, (std::set<std::string>{"orchestrator", "integration"}));
}

TEST_F(ClinicVisitTest, FrontDeskIsOfferedOnlyWhatPolicyAllowsTheFrontDesk) {
  const clinic::Appointment& visit = Visit("D2N024");
  Result<auth::DevIssuer> issuer = auth::DevIssuer::LoadOrCreate(
      node_.config().dev_issuer_key, node_.config().issuer, node_.config().audience);
  ASSERT_TRUE(issuer.ok());
  std::string front_desk = issuer
                               ->Issue({"front-desk-1",
                                        "clinic-visits",
                                        {"front_desk"},
                                        kClinicianScopes,
                                        "",
                                        std::chrono::hours(1)})
                               .value();

  std::string task =
      node_.Submit({{"agent", "scribe"},
                    {"input", {{"dialogue", visit.dialogue}, {"encounter", visit.encounter}}},
                    {"patient", visit.patient}},
                   front_desk);
  json state = node_.WaitForTask(task, front_desk);

  EXPECT_EQ(state["status"], "escalated");
  EXPECT_TRUE(state["intents"].empty());
  EXPECT_TRUE(Written(visit.encounter, fhir::IntentKind::kDraftNote).empty());
}

TEST_F(ClinicVisitTest, IntakeEscalatesAnUnknownPatientAndNothingIsWritten) {
  const clinic::Appointment& visit = Visit("D2N005");

  json state = RunVisit(visit, "Patient/not-in-this-ehr");

  EXPECT_EQ(state["status"], "escalated");
  ASSERT_EQ(state["steps"].size(), 1u);
  EXPECT_EQ(StepOf(state, "intake")["outcome"], "escalated");
  EXPECT_NE(StepOf(state, "intake")["reason"].get<std::string>().find("no active consent"),
            std::string::npos)
      << state.dump(2);
  EXPECT_TRUE(state["intents"].empty());
}

TEST_F(ClinicVisitTest, ScribeSeesOnlyTheDialogueAndDraftsAPreliminaryNote) {
  const clinic::Appointment& visit = Visit("D2N027");

  json state = RunAgent("scribe", {{"dialogue", visit.dialogue}, {"encounter", visit.encounter}},
                        visit.patient);

  ASSERT_EQ(state["status"], "done") << state.dump(2);
  ASSERT_EQ(state["intents"].size(), 1u);
  EXPECT_EQ(state["intents"][0]["resource_type"], "DocumentReference");
  EXPECT_EQ(state["intents"][0]["status"], "confirmed");
  for (const json& event : Events(state["id"])) {
    EXPECT_NE(event["type"], "data.viewed") << "the scribe needs no chart data";
  }
}

TEST_F(ClinicVisitTest, IntakeRecordsWhichPatientElementsItViewed) {
  const clinic::Appointment& visit = Visit("D2N028");

  json state = RunAgent("intake", {{"encounter", visit.encounter}}, visit.patient);

  ASSERT_EQ(state["status"], "done");
  json viewed;
  for (const json& event : Events(state["id"])) {
    if (event["type"] == "data.viewed")
      viewed = event["payload"];
  }
  ASSERT_TRUE(viewed.is_object());
  EXPECT_EQ(viewed["resource"], visit.patient);
  EXPECT_EQ(viewed["elements"], json({"active", "deceasedBoolean", "deceasedDateTime"}));
}

TEST_F(ClinicVisitTest, SchedulingBooksTheIntervalThePlanStates) {
  const clinic::Appointment& visit = Visit("D2N031");

  json state = RunAgent("scheduling",
                        {{"plan", "We will recheck your blood pressure. Follow up in 3 months."},
                         {"encounter", visit.encounter}},
                        visit.patient);

  ASSERT_EQ(state["status"], "done") << state.dump(2);
  std::vector<json> booked = Written(visit.encounter, fhir::IntentKind::kFollowUpAppointment);
  ASSERT_EQ(booked.size(), 1u);
  auto days_ahead = std::chrono::duration_cast<std::chrono::hours>(
                        *ParseTimestamp(booked[0]["start"]) - SystemClock().Now())
                        .count() /
                    24.0;
  EXPECT_GT(days_ahead, 89.0);
  EXPECT_LT(days_ahead, 93.0);
}

TEST_F(ClinicVisitTest, SchedulingBooksNothingWhenThePlanAsksForNoFollowUp) {
  const clinic::Appointment& visit = Visit("D2N032");

  json state = RunAgent(
      "scheduling", {{"plan", "Continue the current medication."}, {"encounter", visit.encounter}},
      visit.patient);

  EXPECT_EQ(state["status"], "done");
  EXPECT_TRUE(state["intents"].empty());
  EXPECT_TRUE(Written(visit.encounter, fhir::IntentKind::kFollowUpAppointment).empty());
}

TEST_F(ClinicVisitTest, BillingDraftsAClaimFromTheEncounterCodes) {
  const clinic::Appointment& visit = Visit("D2N069");
  Result<json> encounter = ehr_.Read(visit.encounter);
  ASSERT_TRUE(encounter.ok());

  json state = RunAgent("billing", {{"encounter", visit.encounter}}, visit.patient);

  ASSERT_EQ(state["status"], "done") << state.dump(2);
  std::vector<json> claims = Written(visit.encounter, fhir::IntentKind::kClaim);
  ASSERT_EQ(claims.size(), 1u);
  EXPECT_EQ(claims[0]["item"][0]["productOrService"]["coding"][0]["code"],
            (*encounter)["type"][0]["coding"][0]["code"]);
  EXPECT_FALSE(claims[0]["insurance"][0]["coverage"]["display"].get<std::string>().empty());
}

TEST_F(ClinicVisitTest, BillingWithoutConsentForPaymentEscalatesAndDraftsNoClaim) {
  const clinic::Appointment& visit = Visit("D2N036");  // this patient consents to treatment only

  json state = RunAgent("billing", {{"encounter", visit.encounter}}, visit.patient);

  EXPECT_EQ(state["status"], "escalated");
  EXPECT_NE(StepOf(state, "billing")["reason"].get<std::string>().find("no active consent"),
            std::string::npos);
  json checked;
  for (const json& event : Events(state["id"])) {
    if (event["type"] == "consent.checked")
      checked = event["payload"];
    EXPECT_NE(event["type"], "data.viewed") << "nothing may be read without consent";
  }
  EXPECT_EQ(checked["purpose"], "HPAYMT");
  EXPECT_EQ(checked["permitted"], false);
  EXPECT_TRUE(Written(visit.encounter, fhir::IntentKind::kClaim).empty());
}

TEST_F(ClinicVisitTest, ARepeatedVisitOnAFreshNodeFindsItsWritesAndDuplicatesNothing) {
  const clinic::Appointment& visit = Visit("D2N040");
  json first = RunVisit(visit, visit.patient);
  ASSERT_EQ(first["status"], "done") << first.dump(2);

  RunningNode fresh(SandboxEnvironment::ehr().fhir_base());
  std::string token = fresh.Token("clinic-visits");
  std::string task =
      fresh.Submit({{"input", {{"dialogue", visit.dialogue}, {"encounter", visit.encounter}}},
                    {"patient", visit.patient}},
                   token);
  json second = fresh.WaitForTask(task, token);

  ASSERT_EQ(second["intents"].size(), first["intents"].size());
  for (const json& intent : second["intents"]) {
    if (intent["status"] == "confirmed") {
      EXPECT_EQ(intent["outcome"], "existing");
    }
  }
  EXPECT_EQ(Written(visit.encounter, fhir::IntentKind::kDraftNote).size(), 1u);
  EXPECT_EQ(Written(visit.encounter, fhir::IntentKind::kClaim).size(), 1u);
}

TEST_F(ClinicVisitTest, ALowConfidenceDraftIsHeldForReviewAndItsPlanIsNotActedOn) {
  const clinic::Appointment& visit = Visit("D2N038");

  json state = RunVisit(visit, visit.patient);

  ASSERT_EQ(state["status"], "escalated") << state.dump(2);
  EXPECT_EQ(StepOf(state, "scribe")["outcome"], "escalated");
  EXPECT_TRUE(StepOf(state, "scheduling").is_null()) << "scheduling must be skipped";
  EXPECT_EQ(StepOf(state, "billing")["outcome"], "done");
  for (const json& intent : state["intents"]) {
    if (intent["kind"] == "draft_note") {
      EXPECT_EQ(intent["status"], "held");
    }
  }
  EXPECT_TRUE(Written(visit.encounter, fhir::IntentKind::kDraftNote).empty());
}

}  // namespace
}  // namespace medulla::testing
