// Write-back against the sandbox EHR (Medplum's FHIR engine): a repeated or concurrent write
// of one intent leaves one resource, the EHR's refusals are final, outages are retried.
#include "fhir/integration_service.h"

#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <thread>

#include "common/ids.h"
#include "http/client.h"
#include "support/sandbox_environment.h"

namespace medulla::fhir {
namespace {

using nlohmann::json;
using testing::SandboxEnvironment;

const auto* const kEnvironment = SandboxEnvironment::Register();

auth::Principal Clinician(const std::string& tenant, std::vector<std::string> scopes) {
  auth::Principal principal;
  principal.subject = "dr-writeback";
  principal.tenant = tenant;
  principal.roles = {"clinician"};
  principal.scopes = std::move(scopes);
  principal.token_id = NewUuid();
  principal.expires_at = std::chrono::system_clock::now() + std::chrono::hours(1);
  return principal;
}

WriteIntent DraftNoteFor(const std::string& encounter) {
  WriteIntent intent;
  intent.kind = IntentKind::kDraftNote;
  intent.tenant = "writeback-tests";
  intent.task_id = NewUuid();
  intent.patient = "Patient/writeback-patient";
  intent.encounter = encounter;
  intent.intent_id = MakeIntentId(intent.tenant, encounter, intent.kind);
  intent.content = {{"subjective", "Cough for a week."},
                    {"objective", "Lungs clear."},
                    {"assessment", "Viral bronchitis."},
                    {"plan", "Rest, fluids."},
                    {"date", "2026-12-04T10:00:00.000Z"}};
  return intent;
}

// Fails the first `failures` calls with kUnavailable, then passes calls through.
class FlakyClient final : public http::Client {
 public:
  FlakyClient(http::Client& real, int failures) : real_(real), failures_left_(failures) {}
  Result<http::ClientResponse> Send(const http::ClientRequest& request) override {
    ++calls_;
    if (failures_left_-- > 0)
      return Unavailable("connection reset (injected)");
    return real_.Send(request);
  }
  int calls() const { return calls_; }

 private:
  http::Client& real_;
  std::atomic<int> failures_left_;
  std::atomic<int> calls_{0};
};

class IntegrationServiceTest : public ::testing::Test {
 protected:
  IntegrationServiceTest()
      : client_(http::MakeClient()),
        ehr_(SandboxEnvironment::ehr().fhir_base(), *client_),
        grants_(std::move(auth::GrantIssuer::Generate()).value()),
        verifier_(std::move(auth::GrantVerifier::FromJwks(grants_.Jwks())).value()),
        policy_(std::move(policy::PolicyStore::Open({"config/policies"})).value()) {}

  // Mints the grant a scribe's draft_note call would carry for `intent`.
  std::string GrantFor(const WriteIntent& intent,
                       std::vector<std::string> scopes = {"user/DocumentReference.c"},
                       std::vector<std::string> roles = {"clinician"},
                       std::string purpose = "treatment") {
    auth::GrantRequest request;
    request.principal = Clinician(intent.tenant, scopes);
    request.principal.roles = std::move(roles);
    request.principal.purpose_of_use = std::move(purpose);
    request.subject_token_id = request.principal.token_id;
    request.agent = "scribe";
    request.tool = "draft_note";
    request.scopes = scopes;
    request.task_id = intent.task_id;
    request.patient = intent.patient;
    Result<auth::MintedGrant> grant = grants_.Mint(request);
    EXPECT_TRUE(grant.ok()) << grant.status().ToString();
    return grant.ok() ? grant->token : "";
  }

  WriteIntent GrantedNote(const std::string& encounter) {
    WriteIntent intent = DraftNoteFor(encounter);
    intent.grant = GrantFor(intent);
    return intent;
  }

  size_t StoredWith(const WriteIntent& intent) {
    Result<std::vector<json>> found = ehr_.Search(
        "DocumentReference", {{"identifier", intent.identifier().system + "|" + intent.intent_id}});
    EXPECT_TRUE(found.ok());
    return found.ok() ? found->size() : 0;
  }

