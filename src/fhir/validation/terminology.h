// Offline checks of codes from the terminologies Medulla writes: the check digits that LOINC,
// NPI and SNOMED CT identifiers carry, the shapes of ICD-10-CM, CPT and HCPCS codes, and the
// syntax and atoms of UCUM units. None of them asks a terminology server, so a code that has
// the right shape and check digit but was never issued still passes.
//
// Every function here is pure and thread-safe. Messages never contain the code that failed,
// since a code next to a patient's chart can be PHI.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/status.h"

namespace medulla::fhir::validation {

inline constexpr std::string_view kLoincSystem = "http://loinc.org";
inline constexpr std::string_view kNpiSystem = "http://hl7.org/fhir/sid/us-npi";
inline constexpr std::string_view kSnomedSystem = "http://snomed.info/sct";
inline constexpr std::string_view kIcd10CmSystem = "http://hl7.org/fhir/sid/icd-10-cm";
inline constexpr std::string_view kCptSystem = "http://www.ama-assn.org/go/cpt";
inline constexpr std::string_view kHcpcsSystem =
    "https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets";
inline constexpr std::string_view kUcumSystem = "http://unitsofmeasure.org";

// "2345-7": the digits, a hyphen, and the mod 10 check digit LOINC's manual specifies.
bool IsValidLoinc(std::string_view code);

// Ten digits whose last is the Luhn check digit of the other nine behind the 80840 prefix.
bool IsValidNpi(std::string_view npi);

// A SNOMED CT concept identifier: 6 to 18 digits without a leading zero, a Verhoeff check
// digit, and a partition (the two digits before it) of a concept, "00" or "10". Post-coordinated
// expressions are refused: Medulla writes plain concepts only.
bool IsValidSnomedConceptId(std::string_view id);

// "E11.9": a letter, a digit, a letter or digit, then optionally a dot and one to four letters
// or digits. Codes longer than three characters must carry the dot, as FHIR writes them.
bool HasIcd10CmShape(std::string_view code);

// Five digits ("99213"), or four digits and F or T ("3074F", "0042T").
bool HasCptShape(std::string_view code);

// A CPT shape, or a HCPCS Level II code: a letter and four digits ("J1100").
bool HasHcpcsShape(std::string_view code);

// The UCUM atoms and prefixes that unit expressions are built from. Immutable once built.
class UcumUnits {
 public:
  // Reads the unit table of the @lhncbc/ucum-lhc package (data/ucumDefs.min.json): its
  // prefixes and the units whose source is UCUM itself. kNotFound when the file is missing,
  // kInvalidArgument when it is not that table.
  static Result<UcumUnits> LoadFromFile(const std::string& path);

  // A built-in table for when the package is not installed. It is partial: it holds the
  // prefixes and the atoms clinical data uses most, so a rare but valid atom is refused.
  static UcumUnits Common();

  // Returns nullopt when `unit` is a valid UCUM expression built from known atoms, otherwise a
  // short reason that does not repeat the unit.
  std::optional<std::string> Check(std::string_view unit) const;

  size_t atom_count() const { return atoms_.size(); }

 private:
  bool IsKnownSymbol(std::string_view symbol) const;

  std::unordered_map<std::string, bool> atoms_;  // atom code -> whether it takes prefixes
  std::vector<std::string> prefixes_;
};

// Applies the check that belongs to `system` to `code`: nullopt when the code passes or no
// check is known for the system, otherwise a short reason without the code.
std::optional<std::string> CheckCode(std::string_view system, std::string_view code,
                                     const UcumUnits& units);

}  // namespace medulla::fhir::validation
