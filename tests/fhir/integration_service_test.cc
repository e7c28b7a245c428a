// The integration service against the sandbox EHR (Medplum's FHIR engine) and a real SQLite
// outbox: what it accepts, holds and refuses, how it retries, drains and revises, and that a
// repeated or concurrent write of one intent leaves one resource.
#include "fhir/integration_service.h"

#include <gtest/gtest.h>

#include <thread>

#include "fhir/writeback_fixture.h"

namespace medulla::fhir {
namespace {

using namespace writeback_testing;

const auto* const kEnvironment = SandboxEnvironment::Register();

TEST_F(IntegrationServiceTest, AcceptedIntentIsClaimedForItsCallerAlone) {
  IntegrationService& service = Service();
  WriteIntent intent = Granted(DraftNoteFor(NewEncounter("claimed")));
  WritebackEntry accepted = service.Accept(intent).value();

  AttemptResult by_another = service.AttemptNow(intent.tenant, intent.intent_id).value();
  AttemptResult by_caller = service.AttemptNow(accepted).value();

  EXPECT_TRUE(by_another.transitions.empty()) << "another attempt waits for the caller's claim";
  EXPECT_EQ(by_caller.entry.status, WritebackStatus::kConfirmed);
  EXPECT_EQ(StoredWith(intent), 1u);
}

TEST_F(IntegrationServiceTest, WriteIsConfirmedWithTheEhrsReferenceAndVersion) {
  IntegrationService& service = Service();
  WriteIntent intent = Granted(DraftNoteFor(NewEncounter("confirmed")));

  WritebackEntry entry = Write(service, intent);

  EXPECT_EQ(entry.status, WritebackStatus::kConfirmed);
  EXPECT_EQ(entry.reference.rfind("DocumentReference/", 0), 0u) << entry.reference;
  EXPECT_FALSE(entry.version.empty());
  EXPECT_EQ(entry.attempts, 1);
  EXPECT_EQ(StoredWith(intent), 1u);
}

TEST_F(IntegrationServiceTest, SameIntentFromAFreshOutboxFindsTheFirstAndLeavesOneResource) {
  WriteIntent intent = Granted(DraftNoteFor(NewEncounter("repeat")));
  WritebackEntry first = Write(Service(), intent);
  std::unique_ptr<store::Store> restored =
      std::move(store::OpenSqliteStore(dir_.File("restored.db"), clock_)).value();
  WriteIntent again = intent;
  again.task_id = NewUuid();
  again = Granted(again);

  WritebackEntry second =
      Write(Service(Make([&](Options& o) { o.outbox = restored.get(); })), again);

  EXPECT_EQ(second.status, WritebackStatus::kConfirmed);
  EXPECT_EQ(second.reference, first.reference);
  EXPECT_EQ(StoredWith(intent), 1u);
}

TEST_F(IntegrationServiceTest, ConcurrentAttemptsLeaveOneResourceEvenOnARacyFhirServer) {
  SandboxEnvironment::ehr().SetConditionalCreateMode("racy");
  IntegrationService& service = Service();
  WriteIntent intent = Granted(DraftNoteFor(NewEncounter("race")));
  ASSERT_TRUE(service.Accept(intent).ok());
  clock_.Advance(std::chrono::minutes(1));  // the claim Accept made lapses unused

  std::vector<std::thread> writers;
  std::atomic<int> confirmed{0};
  for (int i = 0; i < 4; ++i) {
    writers.emplace_back([&] {
      Result<AttemptResult> attempt = service.AttemptNow(intent.tenant, intent.intent_id);
      if (attempt.ok() && attempt->entry.status == WritebackStatus::kConfirmed)
        ++confirmed;
    });
  }
  for (std::thread& writer : writers)
    writer.join();
  SandboxEnvironment::ehr().SetConditionalCreateMode("atomic");

  EXPECT_GE(confirmed.load(), 1);
  EXPECT_EQ(StoredWith(intent), 1u);
  EXPECT_EQ(service.Accept(Granted(intent)).value().status, WritebackStatus::kConfirmed);
}

TEST_F(IntegrationServiceTest, ResourceFailingValidationIsHeldWithItsReasonsAndNeverSent) {
  FlakyClient counting(*client_, 0);
  IntegrationService& service = Service(Make([&](Options& o) { o.client = &counting; }));
  WriteIntent intent = DraftNoteFor(NewEncounter("invalid"));
  intent.content["date"] = "the fourth of December";
  intent = Granted(intent);

  WritebackEntry entry = Write(service, intent);

  EXPECT_EQ(entry.status, WritebackStatus::kHeld);
  EXPECT_NE(entry.reason.find("DocumentReference.date"), std::string::npos) << entry.reason;
  EXPECT_EQ(entry.reason.find("fourth"), std::string::npos) << "values stay out of reasons";
  EXPECT_EQ(counting.calls(), 0);
  EXPECT_EQ(StoredWith(intent), 0u);
  WritebackEntry listed = store_->FindWriteback(intent.tenant, intent.intent_id).value().value();
  EXPECT_EQ(listed.status, WritebackStatus::kHeld);
}

TEST_F(IntegrationServiceTest, ContentTheEhrRefusesIsHeldNotRetried) {
  std::vector<std::chrono::milliseconds> waits;
  IntegrationService& service = Service(Make([&](Options& o) {
    o.validate = false;
    o.waits = &waits;
  }));
  WriteIntent intent = DraftNoteFor(NewEncounter("refused"));
  intent.content["date"] = "the fourth of December";
  intent = Granted(intent);

  WritebackEntry entry = Write(service, intent);

  EXPECT_EQ(entry.status, WritebackStatus::kHeld);
  EXPECT_NE(entry.reason.find("the EHR refused the content"), std::string::npos) << entry.reason;
  EXPECT_TRUE(waits.empty());
  EXPECT_EQ(StoredWith(intent), 0u);
}

TEST_F(IntegrationServiceTest, OutageIsRetriedWithGrowingBackoffUntilTheWriteLands) {
  FlakyClient flaky(*client_, 2);
  std::vector<std::chrono::milliseconds> waits;
  IntegrationService& service = Service(Make([&](Options& o) {
    o.client = &flaky;
    o.waits = &waits;
  }));
  WriteIntent intent = Granted(DraftNoteFor(NewEncounter("flaky")));

  WritebackEntry entry = Write(service, intent);

  EXPECT_EQ(entry.status, WritebackStatus::kConfirmed);
  EXPECT_EQ(entry.attempts, 3);
  ASSERT_EQ(waits.size(), 2u);
  EXPECT_LE(waits[0], RetryPolicy{}.first_backoff);
  EXPECT_GE(waits[1], RetryPolicy{}.first_backoff);
  EXPECT_EQ(StoredWith(intent), 1u);
}

TEST_F(IntegrationServiceTest, WritesQueueWhileTheEhrIsDownAndDrainInOrderPerPatient) {
  FlakyClient flaky(*client_, 0);
  flaky.set_down(true);
  IntegrationService& service = Service(Make([&](Options& o) {
    o.client = &flaky;
    o.retry.max_attempts = 2;
  }));
  const std::string patient = "Patient/drain-" + NewUuid().substr(0, 8);
  WriteIntent earlier = Granted(DraftNoteFor(NewEncounter("earlier"), patient));
  WriteIntent later = Granted(DraftNoteFor(NewEncounter("later"), patient));

  EXPECT_EQ(Write(service, earlier).status, WritebackStatus::kRetrying);
  EXPECT_EQ(Write(service, later).status, WritebackStatus::kPending)
      << "a later write of the same patient waits behind the earlier one";
  flaky.set_down(false);
  clock_.Advance(std::chrono::minutes(1));

  std::vector<std::string> drained;
  while (true) {
    Result<std::optional<AttemptResult>> attempt = service.DrainOne();
    ASSERT_TRUE(attempt.ok()) << attempt.status().ToString();
    if (!*attempt)
      break;
    EXPECT_EQ((*attempt)->entry.status, WritebackStatus::kConfirmed);
    drained.push_back((*attempt)->entry.intent_id);
  }
  EXPECT_EQ(drained, (std::vector<std::string>{earlier.intent_id, later.intent_id}));
  EXPECT_EQ(StoredWith(earlier), 1u);
  EXPECT_EQ(StoredWith(later), 1u);
}

TEST_F(IntegrationServiceTest, RetryingIntentFailsOnceItsAttemptsAreSpent) {
  FlakyClient flaky(*client_, 0);
  flaky.set_down(true);
  IntegrationService& service = Service(Make([&](Options& o) {
    o.client = &flaky;
    o.retry.max_attempts = 3;
    o.retry.max_total_attempts = 3;
  }));
  WriteIntent intent = Granted(DraftNoteFor(NewEncounter("give-up")));

  WritebackEntry entry = Write(service, intent);

  EXPECT_EQ(entry.status, WritebackStatus::kFailed);
  EXPECT_NE(entry.reason.find("gave up after 3 attempts"), std::string::npos) << entry.reason;
}

TEST_F(IntegrationServiceTest, RetryAfterFromTheEhrIsHonoured) {
  SandboxEnvironment::ehr().SetFaults(
      {{"rate", 1.0}, {"kinds", {"429"}}, {"paths", "DocumentReference"}});
  IntegrationService& service = Service(Make([&](Options& o) { o.retry.max_attempts = 1; }));
  WriteIntent intent = Granted(DraftNoteFor(NewEncounter("slow-down")));

  WritebackEntry entry = Write(service, intent);
  SandboxEnvironment::ehr().ClearFaults();

  EXPECT_EQ(entry.status, WritebackStatus::kRetrying);
  EXPECT_GE(entry.next_attempt_at - clock_.Now(), std::chrono::seconds(1));
}

TEST_F(IntegrationServiceTest, RevisedDraftReplacesTheEhrCopyUnderIfMatch) {
  IntegrationService& service = Service();
  WriteIntent intent = Granted(DraftNoteFor(NewEncounter("revised")));
  WritebackEntry first = Write(service, intent);
  WriteIntent revision = intent;
  revision.task_id = NewUuid();
  revision.content["plan"] = "Rest, fluids, and return in a week if no better.";
  revision = Granted(revision);

  WritebackEntry revised = Write(service, revision);

  EXPECT_EQ(revised.status, WritebackStatus::kConfirmed) << revised.reason;
  EXPECT_EQ(revised.reference, first.reference);
  EXPECT_NE(revised.version, first.version);
  EXPECT_EQ(revised.task_id, revision.task_id);
  json held = ehr_.Read(first.reference).value();
  EXPECT_EQ(held["content"][0]["attachment"]["data"],
            ToResource(revision).value()["content"][0]["attachment"]["data"]);
  EXPECT_EQ(StoredWith(intent), 1u);
}

TEST_F(IntegrationServiceTest, RevisionOfANoteSignedInTheEhrIsHeldForReview) {
  IntegrationService& service = Service();
  WriteIntent intent = Granted(DraftNoteFor(NewEncounter("signed")));
  WritebackEntry first = Write(service, intent);
  json signed_note = ehr_.Read(first.reference).value();
  signed_note["docStatus"] = "final";
  ASSERT_TRUE(ehr_.Update(first.reference, signed_note, "").status.ok());
  WriteIntent revision = intent;
  revision.content["plan"] = "A different plan.";
  revision = Granted(revision);

  WritebackEntry revised = Write(service, revision);

  EXPECT_EQ(revised.status, WritebackStatus::kHeld);
  EXPECT_NE(revised.reason.find("changed in the EHR"), std::string::npos) << revised.reason;
  EXPECT_EQ(ehr_.Read(first.reference).value()["docStatus"], "final");
}

TEST_F(IntegrationServiceTest, RevisionThatKeepsMeetingVersionConflictsIsHeld) {
  IntegrationService& service = Service();
  WriteIntent intent = Granted(DraftNoteFor(NewEncounter("conflict")));
  WritebackEntry first = Write(service, intent);
  SandboxEnvironment::ehr().SetFaults(
      {{"rate", 1.0}, {"kinds", {"412"}}, {"paths", "DocumentReference/[^/?]+"}});
  WriteIntent revision = intent;
  revision.content["plan"] = "Another plan.";
  revision = Granted(revision);

  WritebackEntry revised = Write(service, revision);
  SandboxEnvironment::ehr().ClearFaults();

  EXPECT_EQ(revised.status, WritebackStatus::kHeld);
  EXPECT_NE(revised.reason.find("kept changing"), std::string::npos) << revised.reason;
  EXPECT_EQ(first.reference, revised.reference);
}

struct GrantMisuse {
  const char* name;
  std::function<void(WriteIntent&)> misuse;
  const char* reason;
};

class GrantRefusalTest : public IntegrationServiceTest,
                         public ::testing::WithParamInterface<GrantMisuse> {};

TEST_P(GrantRefusalTest, IsRefusedAndNothingIsQueued) {
  IntegrationService& service = Service();
  WriteIntent intent = Granted(DraftNoteFor(NewEncounter("misuse")));
  GetParam().misuse(intent);

  Result<WritebackEntry> accepted = service.Accept(intent);

  ASSERT_FALSE(accepted.ok());
  EXPECT_EQ(accepted.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(accepted.status().message().find(GetParam().reason), std::string::npos)
      << accepted.status().message();
  EXPECT_FALSE(store_->FindWriteback(intent.tenant, intent.intent_id).value().has_value());
  EXPECT_EQ(StoredWith(intent), 0u);
}

INSTANTIATE_TEST_SUITE_P(
    Grants, GrantRefusalTest,
    ::testing::Values(
        GrantMisuse{"Missing", [](WriteIntent& i) { i.grant.clear(); }, "malformed"},
        GrantMisuse{"ForAnotherPatient", [](WriteIntent& i) { i.patient = "Patient/other"; },
                    "another patient"},
        GrantMisuse{"ForAnotherTask", [](WriteIntent& i) { i.task_id = NewUuid(); },
                    "another task"},
        GrantMisuse{"ForAnotherTenant", [](WriteIntent& i) { i.tenant = "clinic-b"; },
                    "another tenant"},
        GrantMisuse{"Tampered", [](WriteIntent& i) { i.grant.back() ^= 1; }, "write refused"}),
    [](const ::testing::TestParamInfo<GrantMisuse>& info) { return info.param.name; });

TEST_F(IntegrationServiceTest, GrantWhoseScopeDoesNotCoverTheWriteIsRefused) {
  IntegrationService& service = Service();
  WriteIntent intent = DraftNoteFor(NewEncounter("narrow"));
  intent.grant = GrantFor(intent, {"user/Appointment.c"});

  Result<WritebackEntry> accepted = service.Accept(intent);

  ASSERT_FALSE(accepted.ok());
  EXPECT_EQ(accepted.status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(StoredWith(intent), 0u);
}

TEST_F(IntegrationServiceTest, PolicyRefusesANoteFromTheFrontDeskAndNamesWhy) {
  IntegrationService& service = Service();
  WriteIntent intent = DraftNoteFor(NewEncounter("front-desk"));
  intent.grant = GrantFor(intent, {"user/DocumentReference.c"}, {"front_desk"});
  WriteAudit audit;

  Result<WritebackEntry> accepted = service.Accept(intent, &audit);

  ASSERT_FALSE(accepted.ok());
  EXPECT_EQ(accepted.status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(audit.policy["effect"], "deny");
  EXPECT_EQ(audit.policy["point"], "integration");
  EXPECT_EQ(audit.policy["action"], "fhir:create:DocumentReference");
  EXPECT_EQ(StoredWith(intent), 0u);
}

TEST_F(IntegrationServiceTest, PolicyExplicitlyDeniesWritesForResearch) {
  IntegrationService& service = Service();
  WriteIntent intent = DraftNoteFor(NewEncounter("research"));
  intent.grant = GrantFor(intent, {"user/DocumentReference.c"}, {"clinician"}, "research");
  WriteAudit audit;

  Result<WritebackEntry> accepted = service.Accept(intent, &audit);

  ASSERT_FALSE(accepted.ok());
  EXPECT_EQ(audit.policy["statement"], "DenyWritesForResearch");
  EXPECT_NE(accepted.status().message().find("DenyWritesForResearch"), std::string::npos);
  EXPECT_EQ(StoredWith(intent), 0u);
}

TEST_F(IntegrationServiceTest, ReplayedGrantIsRefused) {
  IntegrationService& service = Service();
  WriteIntent intent = Granted(DraftNoteFor(NewEncounter("replay")));
  ASSERT_TRUE(service.Accept(intent).ok());

  Result<WritebackEntry> replayed = service.Accept(intent);

  ASSERT_FALSE(replayed.ok());
  EXPECT_EQ(replayed.status().code(), StatusCode::kPermissionDenied);
}

}  // namespace
}  // namespace medulla::fhir
