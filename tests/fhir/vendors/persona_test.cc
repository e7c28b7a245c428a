// Each vendor adapter against the sandbox EHR's persona for that vendor: every write kind by its
// route, every refusal, tokens across an expiry, and the idempotence each vendor allows.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

#include "common/ids.h"
#include "fhir/adapter_factory.h"
#include "fhir/resource_mapping.h"
#include "fhir/smart_backend_auth.h"
#include "http/client.h"
#include "support/sandbox_environment.h"
#include "support/temp_dir.h"

namespace medulla::fhir {
namespace {

using medulla::testing::SandboxEhr;
using medulla::testing::SandboxEnvironment;
using nlohmann::json;
using store::WritebackRoute;

const auto* const kEnvironment = SandboxEnvironment::Register();

// A patient and one of their encounters from the shipped Synthea bundles.
constexpr char kPatient[] = "Patient/c79b748f-a792-4aea-bca5-c7c9c5b188cd";
constexpr char kEncounter[] = "Encounter/c48a42bd-7b66-4d0e-a417-652a42563934";

class PersonaTest : public ::testing::Test {
 protected:
  PersonaTest() : http_(http::MakeClient()) {}

  // An adapter for `persona`, its client registered with the sandbox under a fresh key.
  std::unique_ptr<EhrAdapter> Connect(const std::string& persona) {
    Result<VendorProfile> profile = LoadVendorProfile("config/vendors/" + persona + ".yaml");
    EXPECT_TRUE(profile.ok()) << profile.status().ToString();
    EhrConnection connection;
    connection.origin = ehr().PersonaOrigin(persona);
    connection.segment = SandboxEhr::PersonaSegment(persona);

    if (profile->auth.kind == EhrAuthKind::kSmartBackendServices) {
      connection.client_id = "medulla-" + persona + "-" + NewUuid().substr(0, 8);
      connection.private_key_path = keys_.File(connection.client_id + ".pem");
      std::string pem = GenerateClientKeyPem(profile->auth.algorithm).value();
      std::ofstream(connection.private_key_path) << pem;
      json registered = ehr().RegisterClient(
          persona, connection.client_id, PublicJwksForPem(pem, profile->auth.algorithm).value());
      EXPECT_FALSE(registered.contains("error")) << registered.dump();
    }
    Result<std::unique_ptr<EhrAdapter>> adapter =
        MakeEhrAdapter(*profile, connection, *http_, SystemClock::Instance());
    EXPECT_TRUE(adapter.ok()) << adapter.status().ToString();
    return std::move(adapter).value();
  }

  static SandboxEhr& ehr() { return SandboxEnvironment::ehr(); }

  // A write of `kind` with a fresh intent id, mapped as the integration service maps it.
  static EhrWrite WriteOf(IntentKind kind) {
    WriteIntent intent;
    intent.kind = kind;
    intent.tenant = "vendor-tests";
    intent.task_id = NewUuid();
    intent.patient = kPatient;
    intent.encounter = kEncounter;
    intent.intent_id = NewUuid();
    if (kind == IntentKind::kDraftNote) {
      intent.content = {{"subjective", "Sore throat."},
                        {"objective", "Afebrile."},
                        {"assessment", "Pharyngitis."},
                        {"plan", "Fluids."},
                        {"date", "2026-12-04T10:00:00.000Z"}};
    } else {
      intent.content = {{"start", "2026-12-18T14:00:00Z"},
                        {"end", "2026-12-18T14:20:00Z"},
                        {"minutes", 20},
                        {"reason", "Follow-up"}};
    }
    EhrWrite write;
    write.kind = kind;
    // Claims are never sent by these adapters; a bare resource shows they are refused unread.
    write.resource =
        kind == IntentKind::kClaim ? json{{"resourceType", "Claim"}} : ToResource(intent).value();
    write.identifier = intent.identifier();
    write.patient = intent.patient;
    write.encounter = intent.encounter;
    return write;
  }

  static void ExpectWritten(const EhrOutcome& outcome, const std::string& type) {
    ASSERT_TRUE(outcome.status.ok()) << outcome.status.ToString();
    EXPECT_EQ(outcome.reference.rfind(type + "/", 0), 0u) << outcome.reference;
    EXPECT_TRUE(outcome.duplicates.empty());
  }

  static bool Duplicated(const json& duplicates, const std::string& value) {
    return duplicates.dump().find(value) != std::string::npos;
  }