  IntegrationService Service(FhirClient& ehr, std::vector<std::chrono::milliseconds>* waits) {
    return IntegrationService(ehr, verifier_, *policy_, RetryPolicy{},
                              [waits](std::chrono::milliseconds wait) {
                                if (waits != nullptr)
                                  waits->push_back(wait);
                              });
  }

  std::unique_ptr<http::Client> client_;
  FhirClient ehr_;
  auth::GrantIssuer grants_;
  auth::GrantVerifier verifier_;
  std::unique_ptr<policy::PolicyStore> policy_;
};

TEST_F(IntegrationServiceTest, RepeatedWriteFindsTheFirstAndLeavesOneResource) {
  IntegrationService service = Service(ehr_, nullptr);
  WriteIntent intent = GrantedNote("Encounter/repeat-" + NewUuid().substr(0, 8));

  Result<WriteOutcome> first = service.Write(intent);
  intent.grant = GrantFor(intent);  // a grant is spent by the write it was minted for
  Result<WriteOutcome> second = service.Write(intent);

  ASSERT_TRUE(first.ok()) << first.status().ToString();
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_TRUE(first->created);
  EXPECT_FALSE(second->created);
  EXPECT_EQ(first->reference, second->reference);
  EXPECT_EQ(StoredWith(intent), 1u);
}

TEST_F(IntegrationServiceTest, ConcurrentIdenticalWritesLeaveOneResource) {
  IntegrationService service = Service(ehr_, nullptr);
  WriteIntent intent = DraftNoteFor("Encounter/race-" + NewUuid().substr(0, 8));
  std::vector<WriteIntent> granted(8, intent);
  for (WriteIntent& copy : granted)
    copy.grant = GrantFor(copy);
  std::atomic<int> created{0};
  std::atomic<int> confirmed{0};

  std::vector<std::thread> writers;
  for (int i = 0; i < 8; ++i) {
    writers.emplace_back([&, i] {
      Result<WriteOutcome> outcome = service.Write(granted[i]);
      if (outcome.ok())
        ++confirmed;
      if (outcome.ok() && outcome->created)
        ++created;
    });
  }
  for (std::thread& writer : writers)
    writer.join();

  EXPECT_EQ(confirmed.load(), 8);
  EXPECT_EQ(created.load(), 1);
  EXPECT_EQ(StoredWith(intent), 1u);
}

TEST_F(IntegrationServiceTest, ResourceTheEhrRefusesIsNotRetried) {
  std::vector<std::chrono::milliseconds> waits;
  IntegrationService service = Service(ehr_, &waits);
  WriteIntent intent = GrantedNote("Encounter/invalid-" + NewUuid().substr(0, 8));
  intent.content["date"] = "yesterday afternoon";

  Result<WriteOutcome> outcome = service.Write(intent);

  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(outcome.status().message().find("refused by the EHR"), std::string::npos);
  EXPECT_TRUE(waits.empty());
  EXPECT_EQ(StoredWith(intent), 0u);
}

TEST_F(IntegrationServiceTest, OutageIsRetriedWithGrowingBackoffUntilTheWriteLands) {
  FlakyClient flaky(*client_, 2);
  FhirClient flaky_ehr(SandboxEnvironment::ehr().fhir_base(), flaky);
  std::vector<std::chrono::milliseconds> waits;
  IntegrationService service = Service(flaky_ehr, &waits);
  WriteIntent intent = GrantedNote("Encounter/flaky-" + NewUuid().substr(0, 8));

  Result<WriteOutcome> outcome = service.Write(intent);

  ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
  EXPECT_EQ(outcome->attempts, 3);
  ASSERT_EQ(waits.size(), 2u);
  EXPECT_GE(waits[0].count(), 50);
  EXPECT_LE(waits[0].count(), 100);
  EXPECT_GE(waits[1].count(), 100);
  EXPECT_LE(waits[1].count(), 200);
  EXPECT_EQ(StoredWith(intent), 1u);
}

TEST_F(IntegrationServiceTest, UnreachableEhrFailsRetryablyAfterEveryAttempt) {
  auto client = http::MakeClient();
  FhirClient closed("http://127.0.0.1:1/fhir/R4", *client);
  std::vector<std::chrono::milliseconds> waits;
  IntegrationService service = Service(closed, &waits);

  Result<WriteOutcome> outcome = service.Write(GrantedNote("Encounter/closed"));

  ASSERT_FALSE(outcome.ok());
  EXPECT_TRUE(IsRetryable(outcome.status()));
  EXPECT_EQ(waits.size(), static_cast<size_t>(RetryPolicy{}.max_attempts - 1));
}

struct GrantMisuse {
  const char* name;
  std::function<void(WriteIntent&)> misuse;
  const char* reason;
};

class GrantRefusalTest : public IntegrationServiceTest,
                         public ::testing::WithParamInterface<GrantMisuse> {};

TEST_P(GrantRefusalTest, IsRefusedBeforeAnythingReachesTheEhr) {
  std::vector<std::chrono::milliseconds> waits;
  IntegrationService service = Service(ehr_, &waits);
  WriteIntent intent = GrantedNote("Encounter/misuse-" + NewUuid().substr(0, 8));
  GetParam().misuse(intent);

  Result<WriteOutcome> outcome = service.Write(intent);

  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(outcome.status().message().find(GetParam().reason), std::string::npos)
      << outcome.status().message();
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
  IntegrationService service = Service(ehr_, nullptr);
  WriteIntent intent = DraftNoteFor("Encounter/narrow-" + NewUuid().substr(0, 8));
  intent.grant = GrantFor(intent, {"user/Appointment.c"});

  Result<WriteOutcome> outcome = service.Write(intent);

  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(StoredWith(intent), 0u);
}

TEST_F(IntegrationServiceTest, PolicyRefusesANoteFromTheFrontDeskAndNamesWhy) {
  IntegrationService service = Service(ehr_, nullptr);
  WriteIntent intent = DraftNoteFor("Encounter/front-desk-" + NewUuid().substr(0, 8));
  intent.grant = GrantFor(intent, {"user/DocumentReference.c"}, {"front_desk"});
  WriteAudit audit;

  Result<WriteOutcome> outcome = service.Write(intent, &audit);

  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(audit.policy["effect"], "deny");
  EXPECT_EQ(audit.policy["point"], "integration");
  EXPECT_EQ(audit.policy["action"], "fhir:create:DocumentReference");
  EXPECT_EQ(StoredWith(intent), 0u);
}

TEST_F(IntegrationServiceTest, PolicyExplicitlyDeniesWritesForResearch) {
  IntegrationService service = Service(ehr_, nullptr);
  WriteIntent intent = DraftNoteFor("Encounter/research-" + NewUuid().substr(0, 8));
  intent.grant = GrantFor(intent, {"user/DocumentReference.c"}, {"clinician"}, "research");
  WriteAudit audit;

  Result<WriteOutcome> outcome = service.Write(intent, &audit);

  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(audit.policy["statement"], "DenyWritesForResearch");
  EXPECT_NE(outcome.status().message().find("DenyWritesForResearch"), std::string::npos);
  EXPECT_EQ(StoredWith(intent), 0u);
}

TEST_F(IntegrationServiceTest, ReplayedGrantIsRefused) {
  IntegrationService service = Service(ehr_, nullptr);
  WriteIntent intent = GrantedNote("Encounter/replay-" + NewUuid().substr(0, 8));
  ASSERT_TRUE(service.Write(intent).ok());

  Result<WriteOutcome> replayed = service.Write(intent);

  ASSERT_FALSE(replayed.ok());
  EXPECT_NE(replayed.status().message().find("already used"), std::string::npos);
}

}  // namespace
}  // namespace medulla::fhir
