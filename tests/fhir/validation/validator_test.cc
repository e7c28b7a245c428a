#include "fhir/validation/validator.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <thread>

#include "fhir/resource_mapping.h"

namespace medulla::fhir::validation {
namespace {

using nlohmann::json;
using ::testing::AllOf;
using ::testing::Contains;
using ::testing::Field;
using ::testing::IsEmpty;
using ::testing::Not;

auto IssueAt(const std::string& path, const std::string& rule) {
  return AllOf(Field(&Issue::path, path), Field(&Issue::rule, rule));
}

std::string Describe(const std::vector<Issue>& issues) {
  std::string text;
  for (const Issue& issue : issues) {
    text += issue.path + " [" + issue.rule + "] " + issue.message + "\n";
  }
  return text;
}

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

class ValidatorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<std::shared_ptr<const Validator>> loaded =
        Validator::Load(Validator::kDefaultDefinitionsDir);
    ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
    validator_ = *loaded;
  }

  std::vector<Issue> Check(const json& resource) const { return validator_->Validate(resource); }

  json MappedDraftNote() const {
    Result<json> note =
        ToResource(IntentOf(IntentKind::kDraftNote, {{"subjective", "Knee pain."},
                                                     {"objective", "Swelling."},
                                                     {"assessment", "Meniscal tear."},
                                                     {"plan", "Brace."},
                                                     {"date", "2026-12-04T10:00:00.000Z"}}));
    EXPECT_TRUE(note.ok());
    return *note;
  }

  json MappedAppointment() const {
    Result<json> appointment =
        ToResource(IntentOf(IntentKind::kFollowUpAppointment, {{"start", "2026-12-18T09:00:00Z"},
                                                               {"end", "2026-12-18T09:20:00Z"},
                                                               {"minutes", 20},
                                                               {"reason", "Recheck knee"}}));
    EXPECT_TRUE(appointment.ok());
    return *appointment;
  }

  json MappedClaim() const {
    Result<json> claim = ToResource(IntentOf(
        IntentKind::kClaim,
        {{"created", "2026-12-04"},
         {"provider", "Organization/o1"},
         {"payer", "medicare"},
         {"period", {{"start", "2026-12-04"}, {"end", "2026-12-04"}}},
         {"diagnoses",
          {{{"system", "http://hl7.org/fhir/sid/icd-10-cm"}, {"code", "E11.9"}},
           {{"system", "http://snomed.info/sct"}, {"code", "44054006"}}}},
         {"services", {{{"system", "http://www.ama-assn.org/go/cpt"}, {"code", "99213"}}}}}));
    EXPECT_TRUE(claim.ok());
    return *claim;
  }

  static json Observation() {
    return {{"resourceType", "Observation"},
            {"status", "final"},
            {"code", {{"coding", {{{"system", "http://loinc.org"}, {"code", "2345-7"}}}}}},
            {"subject", {{"reference", "Patient/p1"}}},
            {"valueQuantity",
             {{"value", 95},
              {"unit", "mg/dL"},
              {"system", "http://unitsofmeasure.org"},
              {"code", "mg/dL"}}}};
  }

  std::shared_ptr<const Validator> validator_;
};

TEST_F(ValidatorTest, MappedDraftNoteIsValid) {
  std::vector<Issue> issues = Check(MappedDraftNote());
  EXPECT_THAT(issues, IsEmpty()) << Describe(issues);
}

TEST_F(ValidatorTest, MappedAppointmentIsValid) {
  std::vector<Issue> issues = Check(MappedAppointment());
  EXPECT_THAT(issues, IsEmpty()) << Describe(issues);
}

TEST_F(ValidatorTest, MappedClaimIsValid) {
  std::vector<Issue> issues = Check(MappedClaim());
  EXPECT_THAT(issues, IsEmpty()) << Describe(issues);
}

TEST_F(ValidatorTest, ObservationWithLoincAndUcumIsValid) {
  std::vector<Issue> issues = Check(Observation());
  EXPECT_THAT(issues, IsEmpty()) << Describe(issues);
}

TEST_F(ValidatorTest, MissingRequiredElementIsNamed) {
  json note = MappedDraftNote();
  note.erase("content");

  EXPECT_THAT(Check(note), Contains(IssueAt("DocumentReference.content", "cardinality")));
}

TEST_F(ValidatorTest, MissingRequiredElementInsideBackboneIsNamed) {
  json note = MappedDraftNote();
  note["content"][0].erase("attachment");

  EXPECT_THAT(Check(note),
              Contains(IssueAt("DocumentReference.content[0].attachment", "cardinality")));
}

TEST_F(ValidatorTest, MissingRequiredElementInsideComplexTypeIsNamed) {
  json note = MappedDraftNote();
  note["extension"] = json::array({{{"valueString", "x"}}});

  EXPECT_THAT(Check(note), Contains(IssueAt("DocumentReference.extension[0].url", "cardinality")));
}

TEST_F(ValidatorTest, ArrayForSingleElementIsTooMany) {
  json note = MappedDraftNote();
  note["subject"] = json::array({note["subject"], note["subject"]});

  EXPECT_THAT(Check(note), Contains(IssueAt("DocumentReference.subject", "cardinality")));
}