  std::unique_ptr<http::Client> http_;
  medulla::testing::TempDir keys_;
};

TEST_F(PersonaTest, GenericConditionalCreateWritesOnce) {
  auto adapter = Connect("generic");
  EhrWrite write = WriteOf(IntentKind::kFollowUpAppointment);

  EhrOutcome first = adapter->Create(write);
  ExpectWritten(first, "Appointment");
  EXPECT_TRUE(first.created);
  EhrOutcome again = adapter->Create(write);
  ExpectWritten(again, "Appointment");
  EXPECT_FALSE(again.created);
  EXPECT_EQ(again.reference, first.reference);
}

TEST_F(PersonaTest, EpicNoteIsWrittenOnceAcrossRepeatsAndATokenExpiry) {
  auto adapter = Connect("epic");
  EhrWrite write = WriteOf(IntentKind::kDraftNote);

  EhrOutcome first = adapter->Create(write);
  ExpectWritten(first, "DocumentReference");
  EXPECT_TRUE(first.created);

  json expired = ehr().ExpireTokens("epic");
  ASSERT_FALSE(expired.contains("error")) << expired.dump();
  EhrOutcome again = adapter->Create(write);
  ExpectWritten(again, "DocumentReference");
  EXPECT_FALSE(again.created);
  EXPECT_EQ(again.reference, first.reference);

  EXPECT_FALSE(
      Duplicated(ehr().Duplicates("epic", kWritebackIdentifierSystem), write.identifier.value));
  Result<std::vector<json>> found =
      adapter->FindWritten("DocumentReference", write.identifier, write.patient);
  ASSERT_TRUE(found.ok()) << found.status().ToString();
  EXPECT_EQ(found->size(), 1u);
}

TEST_F(PersonaTest, EpicReportsCopiesAnotherWriterLeftAndKeepsTheOldest) {
  auto adapter = Connect("epic");
  EhrWrite write = WriteOf(IntentKind::kDraftNote);
  WriteAnswer older = adapter->fhir().Create(write.resource);
  ASSERT_TRUE(older.status.ok()) << older.status.ToString();
  WriteAnswer newer = adapter->fhir().Create(write.resource);
  ASSERT_TRUE(newer.status.ok()) << newer.status.ToString();

  EhrOutcome outcome = adapter->Create(write);
  ASSERT_TRUE(outcome.status.ok()) << outcome.status.ToString();
  EXPECT_FALSE(outcome.created);
  EXPECT_EQ(outcome.reference, older.reference);
  EXPECT_THAT(outcome.duplicates, ::testing::ElementsAre(newer.reference));
  EXPECT_TRUE(
      Duplicated(ehr().Duplicates("epic", kWritebackIdentifierSystem), write.identifier.value));
}

TEST_F(PersonaTest, EpicAppointmentAndClaimAreWorkItemsAndNeverSent) {
  auto adapter = Connect("epic");
  EXPECT_EQ(adapter->RouteFor(IntentKind::kFollowUpAppointment), WritebackRoute::kWorkItem);
  EXPECT_EQ(adapter->RouteFor(IntentKind::kClaim), WritebackRoute::kWorkItem);
  EXPECT_EQ(adapter->Create(WriteOf(IntentKind::kFollowUpAppointment)).status.code(),
            StatusCode::kFailedPrecondition);
}

TEST_F(PersonaTest, DirectFhirCreateThePersonaRefusesIsFailedPrecondition) {
  auto adapter = Connect("epic");
  WriteAnswer refused = adapter->fhir().Create(WriteOf(IntentKind::kFollowUpAppointment).resource);
  EXPECT_EQ(refused.status.code(), StatusCode::kFailedPrecondition) << refused.status.ToString();
}

TEST_F(PersonaTest, AdvancedMdRoutesEverythingToStaff) {
  auto adapter = Connect("advancedmd");
  for (IntentKind kind :
       {IntentKind::kDraftNote, IntentKind::kFollowUpAppointment, IntentKind::kClaim}) {
    EXPECT_EQ(adapter->RouteFor(kind), WritebackRoute::kWorkItem);
  }
  EXPECT_EQ(adapter->Create(WriteOf(IntentKind::kDraftNote)).status.code(),
            StatusCode::kFailedPrecondition);
  WriteAnswer refused = adapter->fhir().Create(WriteOf(IntentKind::kDraftNote).resource);
  EXPECT_EQ(refused.status.code(), StatusCode::kFailedPrecondition);
  Result<json> patient = adapter->fhir().Read(kPatient);
  EXPECT_TRUE(patient.ok()) << patient.status().ToString();
}

TEST_F(PersonaTest, VeradigmWritesNotesButCannotUpdateWithoutVersions) {
  auto adapter = Connect("veradigm");
  EXPECT_EQ(adapter->RouteFor(IntentKind::kFollowUpAppointment), WritebackRoute::kWorkItem);
  EhrWrite write = WriteOf(IntentKind::kDraftNote);

  EhrOutcome outcome = adapter->Create(write);
  ExpectWritten(outcome, "DocumentReference");
  EXPECT_TRUE(outcome.version.empty());
  EXPECT_FALSE(adapter->Create(write).created);
  EXPECT_EQ(adapter->Update(outcome.reference, write.resource, "1").status.code(),
            StatusCode::kFailedPrecondition);
}

TEST_F(PersonaTest, StaleVersionUpdateIsConflict) {
  for (const std::string persona : {"generic", "epic"}) {
    SCOPED_TRACE(persona);
    auto adapter = Connect(persona);
    EhrWrite write = WriteOf(IntentKind::kDraftNote);
    EhrOutcome created = adapter->Create(write);
    ASSERT_TRUE(created.status.ok()) << created.status.ToString();
    ASSERT_FALSE(created.version.empty());

    json changed = write.resource;
    changed["docStatus"] = "amended";
    EhrOutcome updated = adapter->Update(created.reference, changed, created.version);
    ASSERT_TRUE(updated.status.ok()) << updated.status.ToString();
    EXPECT_NE(updated.version, created.version);
    EXPECT_EQ(adapter->Update(created.reference, changed, created.version).status.code(),
              StatusCode::kConflict);
  }
}

TEST_F(PersonaTest, EcwWritesThroughTheWritebackApiAndFindsTheFirstOnRepeat) {
  auto adapter = Connect("ecw");
  for (IntentKind kind : {IntentKind::kDraftNote, IntentKind::kFollowUpAppointment}) {
    SCOPED_TRACE(IntentKindName(kind));
    EXPECT_EQ(adapter->RouteFor(kind), WritebackRoute::kVendorApi);
    EhrWrite write = WriteOf(kind);
    EhrOutcome first = adapter->Create(write);
    ExpectWritten(first, ResourceTypeFor(kind));
    EXPECT_TRUE(first.created);

    EhrOutcome again = adapter->Create(write);
    ASSERT_TRUE(again.status.ok()) << again.status.ToString();
    EXPECT_FALSE(again.created);
    EXPECT_EQ(again.reference, first.reference);
    Result<json> read = adapter->fhir().Read(first.reference);
    EXPECT_TRUE(read.ok()) << read.status().ToString();
  }
}

TEST_F(PersonaTest, EcwUnknownPatientIsRefusedContent) {
  auto adapter = Connect("ecw");
  EhrWrite write = WriteOf(IntentKind::kFollowUpAppointment);
  write.patient = "Patient/no-such-patient";
  EXPECT_EQ(adapter->Create(write).status.code(), StatusCode::kInvalidArgument);
}

TEST_F(PersonaTest, AthenaFilesNotesAndBooksSlotsFindingTheMarkerOnRepeat) {
  auto adapter = Connect("athena");
  for (IntentKind kind : {IntentKind::kDraftNote, IntentKind::kFollowUpAppointment}) {
    SCOPED_TRACE(IntentKindName(kind));
    EhrWrite write = WriteOf(kind);
    EhrOutcome first = adapter->Create(write);
    ExpectWritten(first, ResourceTypeFor(kind));
    EXPECT_TRUE(first.created);

    EhrOutcome again = adapter->Create(write);
    ASSERT_TRUE(again.status.ok()) << again.status.ToString();
    EXPECT_FALSE(again.created);
    EXPECT_EQ(again.reference, first.reference);

    Result<std::vector<json>> found =
        adapter->FindWritten(ResourceTypeFor(kind), write.identifier, write.patient);
    ASSERT_TRUE(found.ok()) << found.status().ToString();
    ASSERT_EQ(found->size(), 1u);
    EXPECT_EQ(ResourceTypeFor(kind) + std::string("/") + (*found)[0].value("id", ""),
              first.reference);
  }
  EXPECT_EQ(adapter->Create(WriteOf(IntentKind::kClaim)).status.code(),
            StatusCode::kFailedPrecondition);
}

TEST_F(PersonaTest, AthenaRefusesUpdatesItDoesNotDeclare) {
  auto adapter = Connect("athena");
  EhrWrite write = WriteOf(IntentKind::kDraftNote);
  EXPECT_EQ(adapter->Update("DocumentReference/1", write.resource, "1").status.code(),
            StatusCode::kFailedPrecondition);
}

TEST_F(PersonaTest, OpenBreakerAnswersUnavailableWithTimeLeft) {
  Result<VendorProfile> profile = LoadVendorProfile("config/vendors/generic.yaml");
  ASSERT_TRUE(profile.ok());
  EhrConnection connection;
  connection.origin = "http://127.0.0.1:1";  // nothing listens on port 1
  connection.breaker = {2, std::chrono::milliseconds(60000)};
  auto adapter = MakeEhrAdapter(*profile, connection, *http_, SystemClock::Instance()).value();
  EhrWrite write = WriteOf(IntentKind::kDraftNote);

  EXPECT_EQ(adapter->Create(write).status.code(), StatusCode::kUnavailable);
  EXPECT_EQ(adapter->Create(write).status.code(), StatusCode::kUnavailable);
  EhrOutcome resting = adapter->Create(write);
  EXPECT_EQ(resting.status.code(), StatusCode::kUnavailable);
  ASSERT_TRUE(resting.retry_after.has_value());
  EXPECT_GT(*resting.retry_after, std::chrono::milliseconds(0));
  EXPECT_THAT(resting.status.message(), ::testing::HasSubstr("resting"));
}

}  // namespace
}  // namespace medulla::fhir
