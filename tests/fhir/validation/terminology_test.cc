#include "fhir/validation/terminology.h"

#include <gtest/gtest.h>

namespace medulla::fhir::validation {
namespace {

constexpr char kUcumTable[] =
    "third_party/fhir-definitions/node_modules/@lhncbc/ucum-lhc/data/ucumDefs.min.json";

TEST(IsValidLoinc, AcceptsPublishedCodes) {
  EXPECT_TRUE(IsValidLoinc("2345-7"));   // glucose, serum or plasma
  EXPECT_TRUE(IsValidLoinc("11506-3"));  // progress note
  EXPECT_TRUE(IsValidLoinc("8480-6"));   // systolic blood pressure
  EXPECT_TRUE(IsValidLoinc("29463-7"));  // body weight
}

TEST(IsValidLoinc, RefusesAWrongCheckDigitOrShape) {
  EXPECT_FALSE(IsValidLoinc("2345-8"));
  EXPECT_FALSE(IsValidLoinc("2345"));
  EXPECT_FALSE(IsValidLoinc("2345-"));
  EXPECT_FALSE(IsValidLoinc("-7"));
  EXPECT_FALSE(IsValidLoinc("23a5-7"));
  EXPECT_FALSE(IsValidLoinc("12345678-9"));
}

TEST(IsValidNpi, AcceptsTheDocumentedExample) {
  EXPECT_TRUE(IsValidNpi("1234567893"));
}

TEST(IsValidNpi, RefusesAWrongCheckDigitOrLength) {
  EXPECT_FALSE(IsValidNpi("1234567890"));
  EXPECT_FALSE(IsValidNpi("123456789"));
  EXPECT_FALSE(IsValidNpi("12345678931"));
  EXPECT_FALSE(IsValidNpi("12345678x3"));
}

TEST(IsValidSnomedConceptId, AcceptsPublishedConcepts) {
  EXPECT_TRUE(IsValidSnomedConceptId("22298006"));   // myocardial infarction
  EXPECT_TRUE(IsValidSnomedConceptId("44054006"));   // diabetes mellitus type 2
  EXPECT_TRUE(IsValidSnomedConceptId("38341003"));   // hypertensive disorder
  EXPECT_TRUE(IsValidSnomedConceptId("185349003"));  // encounter for check up
}

TEST(IsValidSnomedConceptId, RefusesABrokenVerhoeffDigit) {
  EXPECT_FALSE(IsValidSnomedConceptId("22298007"));
  EXPECT_FALSE(IsValidSnomedConceptId("44054005"));
  EXPECT_FALSE(IsValidSnomedConceptId("38341030"));
}

TEST(IsValidSnomedConceptId, RefusesOtherPartitionsAndShapes) {
  EXPECT_FALSE(IsValidSnomedConceptId("22298016"));  // description partition "01"
  EXPECT_FALSE(IsValidSnomedConceptId("02298006"));  // leading zero
  EXPECT_FALSE(IsValidSnomedConceptId("12345"));     // too short
  EXPECT_FALSE(IsValidSnomedConceptId("22298006 |Myocardial infarction|"));
}

TEST(HasIcd10CmShape, AcceptsCodesAsFhirWritesThem) {
  EXPECT_TRUE(HasIcd10CmShape("E11.9"));
  EXPECT_TRUE(HasIcd10CmShape("I10"));
  EXPECT_TRUE(HasIcd10CmShape("S72.001A"));
  EXPECT_TRUE(HasIcd10CmShape("U07.1"));
}

TEST(HasIcd10CmShape, RefusesMissingDotsAndWrongCharacters) {
  EXPECT_FALSE(HasIcd10CmShape("E119"));
  EXPECT_FALSE(HasIcd10CmShape("11.9"));
  EXPECT_FALSE(HasIcd10CmShape("e11.9"));
  EXPECT_FALSE(HasIcd10CmShape("E11."));
  EXPECT_FALSE(HasIcd10CmShape("S72.001AB"));
}

TEST(HasCptShape, AcceptsFiveDigitsAndCategoryTwoAndThreeCodes) {
  EXPECT_TRUE(HasCptShape("99213"));
  EXPECT_TRUE(HasCptShape("3074F"));
  EXPECT_TRUE(HasCptShape("0042T"));
  EXPECT_FALSE(HasCptShape("9921"));
  EXPECT_FALSE(HasCptShape("J1100"));
  EXPECT_FALSE(HasCptShape("0042X"));
}

TEST(HasHcpcsShape, AcceptsLevelTwoCodesOnlyUnderHcpcs) {
  EXPECT_TRUE(HasHcpcsShape("J1100"));
  EXPECT_TRUE(HasHcpcsShape("99213"));
  EXPECT_FALSE(HasHcpcsShape("J110"));
  EXPECT_EQ(CheckCode(kCptSystem, "J1100", UcumUnits::Common()).has_value(), true);
  EXPECT_EQ(CheckCode(kHcpcsSystem, "J1100", UcumUnits::Common()), std::nullopt);
}

class UcumTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Result<UcumUnits> loaded = UcumUnits::LoadFromFile(kUcumTable);
    ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
    units_ = std::make_unique<UcumUnits>(std::move(loaded).value());
  }

  bool Accepts(std::string_view unit) const { return !units_->Check(unit).has_value(); }

  std::unique_ptr<UcumUnits> units_;
};

TEST_F(UcumTest, AcceptsUnitsClinicalDataUses) {
  for (const char* unit :
       {"mg/dL", "mm[Hg]", "10*3/uL", "kg/m2", "/min",   "%",         "{score}", "mL/min/{1.73_m2}",
        "g.m-2", "mmol/L", "[lb_av]", "Cel",   "[degF]", "ug/(24.h)", "m[IU]/L", "1",
        "10*-3", "[in_i]", "a",       "wk",    "kcal"}) {
    EXPECT_TRUE(Accepts(unit)) << unit;
  }
}

TEST_F(UcumTest, RefusesUnknownAtomsAndBrokenSyntax) {
  for (const char* unit : {"mg/dLx", "kgg", "m[Hg", "mg//dL", "", "mg dL", "{a{b}}", "(mg/dL",
                           "mg{x", "/", "hmin", "Mmin"}) {
    EXPECT_FALSE(Accepts(unit)) << unit;
  }
}

TEST_F(UcumTest, PrefixesOnlyMetricAtoms) {
  EXPECT_TRUE(Accepts("km"));
  EXPECT_FALSE(Accepts("kh"));  // the hour takes no prefix
}

TEST_F(UcumTest, ReasonNeverRepeatsTheUnit) {
  std::optional<std::string> reason = units_->Check("zzqunit");
  ASSERT_TRUE(reason.has_value());
  EXPECT_EQ(reason->find("zzqunit"), std::string::npos);
}

TEST(UcumUnits, LoadFromFileReportsAMissingTable) {
  Result<UcumUnits> loaded = UcumUnits::LoadFromFile("third_party/no-such-table.json");
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.status().code(), StatusCode::kNotFound);
}

TEST(UcumUnits, CommonTableCoversEverydayUnits) {
  UcumUnits units = UcumUnits::Common();
  EXPECT_EQ(units.Check("mg/dL"), std::nullopt);
  EXPECT_EQ(units.Check("mm[Hg]"), std::nullopt);
  EXPECT_TRUE(units.Check("furlong").has_value());
}

TEST(CheckCode, LeavesUnknownSystemsAlone) {
  EXPECT_EQ(CheckCode("urn:medulla:writeback", "anything at all", UcumUnits::Common()),
            std::nullopt);
}

}  // namespace
}  // namespace medulla::fhir::validation
