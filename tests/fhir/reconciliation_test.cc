// Reconciliation against the sandbox EHR: what Medulla believes it wrote, compared with what the
// EHR holds after people and faults have been at it.
#include "fhir/reconciliation.h"

#include <gtest/gtest.h>

#include "fhir/writeback_fixture.h"

namespace medulla::fhir {
namespace {

using namespace writeback_testing;

const auto* const kEnvironment = SandboxEnvironment::Register();

class ReconciliationTest : public IntegrationServiceTest {
 protected:
  ReconciliationTest() : service_(&Service()), reconciler_(*directories_.back(), *store_, clock_) {}

  // A tenant of its own per test, so that each reconciliation sees only its test's writes.
  WriteIntent NoteOfOwnTenant(const std::string& label) {
    WriteIntent intent = DraftNoteFor(NewEncounter(label));
    intent.tenant = "reconcile-" + NewUuid().substr(0, 8);
    intent.intent_id = MakeIntentId(intent.tenant, intent.encounter, intent.kind);
    return Granted(intent);
  }

  ReconciliationReport Reconcile(const std::string& tenant) {
    Result<ReconciliationReport> report = reconciler_.Reconcile(tenant);
    EXPECT_TRUE(report.ok()) << report.status().ToString();
    return report.ok() ? *report : ReconciliationReport{};
  }

  WritebackEntry Entry(const WriteIntent& intent) {
    return store_->FindWriteback(intent.tenant, intent.intent_id).value().value();
  }

  static std::vector<std::string> Findings(const ReconciliationReport& report) {
    std::vector<std::string> findings;
    for (const AttemptResult& change : report.changes) {
      for (const WritebackTransition& transition : change.transitions) {
        if (transition.event_type == std::string(store::event_type::kWritebackFlagged))
          findings.push_back(transition.payload["finding"]);
      }
    }
    return findings;
  }

  Status Delete(const std::string& reference) {
    http::ClientRequest request;
    request.method = "DELETE";
    request.url = SandboxEnvironment::ehr().fhir_base() + "/" + reference;
    ASSIGN_OR_RETURN(http::ClientResponse response, client_->Send(request));
    return response.status < 300 ? Status::Ok() : Internal("delete answered an error");
  }

  IntegrationService* service_;
  Reconciler reconciler_;
};

TEST_F(ReconciliationTest, WriteAsWrittenIsReconciledOnceAndThenHasNothingNewToSay) {
  WriteIntent intent = NoteOfOwnTenant("as-written");
  ASSERT_EQ(Write(*service_, intent).status, WritebackStatus::kConfirmed);

  ReconciliationReport first = Reconcile(intent.tenant);
  ReconciliationReport second = Reconcile(intent.tenant);

  EXPECT_EQ(first.as_written, 1);
  EXPECT_EQ(first.changes.size(), 1u);
  EXPECT_EQ(Entry(intent).status, WritebackStatus::kReconciled);
  EXPECT_EQ(second.as_written, 1);
  EXPECT_TRUE(second.changes.empty());
}

TEST_F(ReconciliationTest, NoteDeletedFromTheEhrIsQueuedAgainAndWrittenAgain) {
  WriteIntent intent = NoteOfOwnTenant("deleted");
  WritebackEntry written = Write(*service_, intent);
  ASSERT_TRUE(Delete(written.reference).ok());

  ReconciliationReport report = Reconcile(intent.tenant);
  EXPECT_EQ(report.repaired, 1);
  EXPECT_EQ(Findings(report), std::vector<std::string>{"missing"});
  EXPECT_EQ(Entry(intent).status, WritebackStatus::kRetrying);

  Result<std::optional<AttemptResult>> drained = service_->DrainOne();
  ASSERT_TRUE(drained.ok() && drained->has_value());
  EXPECT_EQ((*drained)->entry.status, WritebackStatus::kConfirmed);
  EXPECT_EQ(StoredWith(intent), 1u);
}

TEST_F(ReconciliationTest, WriteGivenUpOnButHeldByTheEhrIsConfirmedAfterTheFact) {
  WriteIntent intent = NoteOfOwnTenant("lost-answer");
  ASSERT_EQ(Write(*service_, intent).status, WritebackStatus::kConfirmed);
  WritebackEntry lost =
      store_->ClaimWritebackById(intent.tenant, intent.intent_id, "test", std::chrono::seconds(5))
          .value()
          .value();
  lost.status = WritebackStatus::kFailed;
  lost.reference.clear();
  ASSERT_TRUE(store_->UpdateWriteback(lost).ok());

  ReconciliationReport report = Reconcile(intent.tenant);

  EXPECT_EQ(Findings(report), std::vector<std::string>{"written_though_failed"});
  WritebackEntry entry = Entry(intent);
  EXPECT_EQ(entry.status, WritebackStatus::kReconciled);
  EXPECT_EQ(entry.reference.rfind("DocumentReference/", 0), 0u);
}

TEST_F(ReconciliationTest, NoteSignedAndEditedInTheEhrIsASignalNotSomethingToUndo) {
  WriteIntent intent = NoteOfOwnTenant("edited");
  WritebackEntry written = Write(*service_, intent);
  json note = ehr_.Read(written.reference).value();
  note["docStatus"] = "final";
  note["description"] = "Visit note, reviewed and signed";
  ASSERT_TRUE(ehr_.Update(written.reference, note, "").status.ok());

  ReconciliationReport report = Reconcile(intent.tenant);

  EXPECT_EQ(Findings(report), std::vector<std::string>{"edited_in_ehr"});
  EXPECT_EQ(Entry(intent).status, WritebackStatus::kReconciled);
  EXPECT_EQ(ehr_.Read(written.reference).value()["description"], "Visit note, reviewed and signed");
}

TEST_F(ReconciliationTest, DraftAlteredWhileStillMedullasIsRestored) {
  WriteIntent intent = NoteOfOwnTenant("altered");
  WritebackEntry written = Write(*service_, intent);
  json note = ehr_.Read(written.reference).value();
  note["description"] = "changed by an interface engine";
  ASSERT_TRUE(ehr_.Update(written.reference, note, "").status.ok());

  ReconciliationReport report = Reconcile(intent.tenant);

  EXPECT_EQ(Findings(report), std::vector<std::string>{"draft_altered"});
  EXPECT_EQ(Entry(intent).status, WritebackStatus::kReconciled);
  EXPECT_EQ(ehr_.Read(written.reference).value()["description"],
            ToResource(intent).value()["description"]);
}

TEST_F(ReconciliationTest, CopiesInTheEhrAreHeldForStaffToRemove) {
  WriteIntent intent = NoteOfOwnTenant("copies");
  ASSERT_EQ(Write(*service_, intent).status, WritebackStatus::kConfirmed);
  ASSERT_TRUE(ehr_.Create(ToResource(intent).value()).status.ok());

  ReconciliationReport report = Reconcile(intent.tenant);

  EXPECT_EQ(Findings(report), std::vector<std::string>{"duplicates"});
  WritebackEntry entry = Entry(intent);
  EXPECT_EQ(entry.status, WritebackStatus::kHeld);
  EXPECT_NE(entry.reason.find("2 copies"), std::string::npos) << entry.reason;
}

}  // namespace
}  // namespace medulla::fhir
