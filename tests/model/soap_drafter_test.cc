// The scribe rules on real transcripts: three ACI-BENCH visits and five MTS-Dialog rows
// (fixtures/README.md names them and their licences).
#include "model/offline/soap_drafter.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

#include "model/offline/follow_up_extractor.h"

namespace medulla::model::offline {
namespace {

using nlohmann::json;

json ReadFixture(const std::string& name) {
  std::ifstream in("tests/model/fixtures/" + name);
  EXPECT_TRUE(in.good()) << "run the tests from the repository root";
  return json::parse(in);
}

const json& AciVisit(const std::string& encounter_id) {
  static const json visits = ReadFixture("aci_bench_valid.json");
  for (const json& visit : visits) {
    if (visit["encounter_id"] == encounter_id)
      return visit;
  }
  throw std::runtime_error("no fixture for " + encounter_id);
}

std::string Lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

// The reference note from its plan heading to the end: plan, then instructions.
std::string ReferencePlan(const std::string& note) {
  const size_t heading = note.find("\nPLAN\n");
  EXPECT_NE(heading, std::string::npos);
  return note.substr(heading);
}

std::string ReferenceAssessment(const std::string& note) {
  const size_t heading = note.find("\nASSESSMENT\n");
  const size_t from = heading != std::string::npos ? heading : note.find("\nIMPRESSION\n");
  EXPECT_NE(from, std::string::npos);
  return note.substr(from, note.find("\nPLAN\n") - from);
}

bool HasSpeakerTag(const std::string& text) {
  const std::string lower = Lower(text);
  return lower.find("[doctor]") != std::string::npos ||
         lower.find("[patient]") != std::string::npos ||
         lower.find("doctor:") != std::string::npos || lower.find("patient:") != std::string::npos;
}

struct AciCase {
  const char* encounter_id;
  const char* diagnosis_word;  // in the reference assessment
  const char* plan_word;       // in the reference plan
  int reference_days;          // the follow-up interval the reference note states
  int spoken_days;             // the interval the doctor says aloud
};

class AciVisitDraft : public ::testing::TestWithParam<AciCase> {
 protected:
  const json& visit() const { return AciVisit(GetParam().encounter_id); }
  SoapDraft Draft() const { return DraftSoapNote(visit()["dialogue"].get<std::string>()); }
};

TEST_P(AciVisitDraft, FillsAllFourSections) {
  const SoapDraft draft = Draft();

  EXPECT_FALSE(draft.subjective.empty());
  EXPECT_FALSE(draft.objective.empty());
  EXPECT_FALSE(draft.assessment.empty());
  EXPECT_FALSE(draft.plan.empty());
  EXPECT_GE(draft.confidence, 0.5);
  EXPECT_LE(draft.confidence, 1.0);
}

TEST_P(AciVisitDraft, CarriesTheReferenceDiagnosisAndPlanWords) {
  const std::string note = visit()["note"].get<std::string>();
  ASSERT_NE(Lower(ReferenceAssessment(note)).find(GetParam().diagnosis_word), std::string::npos);
  ASSERT_NE(Lower(ReferencePlan(note)).find(GetParam().plan_word), std::string::npos);

  const SoapDraft draft = Draft();
  EXPECT_NE(Lower(draft.assessment).find(GetParam().diagnosis_word), std::string::npos)
      << draft.assessment;
  EXPECT_NE(Lower(draft.plan).find(GetParam().plan_word), std::string::npos) << draft.plan;
}

TEST_P(AciVisitDraft, IsDeterministic) {
  const SoapDraft first = Draft();
  const SoapDraft second = Draft();

  EXPECT_EQ(first.subjective, second.subjective);
  EXPECT_EQ(first.objective, second.objective);
  EXPECT_EQ(first.assessment, second.assessment);
  EXPECT_EQ(first.plan, second.plan);
  EXPECT_EQ(first.confidence, second.confidence);
}

TEST_P(AciVisitDraft, LeavesNoSpeakerTagsOrTokenisedPunctuation) {
  const SoapDraft draft = Draft();

  for (const std::string& section :
       {draft.subjective, draft.objective, draft.assessment, draft.plan}) {
    EXPECT_FALSE(HasSpeakerTag(section)) << section;
    EXPECT_EQ(section.find(" ,"), std::string::npos) << section;
    EXPECT_EQ(section.find(" ."), std::string::npos) << section;
    EXPECT_EQ(section.find(" n't"), std::string::npos) << section;
    EXPECT_TRUE(std::isupper(static_cast<unsigned char>(section[0]))) << section;
  }
}

TEST_P(AciVisitDraft, ReferencePlanYieldsTheStatedFollowUp) {
  const std::optional<FollowUp> found =
      ExtractFollowUp(ReferencePlan(visit()["note"].get<std::string>()));

  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->after_days, GetParam().reference_days);
}

TEST_P(AciVisitDraft, DraftedPlanYieldsTheSpokenFollowUp) {
  const std::optional<FollowUp> found = ExtractFollowUp(Draft().plan);

  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->after_days, GetParam().spoken_days);
}