TEST_F(ValidatorTest, RepeatingElementGivenAsObjectIsAShapeError) {
  json note = MappedDraftNote();
  note["content"] = note["content"][0];

  EXPECT_THAT(Check(note), Contains(IssueAt("DocumentReference.content", "type")));
}

TEST_F(ValidatorTest, TwoTypesOfOneChoiceAreTooMany) {
  json observation = Observation();
  observation["valueString"] = "high";

  EXPECT_THAT(Check(observation), Contains(IssueAt("Observation.value[x]", "cardinality")));
}

TEST_F(ValidatorTest, WrongPrimitiveValuesAreTypeIssues) {
  json appointment = MappedAppointment();
  appointment["minutesDuration"] = -5;
  appointment["start"] = "2026-12-18 09:00";
  appointment["priority"] = "3";

  std::vector<Issue> issues = Check(appointment);

  EXPECT_THAT(issues, Contains(IssueAt("Appointment.minutesDuration", "type")));
  EXPECT_THAT(issues, Contains(IssueAt("Appointment.start", "type")));
  EXPECT_THAT(issues, Contains(IssueAt("Appointment.priority", "type")));
}

TEST_F(ValidatorTest, DateRegexFromTheSpecIsApplied) {
  json claim = MappedClaim();
  claim["created"] = "2026-13-04T00:00:00Z";
  claim["billablePeriod"]["start"] = "2026-12-4";

  std::vector<Issue> issues = Check(claim);

  EXPECT_THAT(issues, Contains(IssueAt("Claim.created", "type")));
  EXPECT_THAT(issues, Contains(IssueAt("Claim.billablePeriod.start", "type")));
}

TEST_F(ValidatorTest, BadBase64AttachmentIsATypeIssue) {
  json note = MappedDraftNote();
  note["content"][0]["attachment"]["data"] = "not base64!";

  EXPECT_THAT(Check(note),
              Contains(IssueAt("DocumentReference.content[0].attachment.data", "type")));
}

TEST_F(ValidatorTest, UnknownElementIsNamedWithItsPath) {
  json note = MappedDraftNote();
  note["content"][0]["attachment"]["mimeType"] = "text/plain";
  note["author_name"] = "someone";

  std::vector<Issue> issues = Check(note);

  EXPECT_THAT(issues, Contains(IssueAt("DocumentReference.content[0].attachment.mimeType",
                                       "unknown-element")));
  EXPECT_THAT(issues, Contains(IssueAt("DocumentReference.author_name", "unknown-element")));
}

TEST_F(ValidatorTest, ChoiceUnderATypeItDoesNotAllowIsUnknown) {
  json observation = Observation();
  observation["effectiveQuantity"] = {{"value", 1}};

  EXPECT_THAT(Check(observation),
              Contains(IssueAt("Observation.effectiveQuantity", "unknown-element")));
}

TEST_F(ValidatorTest, CodeOutsideRequiredValueSetIsABindingIssue) {
  json note = MappedDraftNote();
  note["status"] = "draft";

  EXPECT_THAT(Check(note), Contains(IssueAt("DocumentReference.status", "binding")));
}

TEST_F(ValidatorTest, CodeableConceptOutsideRequiredValueSetIsABindingIssue) {
  json claim = MappedClaim();
  claim["use"] = "claim";
  claim["priority"] = {{"coding", {{{"system", "urn:example"}, {"code", "normal"}}}}};

  std::vector<Issue> issues = Check(claim);

  EXPECT_THAT(issues, Not(Contains(IssueAt("Claim.use", "binding"))));
}

TEST_F(ValidatorTest, ProfileFixedValueIsEnforced) {
  json observation = Observation();
  observation["meta"] = {{"profile", {"http://hl7.org/fhir/StructureDefinition/hdlcholesterol"}}};
  observation["referenceRange"] = {{{"low", {{"value", 1.5}}}}};

  std::vector<Issue> issues = Check(observation);

  EXPECT_THAT(issues, Contains(IssueAt("Observation.code", "fixed"))) << Describe(issues);
  EXPECT_THAT(issues, Not(Contains(IssueAt("Observation.referenceRange[0].low", "fixed"))));
}

TEST_F(ValidatorTest, ProfileFixedValueMatchingPasses) {
  json observation = Observation();
  observation["meta"] = {{"profile", {"http://hl7.org/fhir/StructureDefinition/hdlcholesterol"}}};
  observation["code"] = {
      {"coding",
       {{{"system", "http://loinc.org"}, {"code", "2085-9"}, {"display", "HDL Cholesterol"}}}}};
  observation["referenceRange"] = {{{"low", {{"value", 1.5}}}}};

  std::vector<Issue> issues = Check(observation);

  EXPECT_THAT(issues, IsEmpty()) << Describe(issues);
}

