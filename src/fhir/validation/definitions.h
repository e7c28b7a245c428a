// The FHIR R4 definitions a Validator reads, kept as data and loaded piece by piece.
//
// The definition bundles are large (profiles-resources.json alone is 34 MB) and Medulla's tests
// start many nodes in one process, so nothing is parsed up front: each bundle is scanned once,
// on first need, for where each entry starts and ends and which canonical url it carries, and
// a StructureDefinition or ValueSet is parsed from its own bytes only when a resource asks for
// it. Compiled rules and expansions are then kept for the life of the process.
//
// Internal to the validation part. Thread-safe: every method may be called concurrently.
#pragma once

#include <array>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <regex>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "common/status.h"
#include "fhir/validation/terminology.h"

namespace medulla::fhir::validation {

// One entry of a definition bundle, located by byte range.
class BundleIndex {
 public:
  // Scans the bundle at `path` once. kNotFound when it is missing, kInvalidArgument when it is
  // not a FHIR Bundle with entries.
  static Result<BundleIndex> Build(const std::string& path);

  // Returns the resource of `resource_type` with canonical `url`, parsed from its own bytes.
  Result<nlohmann::json> Read(const std::string& resource_type, const std::string& url) const;

  size_t size() const { return entries_.size(); }

 private:
  struct Span {
    size_t begin = 0;
    size_t end = 0;
  };

  std::string path_;
  std::unordered_map<std::string, Span> entries_;  // "ResourceType|url" -> entry bytes
};

// One element of a StructureDefinition, reduced to what validation needs.
struct ElementRule {
  std::string path;  // "DocumentReference.content"
  std::string name;  // "content", or "value[x]" for a choice
  bool is_choice = false;
  uint32_t min = 0;
  std::optional<uint32_t> max;  // nullopt for "*"
  bool repeats = false;         // whether the base element repeats, which makes it an array in JSON
  std::vector<std::string> types;  // FHIR type codes: "string", "Reference", "BackboneElement"
  std::string content_reference;   // the path whose children this element reuses
  std::string required_value_set;  // canonical url, only for required bindings
  nlohmann::json fixed;            // null when absent
  nlohmann::json pattern;          // null when absent
};

// A compiled StructureDefinition: its elements by path and each element's children.
struct StructureRules {
  std::string url;
  std::string type;  // the base type: "Quantity" for Age, "Observation" for a vital-signs profile
  std::string kind;  // "primitive-type", "complex-type" or "resource"
  std::unordered_map<std::string, ElementRule> elements;
  std::unordered_map<std::string, std::vector<const ElementRule*>> children;

  // REQUIRES: `path` names an element of this structure or its root.
  const std::vector<const ElementRule*>& ChildrenOf(const std::string& path) const;
  bool HasChildren(const std::string& path) const { return children.contains(path); }
};

// The codes a required value set allows, as "system|code" and as bare codes.
struct CodeSet {
  std::unordered_set<std::string> system_codes;
  std::unordered_set<std::string> codes;
};

class Definitions {
 public:
  // Returns the process-wide definitions for `folder`, created on first call. Checks only that
  // the required bundles exist: kNotFound names the first one missing.
  static Result<std::shared_ptr<Definitions>> ForFolder(const std::string& folder);

  explicit Definitions(std::string folder);

  // The base StructureDefinition of a type or resource ("Coding", "Claim"); nullptr if unknown.
  std::shared_ptr<const StructureRules> BaseStructure(const std::string& type);

  // A StructureDefinition by canonical url, base or profile; nullptr if not shipped.
  std::shared_ptr<const StructureRules> StructureByUrl(const std::string& url);

  // The expansion of a value set, or nullptr when it cannot be expanded from the shipped
  // definitions (filters, external code systems); such urls are remembered for reporting.
  std::shared_ptr<const CodeSet> ValueSetCodes(const std::string& url);

  // The spec's regular expression for a primitive type's value; nullptr when it has none.
  std::shared_ptr<const std::regex> PrimitivePattern(const std::string& type);

  // Required bindings skipped so far because their value set could not be expanded.
  std::vector<std::string> UnexpandedValueSets() const;

  const UcumUnits& units() const { return *units_; }

 private:
  enum class Bundle { kResources, kTypes, kOthers, kValueSets, kV3, kV2, kCount };

  Result<const BundleIndex*> Index(Bundle bundle);
  Result<nlohmann::json> ReadFrom(std::initializer_list<Bundle> bundles,
                                  const std::string& resource_type, const std::string& url);
  std::optional<CodeSet> Expand(const std::string& url, int depth);
  bool AddCodeSystem(const std::string& system, CodeSet& into);

  std::string folder_;
  std::unique_ptr<UcumUnits> units_;

  struct LazyIndex {
    std::once_flag once;
    std::optional<Result<BundleIndex>> index;
  };
  std::array<LazyIndex, static_cast<size_t>(Bundle::kCount)> indexes_;

  mutable std::mutex mutex_;  // guards the caches below
  std::unordered_map<std::string, std::shared_ptr<const StructureRules>> structures_;
  std::unordered_map<std::string, std::shared_ptr<const CodeSet>> value_sets_;
  std::unordered_map<std::string, std::shared_ptr<const std::regex>> patterns_;
};

}  // namespace medulla::fhir::validation