// D2N077: the doctor says "in a month", which the reference note writes as 4 weeks.
INSTANTIATE_TEST_SUITE_P(Visits, AciVisitDraft,
                         ::testing::Values(AciCase{"D2N069", "meniscus", "brace", 7, 7},
                                           AciCase{"D2N077", "fracture", "brace", 28, 30},
                                           AciCase{"D2N086", "ulcer", "debridement", 7, 7}),
                         [](const auto& info) { return std::string(info.param.encounter_id); });

// MTS-Dialog rows pair a short conversation with one note section; the draft should put
// something in the section that the reference was written for.
std::string DraftedSectionFor(const SoapDraft& draft, const std::string& header) {
  if (header == "GENHX")
    return draft.subjective;
  if (header == "EXAM")
    return draft.objective;
  if (header == "ASSESSMENT")
    return draft.assessment;
  return draft.plan;
}

TEST(SoapDrafter, MtsDialogRowsFillTheSectionTheirReferenceWasWrittenFor) {
  const json rows = ReadFixture("mts_dialog_train.json");
  ASSERT_EQ(rows.size(), 5u);

  for (const json& row : rows) {
    const SoapDraft draft = DraftSoapNote(row["dialogue"].get<std::string>());
    const std::string header = row["section_header"];
    EXPECT_FALSE(DraftedSectionFor(draft, header).empty()) << "row " << row["id"];
    EXPECT_FALSE(HasSpeakerTag(draft.subjective + draft.objective + draft.assessment + draft.plan))
        << "row " << row["id"];
  }
}

TEST(SoapDrafter, MtsDialogDispositionRowsYieldTheirFollowUp) {
  const json rows = ReadFixture("mts_dialog_train.json");

  for (const json& row : rows) {
    if (row["section_header"] != "DISPOSITION")
      continue;
    const std::optional<FollowUp> from_reference =
        ExtractFollowUp(row["section_text"].get<std::string>());
    const std::optional<FollowUp> from_draft =
        ExtractFollowUp(DraftSoapNote(row["dialogue"].get<std::string>()).plan);

    ASSERT_TRUE(from_reference.has_value()) << "row " << row["id"];
    ASSERT_TRUE(from_draft.has_value()) << "row " << row["id"];
    EXPECT_EQ(from_draft->after_days, from_reference->after_days) << "row " << row["id"];
  }
}

TEST(SoapDrafter, ShortExchangeWithoutAPlanIsNotConfident) {
  const SoapDraft draft = DraftSoapNote(
      "Doctor: What brings you in?\nPatient: I have had a cough and fever since Monday.\n"
      "Doctor: Your lungs are clear to auscultation and your temperature is normal.");

  EXPECT_FALSE(draft.subjective.empty());
  EXPECT_FALSE(draft.objective.empty());
  EXPECT_TRUE(draft.plan.empty());
  EXPECT_LT(draft.confidence, 0.5);
}

TEST(SoapDrafter, PleasantriesAloneDraftNothing) {
  const SoapDraft draft = DraftSoapNote(
      "[doctor] hi , how are you ?\n[patient] good , thanks .\n"
      "[doctor] okay . bye .");

  EXPECT_TRUE(draft.subjective.empty());
  EXPECT_TRUE(draft.plan.empty());
  EXPECT_EQ(draft.confidence, 0);
}

}  // namespace
}  // namespace medulla::model::offline
