#include "fhir/resource_mapping.h"

#include <gtest/gtest.h>

namespace medulla::fhir {
namespace {

using nlohmann::json;

WriteIntent IntentOf(IntentKind kind, json content) {
  WriteIntent intent;
  intent.kind = kind;
  intent.tenant = "clinic-a";
  intent.task_id = "task-1";
  intent.patient = "Patient/p1";
  intent.encounter = "Encounter/e1";
  intent.intent_id = MakeIntentId(intent.tenant, intent.encounter, kind);
  intent.content = std::move(content);
  return intent;
}

TEST(MakeIntentId, IsStablePerTenantEncounterAndKind) {
  EXPECT_EQ(MakeIntentId("a", "Encounter/1", IntentKind::kClaim),
            MakeIntentId("a", "Encounter/1", IntentKind::kClaim));
  EXPECT_NE(MakeIntentId("a", "Encounter/1", IntentKind::kClaim),
            MakeIntentId("b", "Encounter/1", IntentKind::kClaim));
  EXPECT_NE(MakeIntentId("a", "Encounter/1", IntentKind::kClaim),
            MakeIntentId("a", "Encounter/1", IntentKind::kDraftNote));
}

TEST(ToResource, DraftNoteIsAPreliminaryDocumentReferenceCarryingItsIdentifier) {
  WriteIntent intent = IntentOf(IntentKind::kDraftNote, {{"subjective", "Knee pain."},
                                                         {"objective", "Swelling."},
                                                         {"assessment", "Meniscal tear."},
                                                         {"plan", "Brace."},
                                                         {"date", "2026-12-04T10:00:00.000Z"}});

  Result<json> resource = ToResource(intent);

  ASSERT_TRUE(resource.ok()) << resource.status().ToString();
  EXPECT_EQ((*resource)["resourceType"], "DocumentReference");
  EXPECT_EQ((*resource)["docStatus"], "preliminary");
  EXPECT_EQ((*resource)["status"], "current");
  EXPECT_EQ((*resource)["identifier"][0]["system"], kWritebackIdentifierSystem);
  EXPECT_EQ((*resource)["identifier"][0]["value"], intent.intent_id);
  EXPECT_EQ((*resource)["subject"]["reference"], "Patient/p1");
  EXPECT_EQ((*resource)["context"]["encounter"][0]["reference"], "Encounter/e1");
}

TEST(ToResource, FollowUpIsABookedAppointmentForThePatient) {
  Result<json> resource =
      ToResource(IntentOf(IntentKind::kFollowUpAppointment, {{"start", "2026-12-18T09:00:00.000Z"},
                                                             {"end", "2026-12-18T09:20:00.000Z"},
                                                             {"minutes", 20},
                                                             {"reason", "Recheck knee"}}));

  ASSERT_TRUE(resource.ok());
  EXPECT_EQ((*resource)["status"], "proposed");
  EXPECT_EQ((*resource)["participant"][0]["actor"]["reference"], "Patient/p1");
  EXPECT_EQ((*resource)["minutesDuration"], 20);
}

TEST(ToResource, ClaimLinksEveryItemToTheEncounterAndItsDiagnoses) {
  Result<json> resource = ToResource(
      IntentOf(IntentKind::kClaim,
               {{"created", "2026-12-04"},
                {"provider", "Organization/o1"},
                {"payer", "medicare"},
                {"diagnoses", {{{"system", "http://snomed.info/sct"}, {"code", "44054006"}}}},
                {"services", {{{"system", "http://snomed.info/sct"}, {"code", "185349003"}}}}}));

  ASSERT_TRUE(resource.ok());
  EXPECT_EQ((*resource)["status"], "draft");
  EXPECT_EQ((*resource)["diagnosis"][0]["sequence"], 1);
  EXPECT_EQ((*resource)["item"][0]["diagnosisSequence"], json::array({1}));
  EXPECT_EQ((*resource)["item"][0]["encounter"][0]["reference"], "Encounter/e1");
  EXPECT_EQ((*resource)["insurance"][0]["coverage"]["display"], "medicare");
}

struct MissingFieldCase {
  IntentKind kind;
  json content;
  const char* names;
};

class MissingFieldTest : public ::testing::TestWithParam<MissingFieldCase> {};

TEST_P(MissingFieldTest, IsRefusedNamingTheField) {
  Result<json> resource = ToResource(IntentOf(GetParam().kind, GetParam().content));

  ASSERT_FALSE(resource.ok());
  EXPECT_EQ(resource.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(resource.status().message().find(GetParam().names), std::string::npos)
      << resource.status().message();
}

INSTANTIATE_TEST_SUITE_P(
    Intents, MissingFieldTest,
    ::testing::Values(
        MissingFieldCase{IntentKind::kDraftNote, {{"plan", "x"}}, "'date'"},
        MissingFieldCase{IntentKind::kFollowUpAppointment, {{"reason", "x"}}, "'start'"},
        MissingFieldCase{IntentKind::kClaim,
                         {{"created", "2026-12-04"}, {"provider", "Organization/o"}},
                         "'payer'"},
        MissingFieldCase{
            IntentKind::kClaim,
            {{"created", "2026-12-04"}, {"provider", "Organization/o"}, {"payer", "medicare"}},
            "'services'"}));

TEST(ToResource, RefusesAnIntentWithoutPatientOrEncounter) {
  WriteIntent intent = IntentOf(IntentKind::kDraftNote, {{"date", "2026-12-04"}});
  intent.patient = "";
  EXPECT_FALSE(ToResource(intent).ok());

  intent.patient = "Patient/p1";
  intent.encounter = "Observation/o1";
  EXPECT_FALSE(ToResource(intent).ok());
}

}  // namespace
}  // namespace medulla::fhir
