// Both directions: what happens inside the EHR to what Medulla wrote reaches the task that wrote
// it. A clinician signs the draft note and front-desk staff confirm the proposed follow-up in the
// sandbox EHR; the node learns of it by a rest-hook Subscription notification, or by polling
// with _lastUpdated when it has not subscribed. Reconciliation then compares the outbox with the
// EHR and repairs a note deleted from it.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "clinic/clinic_day.h"
#include "fhir/fhir_client.h"
#include "fhir/intent.h"
#include "support/running_node.h"
#include "support/sandbox_environment.h"

namespace medulla::testing {
namespace {

using nlohmann::json;

const auto* const kEnvironment = SandboxEnvironment::Register();
constexpr char kTenant[] = "clinic-changes";
constexpr char kSecret[] = "sandbox-notification-secret-0123456789";

class EhrChangesTest : public ::testing::Test {
 protected:
  EhrChangesTest()
      : client_(http::MakeClient()), ehr_(SandboxEnvironment::ehr().fhir_base(), *client_) {
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

  static json RunVisit(RunningNode& node, const std::string& token,
                       const clinic::Appointment& visit) {
    std::string task =
        node.Submit({{"input", {{"dialogue", visit.dialogue}, {"encounter", visit.encounter}}},
                     {"patient", visit.patient}},
                    token);
    return node.WaitForTask(task, token);
  }

  // The resource the EHR holds for one of the visit's writes.
  json Written(const clinic::Appointment& visit, fhir::IntentKind kind) {
    std::string id = fhir::MakeIntentId(kTenant, visit.encounter, kind);
    Result<std::vector<json>> found =
        ehr_.Search(fhir::ResourceTypeFor(kind),
                    {{"identifier", std::string(fhir::kWritebackIdentifierSystem) + "|" + id}});
    EXPECT_TRUE(found.ok() && found->size() == 1) << visit.visit;
    return found.ok() && found->size() == 1 ? found->front() : json::object();
  }

  void ChangeInTheEhr(json resource, const std::string& element, const std::string& value) {
    resource[element] = value;
    std::string reference =
        resource["resourceType"].get<std::string>() + "/" + resource["id"].get<std::string>();
    fhir::WriteAnswer updated = ehr_.Update(reference, resource, "");
    ASSERT_TRUE(updated.status.ok()) << updated.status.ToString();
  }

  // Waits for the task to hold an ehr.changed event of `change`, and returns it.
  static json WaitForChange(RunningNode& node, const std::string& token, const std::string& task,
                            const std::string& change) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < deadline) {
      json events =
          json::parse(node.Call("GET", "/v1/tasks/" + task + "/events", "", token).body)["events"];
      for (const json& event : events) {
        if (event["type"] == "ehr.changed" && event["payload"]["change"] == change)
          return event["payload"];
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ADD_FAILURE() << "no ehr.changed " << change << " on task " << task;
    return json::object();
  }

  static int CountEvents(RunningNode& node, const std::string& token, const std::string& task,
                         const std::string& type) {
    json events =
        json::parse(node.Call("GET", "/v1/tasks/" + task + "/events", "", token).body)["events"];
    int count = 0;
    for (const json& event : events)
      count += event["type"] == type ? 1 : 0;
    return count;
  }

  std::unique_ptr<http::Client> client_;
  fhir::FhirClient ehr_;
  std::vector<clinic::Appointment> appointments_;
};

TEST_F(EhrChangesTest, NoteSignedAndFollowUpConfirmedInTheEhrReachTheTaskBySubscription) {
  RunningNode node(SandboxEnvironment::ehr().fhir_base(),
                   [](cli::Config& config) { config.notification_secret = kSecret; });
  std::string token = node.Token(kTenant);
  const clinic::Appointment& visit = Visit("D2N005");
  json state = RunVisit(node, token, visit);
  ASSERT_EQ(state["status"], "done") << state.dump(2);

  ChangeInTheEhr(Written(visit, fhir::IntentKind::kDraftNote), "docStatus", "final");
  ChangeInTheEhr(Written(visit, fhir::IntentKind::kFollowUpAppointment), "status", "booked");

  json signed_note = WaitForChange(node, token, state["id"], "signed");
  EXPECT_EQ(signed_note["via"], "subscription");
  EXPECT_EQ(signed_note["resource_type"], "DocumentReference");
  json confirmed = WaitForChange(node, token, state["id"], "confirmed");
  EXPECT_EQ(confirmed["via"], "subscription");
  EXPECT_EQ(CountEvents(node, token, state["id"], "ehr.changed"), 2)
      << "Medulla's own writes, seen again, are not changes";
}

TEST_F(EhrChangesTest, NotificationWithTheWrongSecretIsRefusedAndRecordsNothing) {
  RunningNode node(SandboxEnvironment::ehr().fhir_base(),
                   [](cli::Config& config) { config.notification_secret = kSecret; });
  json forged = {{"resourceType", "DocumentReference"}, {"docStatus", "final"}};

  http::ClientRequest request;
  request.method = "POST";
  request.url = node.base_url() + "/v1/ehr/notifications/default";
  request.headers["Authorization"] = "Bearer not-the-secret";
  request.body = forged.dump();
  Result<http::ClientResponse> answer = client_->Send(request);

  ASSERT_TRUE(answer.ok());
  EXPECT_EQ(answer->status, 401);
  EXPECT_EQ(answer->Header("Content-Type"), "application/problem+json");
}

TEST_F(EhrChangesTest, WithoutSubscriptionsPollingFindsTheSignedNote) {
  RunningNode node(SandboxEnvironment::ehr().fhir_base(), [](cli::Config& config) {
    config.notification_secret.clear();
    config.poll_interval_ms = 200;
  });
  std::string token = node.Token(kTenant);
  const clinic::Appointment& visit = Visit("D2N040");
  json state = RunVisit(node, token, visit);
  ASSERT_EQ(state["status"], "done") << state.dump(2);

  ChangeInTheEhr(Written(visit, fhir::IntentKind::kDraftNote), "docStatus", "final");

  json signed_note = WaitForChange(node, token, state["id"], "signed");
  EXPECT_EQ(signed_note["via"], "poll");
  std::this_thread::sleep_for(std::chrono::milliseconds(600));
  EXPECT_EQ(CountEvents(node, token, state["id"], "ehr.changed"), 1)
      << "a change seen by several polls is recorded once";
}

}  // namespace
}  // namespace medulla::testing
