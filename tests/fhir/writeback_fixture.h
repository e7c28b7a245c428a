// A fixture for write-back tests against the sandbox EHR: a real SQLite outbox, the generic
// vendor profile pointed at the sandbox, grants minted as a scribe's tool call would carry them,
// and helpers to read back what the EHR holds.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <functional>
#include <memory>
#include <vector>

#include "common/ids.h"
#include "fhir/adapter_factory.h"
#include "fhir/integration_service.h"
#include "fhir/resource_mapping.h"
#include "fhir/validation/validator.h"
#include "fhir/vendor_profile.h"
#include "http/client.h"
#include "store/store.h"
#include "support/sandbox_environment.h"
#include "support/temp_dir.h"

namespace medulla::fhir::writeback_testing {

using nlohmann::json;
using store::WritebackEntry;
using store::WritebackStatus;
using testing::SandboxEnvironment;

inline auth::Principal Clinician(const std::string& tenant, std::vector<std::string> scopes) {
  auth::Principal principal;
  principal.subject = "dr-writeback";
  principal.tenant = tenant;
  principal.roles = {"clinician"};
  principal.scopes = std::move(scopes);
  principal.token_id = NewUuid();
  principal.expires_at = std::chrono::system_clock::now() + std::chrono::hours(1);
  return principal;
}

inline WriteIntent DraftNoteFor(const std::string& encounter,
                                const std::string& patient = "Patient/writeback-patient") {
  WriteIntent intent;
  intent.kind = IntentKind::kDraftNote;
  intent.tenant = "writeback-tests";
  intent.task_id = NewUuid();
  intent.patient = patient;
  intent.encounter = encounter;
  intent.intent_id = MakeIntentId(intent.tenant, encounter, intent.kind);
  intent.content = {{"subjective", "Cough for a week."},
                    {"objective", "Lungs clear."},
                    {"assessment", "Viral bronchitis."},
                    {"plan", "Rest, fluids."},
                    {"date", "2026-12-04T10:00:00.000Z"}};
  return intent;
}

inline std::string NewEncounter(const std::string& label) {
  return "Encounter/" + label + "-" + NewUuid().substr(0, 8);
}

// Fails the first `failures` calls with kUnavailable, then passes calls through; or, while
// `down` is set, fails every call.
class FlakyClient final : public http::Client {
 public:
  FlakyClient(http::Client& real, int failures) : real_(real), failures_left_(failures) {}
  Result<http::ClientResponse> Send(const http::ClientRequest& request) override {
    ++calls_;
    if (down_ || failures_left_-- > 0)
      return Unavailable("connection reset (injected)");
    return real_.Send(request);
  }
  int calls() const { return calls_; }
  void set_down(bool down) { down_ = down; }

 private:
  http::Client& real_;
  std::atomic<int> failures_left_;
  std::atomic<int> calls_{0};
  std::atomic<bool> down_{false};
};

class IntegrationServiceTest : public ::testing::Test {
 protected:
  IntegrationServiceTest()
      : client_(http::MakeClient()),
        ehr_(SandboxEnvironment::ehr().fhir_base(), *client_),
        grants_(std::move(auth::GrantIssuer::Generate()).value()),
        verifier_(std::move(auth::GrantVerifier::FromJwks(grants_.Jwks())).value()),
        policy_(std::move(policy::PolicyStore::Open({"config/policies"})).value()),
        clock_(std::chrono::system_clock::now()),
        store_(std::move(store::OpenSqliteStore(dir_.File("outbox.db"), clock_)).value()),
        validator_(
            std::move(validation::Validator::Load(validation::Validator::kDefaultDefinitionsDir))
                .value()) {}

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

  WriteIntent Granted(WriteIntent intent) {
    intent.grant = GrantFor(intent);
    return intent;
  }

  size_t StoredWith(const WriteIntent& intent) {
    Result<std::vector<json>> found = ehr_.Search(
        "DocumentReference", {{"identifier", intent.identifier().system + "|" + intent.intent_id}});
    EXPECT_TRUE(found.ok());
    return found.ok() ? found->size() : 0;
  }

  struct Options {
    http::Client* client = nullptr;  // the real client when null
    store::Store* outbox = nullptr;  // the fixture's store when null
    bool validate = true;
    RetryPolicy retry;
    std::vector<std::chrono::milliseconds>* waits = nullptr;
  };

  IntegrationService& Service() { return Service(Options()); }

  static Options Make(const std::function<void(Options&)>& set) {
    Options options;
    set(options);
    return options;
  }

  IntegrationService& Service(Options options) {
    Result<VendorProfile> loaded = LoadVendorProfile("config/vendors/generic.yaml");
    EXPECT_TRUE(loaded.ok()) << loaded.status().ToString();
    VendorProfile profile = std::move(loaded).value();
    profile.fhir_base = SandboxEnvironment::ehr().fhir_base();
    http::Client& client = options.client != nullptr ? *options.client : *client_;
    EhrConnection connection;
    connection.origin = SandboxEnvironment::ehr().origin();
    Result<std::unique_ptr<EhrAdapter>> adapter =
        MakeEhrAdapter(profile, connection, client, clock_);
    EXPECT_TRUE(adapter.ok()) << adapter.status().ToString();
    directories_.push_back(std::make_unique<EhrDirectory>(std::move(adapter).value()));

    IntegrationOptions integration;
    integration.retry = options.retry;
    integration.worker = "test-" + NewUuid().substr(0, 8);
    auto* waits = options.waits;
    services_.push_back(std::make_unique<IntegrationService>(
        *directories_.back(), options.outbox != nullptr ? *options.outbox : *store_, verifier_,
        *policy_, options.validate ? validator_ : nullptr, clock_, integration,
        [waits](std::chrono::milliseconds wait) {
          if (waits != nullptr)
            waits->push_back(wait);
        }));
    return *services_.back();
  }

  // Accepts `intent` and attempts it at once, as a task's step does.
  WritebackEntry Write(IntegrationService& service, const WriteIntent& intent) {
    Result<WritebackEntry> accepted = service.Accept(intent);
    EXPECT_TRUE(accepted.ok()) << accepted.status().ToString();
    if (!accepted.ok() || accepted->status == WritebackStatus::kHeld)
      return accepted.ok() ? *accepted : WritebackEntry{};
    Result<AttemptResult> attempt = service.AttemptNow(*accepted);
    EXPECT_TRUE(attempt.ok()) << attempt.status().ToString();
    return attempt.ok() ? attempt->entry : WritebackEntry{};
  }

  testing::TempDir dir_;
  std::unique_ptr<http::Client> client_;
  FhirClient ehr_;
  auth::GrantIssuer grants_;
  auth::GrantVerifier verifier_;
  std::unique_ptr<policy::PolicyStore> policy_;
  ManualClock clock_;
  std::unique_ptr<store::Store> store_;
  std::shared_ptr<const validation::Validator> validator_;
  std::vector<std::unique_ptr<EhrDirectory>> directories_;
  std::vector<std::unique_ptr<IntegrationService>> services_;
};

}  // namespace medulla::fhir::writeback_testing
