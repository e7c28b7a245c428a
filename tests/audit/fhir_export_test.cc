#include "audit/fhir_export.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "audit/audit_fixture.h"

namespace medulla::audit {
namespace {

using ::testing::HasSubstr;

class FhirExportTest : public AuditTest {
 protected:
  json ExportTask(const std::string& task_id) {
    ExportSelection selection;
    selection.task_id = task_id;
    Result<json> bundle = ExportAudit(*store_, selection, clock_.Now());
    EXPECT_TRUE(bundle.ok()) << bundle.status().ToString();
    return bundle.ok() ? *bundle : json::object();
  }

  static std::vector<json> ResourcesOf(const json& bundle, const std::string& type) {
    std::vector<json> found;
    for (const json& entry : bundle.value("entry", json::array())) {
      if (entry["resource"].value("resourceType", "") == type)
        found.push_back(entry["resource"]);
    }
    return found;
  }

  static std::vector<json> WithSubtype(const std::vector<json>& events, const std::string& code) {
    std::vector<json> found;
    for (const json& event : events) {
      if (event.contains("subtype") && event["subtype"][0]["code"] == code)
        found.push_back(event);
    }
    return found;
  }
};

TEST_F(FhirExportTest, TaskExportsAuditEventsWithTheRequiredElements) {
  std::string task_id = RecordTask({"clinic-a", "dr-grey"});
  json bundle = ExportTask(task_id);

  EXPECT_EQ(bundle["resourceType"], "Bundle");
  EXPECT_EQ(bundle["type"], "collection");
  std::vector<json> audits = ResourcesOf(bundle, "AuditEvent");
  // Two reads, one write, one refused tool, one policy denial.
  ASSERT_EQ(audits.size(), 5u);
  for (const json& audit : audits) {
    EXPECT_TRUE(audit["type"].contains("code")) << audit.dump();
    EXPECT_TRUE(ParseTimestamp(audit["recorded"].get<std::string>()).ok());
    ASSERT_EQ(audit["agent"].size(), 2u);
    EXPECT_EQ(audit["agent"][0]["requestor"], true);
    EXPECT_EQ(audit["agent"][0]["who"]["identifier"]["value"], "dr-grey");
    EXPECT_EQ(audit["agent"][1]["requestor"], false);
    EXPECT_EQ(audit["agent"][1]["who"]["display"], "scribe");
    EXPECT_EQ(audit["source"]["observer"]["display"], "Medulla");
    EXPECT_EQ(audit["source"]["site"], "clinic-a");
    EXPECT_TRUE(ValidateAuditEvent(audit).ok());
  }
}

TEST_F(FhirExportTest, ReadsAndWritesNameTheirResources) {
  std::string task_id = RecordTask({"clinic-a", "dr-grey"});
  std::vector<json> audits = ResourcesOf(ExportTask(task_id), "AuditEvent");

  std::vector<json> reads = WithSubtype(audits, "read");
  ASSERT_EQ(reads.size(), 2u);
  EXPECT_EQ(reads[0]["type"]["code"], "rest");
  EXPECT_EQ(reads[0]["action"], "R");
  EXPECT_EQ(reads[0]["outcome"], "0");
  EXPECT_EQ(reads[0]["entity"][0]["what"]["reference"], "Patient/p-100");
  EXPECT_EQ(reads[1]["entity"][0]["what"]["reference"], "Observation/obs-5");
  EXPECT_EQ(reads[1]["entity"][0]["detail"][0]["valueString"], "code,valueQuantity");
  EXPECT_EQ(reads[0]["recorded"], FormatTimestamp(clock_.Now()));

  std::vector<json> writes = WithSubtype(audits, "create");
  ASSERT_EQ(writes.size(), 1u);
  EXPECT_EQ(writes[0]["action"], "C");
  EXPECT_EQ(writes[0]["entity"][0]["what"]["reference"], "DocumentReference/doc-77");
  EXPECT_EQ(writes[0]["entity"][1]["what"]["identifier"]["value"], task_id);
}

TEST_F(FhirExportTest, RefusalsAndDenialsCarryFailureOutcomes) {
  std::vector<json> audits =
      ResourcesOf(ExportTask(RecordTask({"clinic-a", "dr-grey"})), "AuditEvent");

  std::vector<std::string> alerts;
  for (const json& audit : audits) {
    if (audit["type"]["code"] == "110113")
      alerts.push_back(audit["outcome"].get<std::string>() + " " +
                       audit["outcomeDesc"].get<std::string>());
  }
  ASSERT_EQ(alerts.size(), 2u);
  EXPECT_THAT(alerts[0], HasSubstr("4 tool order_labs refused"));
  EXPECT_THAT(alerts[1], HasSubstr("8 policy denies tool:read_billing"));
  EXPECT_THAT(alerts[1], HasSubstr("BillingStaffOnly"));
}

TEST_F(FhirExportTest, ConfirmedWriteHasProvenanceWithAuthorAndAgent) {
  std::string task_id = RecordTask({"clinic-a", "dr-grey"});
  std::vector<json> provenances = ResourcesOf(ExportTask(task_id), "Provenance");

  ASSERT_EQ(provenances.size(), 1u);
  const json& provenance = provenances[0];
  EXPECT_EQ(provenance["target"][0]["reference"], "DocumentReference/doc-77");
  EXPECT_EQ(provenance["recorded"], FormatTimestamp(clock_.Now()));
  ASSERT_EQ(provenance["agent"].size(), 2u);
  EXPECT_EQ(provenance["agent"][0]["type"]["coding"][0]["code"], "author");
  EXPECT_EQ(provenance["agent"][0]["who"]["identifier"]["value"], "dr-grey");
  EXPECT_EQ(provenance["agent"][1]["type"]["coding"][0]["code"], "performer");
  EXPECT_EQ(provenance["agent"][1]["who"]["display"], "scribe");
  EXPECT_EQ(provenance["agent"][1]["onBehalfOf"]["identifier"]["value"], "dr-grey");
  EXPECT_EQ(provenance["entity"][0]["role"], "source");
  EXPECT_EQ(provenance["entity"][0]["what"]["identifier"]["value"], task_id);
  EXPECT_TRUE(ValidateProvenance(provenance).ok());
}

TEST_F(FhirExportTest, HeldAndFailedWritesHaveNoProvenance) {
  std::string held =
      RecordTask({"clinic-a", "dr-grey", "scribe", "Patient/p-1", WriteEnding::kHeld});
  std::string failed =
      RecordTask({"clinic-a", "dr-grey", "scribe", "Patient/p-1", WriteEnding::kFailed});

  EXPECT_TRUE(ResourcesOf(ExportTask(held), "Provenance").empty());
  json failed_bundle = ExportTask(failed);
  EXPECT_TRUE(ResourcesOf(failed_bundle, "Provenance").empty());
  std::vector<json> writes = WithSubtype(ResourcesOf(failed_bundle, "AuditEvent"), "create");
  ASSERT_EQ(writes.size(), 1u);
  EXPECT_EQ(writes[0]["outcome"], "8");
  EXPECT_EQ(writes[0]["outcomeDesc"], "the EHR refused the write");
}

TEST_F(FhirExportTest, TimeRangeKeepsOnlyEventsStampedInside) {
  RecordTask({"clinic-a", "dr-grey"});
  clock_.Advance(std::chrono::hours(2));
  TimePoint later = clock_.Now();
  std::string second = RecordTask({"clinic-b", "dr-shepherd", "intake"});

  ExportSelection selection;
  selection.from = later;
  selection.to = later + std::chrono::minutes(1);
  Result<json> bundle = ExportAudit(*store_, selection, clock_.Now());

  ASSERT_TRUE(bundle.ok()) << bundle.status().ToString();
  std::vector<json> audits = ResourcesOf(*bundle, "AuditEvent");
  ASSERT_EQ(audits.size(), 5u);
  for (const json& audit : audits)
    EXPECT_EQ(audit["source"]["site"], "clinic-b");
}

TEST_F(FhirExportTest, SelectionMustNameATaskOrARange) {
  ExportSelection neither;
  EXPECT_EQ(ExportAudit(*store_, neither, clock_.Now()).status().code(),
            StatusCode::kInvalidArgument);

  ExportSelection open_range;
  open_range.from = clock_.Now();
  EXPECT_EQ(ExportAudit(*store_, open_range, clock_.Now()).status().code(),
            StatusCode::kInvalidArgument);

  ExportSelection unknown;
  unknown.task_id = "no-such-task";
  EXPECT_EQ(ExportAudit(*store_, unknown, clock_.Now()).status().code(), StatusCode::kNotFound);
}

TEST(FhirValidation, MissingRequiredElementsAreNamed) {
  json audit = {{"resourceType", "AuditEvent"},
                {"type", {{"code", "rest"}}},
                {"recorded", "2026-03-02T09:00:00Z"},
                {"agent", {{{"who", {{"display", "scribe"}}}, {"requestor", false}}}},
                {"source", {{"observer", {{"display", "Medulla"}}}}}};
  EXPECT_TRUE(ValidateAuditEvent(audit).ok());

  json no_observer = audit;
  no_observer["source"].erase("observer");
  EXPECT_THAT(ValidateAuditEvent(no_observer).message(), HasSubstr("source.observer"));

  json no_requestor = audit;
  no_requestor["agent"][0].erase("requestor");
  EXPECT_THAT(ValidateAuditEvent(no_requestor).message(), HasSubstr("agent.requestor"));

  json no_type = audit;
  no_type.erase("type");
  EXPECT_THAT(ValidateAuditEvent(no_type).message(), HasSubstr("type"));

  json provenance = {{"resourceType", "Provenance"},
                     {"target", {{{"reference", "DocumentReference/1"}}}},
                     {"recorded", "2026-03-02T09:00:00Z"},
                     {"agent", {{{"who", {{"identifier", {{"value", "dr-grey"}}}}}}}}};
  EXPECT_TRUE(ValidateProvenance(provenance).ok());
  json no_target = provenance;
  no_target.erase("target");
  EXPECT_THAT(ValidateProvenance(no_target).message(), HasSubstr("target"));
  json no_who = provenance;
  no_who["agent"][0].erase("who");
  EXPECT_THAT(ValidateProvenance(no_who).message(), HasSubstr("agent.who"));
}

}  // namespace
}  // namespace medulla::audit