TEST_F(ValidatorTest, ProfileCardinalityIsEnforced) {
  json observation = Observation();
  observation["meta"] = {{"profile", {"http://hl7.org/fhir/StructureDefinition/hdlcholesterol"}}};

  EXPECT_THAT(Check(observation), Contains(IssueAt("Observation.referenceRange", "cardinality")));
}

TEST_F(ValidatorTest, LoincCheckDigitIsATerminologyIssue) {
  json observation = Observation();
  observation["code"]["coding"][0]["code"] = "2345-8";

  EXPECT_THAT(Check(observation),
              Contains(IssueAt("Observation.code.coding[0].code", "terminology")));
}

TEST_F(ValidatorTest, NpiCheckDigitIsATerminologyIssue) {
  json practitioner = {
      {"resourceType", "Practitioner"},
      {"identifier", {{{"system", "http://hl7.org/fhir/sid/us-npi"}, {"value", "1234567890"}}}}};
  EXPECT_THAT(Check(practitioner),
              Contains(IssueAt("Practitioner.identifier[0].value", "terminology")));

  practitioner["identifier"][0]["value"] = "1234567893";
  EXPECT_THAT(Check(practitioner), IsEmpty());
}

TEST_F(ValidatorTest, ClaimCodesAreCheckedBySystem) {
  json claim = MappedClaim();
  claim["diagnosis"][0]["diagnosisCodeableConcept"]["coding"][0]["code"] = "E119";
  claim["diagnosis"][1]["diagnosisCodeableConcept"]["coding"][0]["code"] = "44054005";
  claim["item"][0]["productOrService"]["coding"][0]["code"] = "9921";

  std::vector<Issue> issues = Check(claim);

  EXPECT_THAT(issues, Contains(IssueAt("Claim.diagnosis[0].diagnosisCodeableConcept.coding[0].code",
                                       "terminology")));
  EXPECT_THAT(issues, Contains(IssueAt("Claim.diagnosis[1].diagnosisCodeableConcept.coding[0].code",
                                       "terminology")));
  EXPECT_THAT(issues,
              Contains(IssueAt("Claim.item[0].productOrService.coding[0].code", "terminology")));
}

TEST_F(ValidatorTest, UcumUnitIsCheckedOnQuantities) {
  json observation = Observation();
  observation["valueQuantity"]["code"] = "mg/dLx";

  EXPECT_THAT(Check(observation),
              Contains(IssueAt("Observation.valueQuantity.code", "terminology")));
}

TEST_F(ValidatorTest, ContainedResourcesAreValidated) {
  json note = MappedDraftNote();
  note["contained"] =
      json::array({{{"resourceType", "Practitioner"}, {"id", "a1"}, {"active", "yes"}}});

  EXPECT_THAT(Check(note), Contains(IssueAt("DocumentReference.contained[0].active", "type")));
}

TEST_F(ValidatorTest, UnknownResourceTypeIsRefusedAtTheRoot) {
  EXPECT_THAT(Check({{"resourceType", "Chart"}}), Contains(IssueAt("Chart", "type")));
  EXPECT_THAT(Check(json::array()), Contains(IssueAt("Resource", "type")));
}

TEST_F(ValidatorTest, IssueMessagesNeverCarryTheOffendingValue) {
  const std::string secret = "JaneDoe19800101";
  json note = MappedDraftNote();
  note["status"] = secret;
  note["date"] = secret;
  note["description"] = json::array({secret});
  note["content"][0]["attachment"]["contentType"] = secret + " " + secret + "  x";
  note["content"][0]["attachment"]["data"] = secret + "!";
  note["type"]["coding"][0]["code"] = secret;
  note["identifier"][0]["system"] = "http://hl7.org/fhir/sid/us-npi";
  note["identifier"][0]["value"] = secret;

  std::vector<Issue> issues = Check(note);

  ASSERT_GE(issues.size(), 6u) << Describe(issues);
  for (const Issue& issue : issues) {
    EXPECT_EQ(issue.message.find("JaneDoe"), std::string::npos) << issue.message;
    EXPECT_EQ(issue.path.find("JaneDoe"), std::string::npos) << issue.path;
  }
}

TEST_F(ValidatorTest, ValidatesConcurrently) {
  json claim = MappedClaim();
  json broken = MappedDraftNote();
  broken.erase("content");
  std::vector<std::thread> threads;
  std::vector<size_t> counts(8);
  for (size_t i = 0; i < counts.size(); ++i) {
    threads.emplace_back([&, i] { counts[i] = Check(i % 2 ? claim : broken).size(); });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }

  for (size_t i = 0; i < counts.size(); ++i) {
    EXPECT_EQ(counts[i], i % 2 ? 0u : 1u) << i;
  }
}

TEST(ValidatorLoad, SharesOneValidatorPerFolder) {
  auto first = Validator::Load(Validator::kDefaultDefinitionsDir);
  auto second = Validator::Load(std::string("./") + Validator::kDefaultDefinitionsDir);

  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(first->get(), second->get());
}

TEST(ValidatorLoad, MissingFolderIsNotFound) {
  auto loaded = Validator::Load("third_party/no-such-definitions");

  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace medulla::fhir::validation
