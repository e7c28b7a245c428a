// A tenant whose EHR is Epic: the node signs in to the sandbox's Epic persona as a SMART
// backend-services client, writes the draft note there by a search-guarded create, and leaves
// what Epic does not take over FHIR (the follow-up and the claim) to staff as work items.
#include <gtest/gtest.h>

#include <memory>

#include "auth/jws.h"
#include "clinic/clinic_day.h"
#include "common/time.h"
#include "fhir/fhir_client.h"
#include "fhir/intent.h"
#include "fhir/smart_backend_auth.h"
#include "fhir/vendor_profile.h"
#include "support/outbox_watch.h"
#include "support/running_node.h"
#include "support/sandbox_environment.h"

namespace medulla::testing {
namespace {

using nlohmann::json;

const auto* const kEnvironment = SandboxEnvironment::Register();

constexpr char kTenant[] = "clinic-epic";
constexpr char kClientId[] = "medulla-clinic-epic";
constexpr char kEpicPersona[] = "epic";

// The node's Epic client key is made here, before the node starts, so that its public half
// can be registered with the persona first, as a clinic's Epic administrator would.
class VendorTenantTest : public ::testing::Test {
 protected:
  VendorTenantTest() : client_(http::MakeClient()) {}

  void SetUp() override {
    SandboxEnvironment::ehr().ClearFaults();
    Result<std::vector<clinic::Appointment>> day = clinic::LoadClinicDay("data");
    ASSERT_TRUE(day.ok()) << day.status().ToString();
    appointments_ = *day;
    key_path_ = keys_.File("epic-client.pem");
    RegisterWithEpic();
    if (HasFatalFailure())
      return;

    node_ = std::make_unique<RunningNode>(
        SandboxEnvironment::ehr().fhir_base(), [this](cli::Config& config) {
          cli::EhrSetting epic;
          epic.tenant = kTenant;
          epic.vendor = "epic";
          epic.origin = SandboxEnvironment::ehr().PersonaOrigin(kEpicPersona);
          epic.client_id = kClientId;
          epic.private_key = key_path_;
          config.tenant_ehrs.push_back(epic);
        });
    token_ = node_->Token(kTenant);
  }

  void RegisterWithEpic() {
    Result<std::string> pem = fhir::GenerateClientKeyPem(fhir::AssertionAlgorithm::kRs384);
    ASSERT_TRUE(pem.ok()) << pem.status().ToString();
    ASSERT_TRUE(auth::jws::WriteNewKeyFile(key_path_, *pem).ok());
    Result<json> jwks = fhir::PublicJwksForPem(*pem, fhir::AssertionAlgorithm::kRs384);
    ASSERT_TRUE(jwks.ok()) << jwks.status().ToString();
    json registered = SandboxEnvironment::ehr().RegisterClient(kEpicPersona, kClientId, *jwks);
    ASSERT_FALSE(registered.contains("error")) << registered.dump();

    // The test reads the persona as the same client, the way Epic's own tools would show it.
    fhir::BackendServicesConfig reader;
    reader.token_url =
        SandboxEnvironment::ehr().origin() + registered["token_endpoint"].get<std::string>();
    reader.client_id = kClientId;
    reader.private_key_pem = *pem;
    reader.scopes = {"system/DocumentReference.rs"};
    Result<std::unique_ptr<fhir::SmartBackendAuth>> tokens =
        fhir::SmartBackendAuth::Create(reader, *client_, SystemClock::Instance());
    ASSERT_TRUE(tokens.ok()) << tokens.status().ToString();
    epic_tokens_ = std::move(tokens).value();
    fhir::FhirClientOptions options;
    options.tokens = epic_tokens_.get();
    epic_ = std::make_unique<fhir::FhirClient>(
        SandboxEnvironment::ehr().origin() + registered["fhir_base"].get<std::string>(), *client_,
        options);
  }

  const clinic::Appointment& Visit(const std::string& id) {
    for (const clinic::Appointment& appointment : appointments_) {
      if (appointment.visit == id)
        return appointment;
    }
    ADD_FAILURE() << "no visit " << id << " in the clinic day";
    return appointments_.front();
  }

  json RunVisit(const clinic::Appointment& visit) {
    std::string task =
        node_->Submit({{"input", {{"dialogue", visit.dialogue}, {"encounter", visit.encounter}}},
                       {"patient", visit.patient}},
                      token_);
    return node_->WaitForTask(task, token_);
  }

  // The draft notes a FHIR server holds under Medulla's identifier for the visit's note.
  static std::vector<json> NotesIn(fhir::FhirClient& ehr, const clinic::Appointment& visit) {
    std::string id = fhir::MakeIntentId(kTenant, visit.encounter, fhir::IntentKind::kDraftNote);
    Result<std::vector<json>> found =
        ehr.Search("DocumentReference",
                   {{"identifier", std::string(fhir::kWritebackIdentifierSystem) + "|" + id}});
    EXPECT_TRUE(found.ok()) << found.status().ToString();
    return found.ok() ? *found : std::vector<json>{};
  }

  // The outbox entry of `kind` for the task; null when there is none.
  json EntryOf(const std::string& task, const std::string& kind) {
    for (const json& entry : ListWritebacks(*node_, token_, "task=" + task)) {
      if (entry["kind"] == kind)
        return entry;
    }
    return json();
  }

  TempDir keys_;
  std::string key_path_;
  std::unique_ptr<http::Client> client_;
  std::unique_ptr<fhir::SmartBackendAuth> epic_tokens_;
  std::unique_ptr<fhir::FhirClient> epic_;
  std::unique_ptr<RunningNode> node_;
  std::string token_;
  std::vector<clinic::Appointment> appointments_;
};

TEST_F(VendorTenantTest, DraftNoteLandsInTheEpicPersonaAndNotInTheGenericOne) {
  const clinic::Appointment& visit = Visit("D2N005");

  json state = RunVisit(visit);

  ASSERT_NE(state.value("status", ""), "failed") << state.dump(2);
  std::vector<json> in_epic = NotesIn(*epic_, visit);
  ASSERT_EQ(in_epic.size(), 1u) << state.dump(2);
  EXPECT_EQ(in_epic[0]["docStatus"], "preliminary");
  EXPECT_EQ(in_epic[0]["subject"]["reference"], visit.patient);
  fhir::FhirClient generic(SandboxEnvironment::ehr().fhir_base(), *client_);
  EXPECT_TRUE(NotesIn(generic, visit).empty()) << "the note reached the generic persona";
  json note = EntryOf(state["id"], "draft_note");
  EXPECT_EQ(note["route"], "fhir");
  EXPECT_EQ(note["status"], "confirmed");
}

TEST_F(VendorTenantTest, FollowUpAndClaimWaitForStaffWithAPrintableDocument) {
  const clinic::Appointment& visit = Visit("D2N005");  // plan: return in 2 weeks

  json state = RunVisit(visit);

  ASSERT_NE(state.value("status", ""), "failed") << state.dump(2);
  for (const char* kind : {"follow_up_appointment", "claim"}) {
    json entry = EntryOf(state["id"], kind);
    ASSERT_TRUE(entry.is_object()) << kind << " has no outbox entry: " << state.dump(2);
    EXPECT_EQ(entry["route"], "work_item") << kind;
    EXPECT_EQ(entry["status"], "pending") << kind;

    http::ClientResponse page = node_->Call(
        "GET", "/v1/writebacks/" + entry["intent_id"].get<std::string>() + "/document", "", token_);
    EXPECT_EQ(page.status, 200) << kind << ": " << page.body;
    EXPECT_EQ(page.headers["Content-Type"].rfind("text/html", 0), 0u) << kind;
    EXPECT_NE(page.body.find("<html"), std::string::npos) << kind;
  }
}

TEST_F(VendorTenantTest, StaffCompletingAWorkItemConfirmsItAndAClinicianMayNot) {
  const clinic::Appointment& visit = Visit("D2N018");
  json state = RunVisit(visit);
  ASSERT_NE(state.value("status", ""), "failed") << state.dump(2);
  json claim = EntryOf(state["id"], "claim");
  ASSERT_TRUE(claim.is_object()) << "the visit drafted no claim: " << state.dump(2);
  std::string path = "/v1/writebacks/" + claim["intent_id"].get<std::string>() + "/complete";
  std::string staff = TokenWithRoles(*node_, kTenant, {"staff"}, "front-office-1");

  http::ClientResponse by_clinician = node_->Call("POST", path, "", token_);
  http::ClientResponse by_staff =
      node_->Call("POST", path, json({{"reference", "Claim/epic-claim-1"}}).dump(), staff);

  EXPECT_EQ(by_clinician.status, 403) << by_clinician.body;
  ASSERT_EQ(by_staff.status, 200) << by_staff.body;
  EXPECT_EQ(json::parse(by_staff.body)["status"], "confirmed");
  EXPECT_EQ(EntryOf(state["id"], "claim")["status"], "confirmed");
  json after = node_->WaitForTask(state["id"], token_);
  bool recorded = false;
  for (const json& intent : after["intents"]) {
    if (intent["intent_id"] == claim["intent_id"])
      recorded = intent["status"] == "confirmed" && intent["outcome"] == "completed_by_staff";
  }
  EXPECT_TRUE(recorded) << after.dump(2);
}

TEST_F(VendorTenantTest, ANoteStillLandsAfterEpicExpiresEveryToken) {
  const clinic::Appointment& first = Visit("D2N040");
  const clinic::Appointment& second = Visit("D2N027");
  json before = RunVisit(first);
  ASSERT_EQ(NotesIn(*epic_, first).size(), 1u) << before.dump(2);

  json expired = SandboxEnvironment::ehr().ExpireTokens(kEpicPersona);
  ASSERT_FALSE(expired.contains("error")) << expired.dump();
  ASSERT_GT(expired["expired"].get<int>(), 0) << "the persona had issued no token to expire";
  json after = RunVisit(second);

  ASSERT_NE(after.value("status", ""), "failed") << after.dump(2);
  EXPECT_EQ(EntryOf(after["id"], "draft_note")["status"], "confirmed") << after.dump(2);
  EXPECT_EQ(NotesIn(*epic_, second).size(), 1u) << after.dump(2);
}

// True when `scopes` lets a backend client read and search `type` (SMART v1 or v2 syntax).
bool GrantsRead(const std::vector<std::string>& scopes, const std::string& type) {
  for (const std::string& scope : scopes) {
    for (const std::string& prefix : {"system/" + type + ".", std::string("system/*.")}) {
      if (scope.rfind(prefix, 0) != 0)
        continue;
      std::string access = scope.substr(prefix.size());
      bool smart_v2 = !access.empty() && access.find_first_not_of("cruds") == std::string::npos;
      if (access == "read" || access == "*" || (smart_v2 && access.find('r') != std::string::npos))
        return true;
    }
  }
  return false;
}

// The sandbox grants whatever scope is asked for and does not check it against the resource a
// call touches; Epic does. So the profile itself must ask for a read scope on every type the
// agents read: intake and billing search Consent, billing searches Condition and Claim by
// encounter.
TEST(EpicProfile, AsksForAReadScopeOnEveryTypeTheAgentsRead) {
  Result<std::map<std::string, fhir::VendorProfile>> profiles =
      fhir::LoadVendorProfiles("config/vendors");
  ASSERT_TRUE(profiles.ok()) << profiles.status().ToString();
  ASSERT_TRUE(profiles->count("epic"));
  const std::vector<std::string>& scopes = profiles->at("epic").auth.scopes;

  for (const char* type : {"Patient", "Consent", "Encounter", "Condition", "Claim"}) {
    EXPECT_TRUE(GrantsRead(scopes, type))
        << "config/vendors/epic.yaml asks for no scope to read " << type;
  }
}

}  // namespace
}  // namespace medulla::testing
