#include "fhir/validation/validator.h"

#include <algorithm>
#include <cctype>
#include <limits>
#include <map>
#include <mutex>
#include <optional>
#include <regex>
#include <set>
#include <tuple>

#include "common/log.h"
#include "fhir/validation/definitions.h"

namespace medulla::fhir::validation {
namespace {

using nlohmann::json;

constexpr char kPart[] = "fhir.validation";
constexpr int kMaxDepth = 48;
// std::regex matches by recursion, so a long value could exhaust the stack; every type checked
// by pattern (dates, ids, oids, uuids) is far shorter than this in any valid resource.
constexpr size_t kMaxPatternLength = 256;

bool IsSpace(char c) {
  return std::isspace(static_cast<unsigned char>(c)) != 0;
}

// R4 names primitive types in lower camel case ("dateTime") and complex types in upper.
bool IsPrimitiveType(const std::string& type) {
  return !type.empty() && std::islower(static_cast<unsigned char>(type[0]));
}

std::string Capitalized(std::string type) {
  if (!type.empty()) {
    type[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(type[0])));
  }
  return type;
}

// The string at `key` of `object`, or empty when it is absent or not a string.
std::string StringField(const json& object, const char* key) {
  auto found = object.find(key);
  return found != object.end() && found->is_string() ? found->get<std::string>() : "";
}

std::string WithoutVersion(const std::string& canonical) {
  return canonical.substr(0, canonical.find('|'));
}

// The spec's pattern: tokens of non-space characters separated by single whitespace.
bool HasCodeShape(const std::string& text) {
  if (IsSpace(text.front()) || IsSpace(text.back())) {
    return false;
  }
  for (size_t i = 1; i < text.size(); ++i) {
    if (IsSpace(text[i]) && IsSpace(text[i - 1])) {
      return false;
    }
  }
  return true;
}

// The spec's pattern for base64Binary, checked by hand because attachments are too long for
// std::regex: groups of four alphabet characters, whitespace allowed between them.
bool IsBase64(const std::string& text) {
  size_t significant = 0;
  for (char c : text) {
    if (IsSpace(c)) {
      continue;
    }
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '/' && c != '=') {
      return false;
    }
    ++significant;
  }
  return significant > 0 && significant % 4 == 0;
}

bool HasWhitespace(const std::string& text) {
  return std::any_of(text.begin(), text.end(), IsSpace);
}

// True when `instance` holds everything `pattern` does: objects key by key, arrays by each
// pattern item matching some instance item, primitives by equality.
bool MatchesPattern(const json& instance, const json& pattern) {
  if (pattern.is_object()) {
    if (!instance.is_object()) {
      return false;
    }
    for (const auto& [key, value] : pattern.items()) {
      if (!instance.contains(key) || !MatchesPattern(instance[key], value)) {
        return false;
      }
    }
    return true;
  }
  if (pattern.is_array()) {
    if (!instance.is_array()) {
      return false;
    }
    return std::all_of(pattern.begin(), pattern.end(), [&instance](const json& wanted) {
      return std::any_of(instance.begin(), instance.end(),
                         [&wanted](const json& item) { return MatchesPattern(item, wanted); });
    });
  }
  return instance == pattern;
}

struct ChildMatch {
  const ElementRule* rule;
  std::string type;
};

// Finds the element a JSON key names: a plain child, or a choice whose type suffix is allowed.
std::optional<ChildMatch> FindChild(const std::vector<const ElementRule*>& children,
                                    const std::string& key) {
  for (const ElementRule* child : children) {
    if (!child->is_choice && child->name == key) {
      return ChildMatch{child, child->types.empty() ? "" : child->types.front()};
    }
  }
  for (const ElementRule* child : children) {
    if (!child->is_choice) {
      continue;
    }
    std::string stem = child->name.substr(0, child->name.size() - 3);
    if (key.size() <= stem.size() || !key.starts_with(stem)) {
      continue;
    }
    for (const std::string& type : child->types) {
      if (key.compare(stem.size(), std::string::npos, Capitalized(type)) == 0) {
        return ChildMatch{child, type};
      }
    }
  }
  return std::nullopt;
}

// One validation pass over one resource: walks it beside its definitions and collects issues.
class Walk {
 public:
  explicit Walk(Definitions& definitions) : definitions_(definitions) {}

  std::vector<Issue> Take() { return std::move(issues_); }

  void Resource(const json& resource, const std::string& at, int depth) {
    std::string type = resource.is_object() ? StringField(resource, "resourceType") : "";
    std::string root = at.empty() ? (type.empty() ? "Resource" : type) : at;
    if (type.empty()) {
      Add(root, "type", "resource has no resourceType");
      return;
    }
    std::shared_ptr<const StructureRules> base = definitions_.BaseStructure(type);
    if (!base || base->kind != "resource") {
      Add(root, "type", "resource type is not defined in FHIR R4");
      return;
    }

    Object(*base, base->type, resource, root, depth, /*is_resource=*/true);

    for (const std::shared_ptr<const StructureRules>& profile : ClaimedProfiles(resource, *base)) {
      Object(*profile, profile->type, resource, root, depth, /*is_resource=*/true);
    }
  }

 private:
  // Profiles named in meta.profile that ship with the definitions and constrain this type.
  // A profile that is not shipped cannot be checked offline and is passed over.
  std::vector<std::shared_ptr<const StructureRules>> ClaimedProfiles(const json& resource,
                                                                     const StructureRules& base) {
    std::vector<std::shared_ptr<const StructureRules>> profiles;
    auto meta = resource.find("meta");
    if (meta == resource.end() || !meta->is_object() || !meta->contains("profile") ||
        !(*meta)["profile"].is_array()) {
      return profiles;
    }
    for (const json& canonical : (*meta)["profile"]) {
      if (!canonical.is_string()) {
        continue;
      }
      auto profile = definitions_.StructureByUrl(WithoutVersion(canonical.get<std::string>()));
      if (profile && profile->type == base.type && profile->url != base.url) {
        profiles.push_back(std::move(profile));
      }
    }
    return profiles;
  }

  void Object(const StructureRules& structure, const std::string& definition_path,
              const json& object, const std::string& at, int depth, bool is_resource) {
    if (!object.is_object()) {
      Add(at, "type", "expected a JSON object");
      return;
    }
    const std::vector<const ElementRule*>& children = structure.ChildrenOf(definition_path);

    std::set<const ElementRule*> present;
    for (const auto& [key, value] : object.items()) {
      if (is_resource && key == "resourceType") {
        continue;
      }
      std::string child_at = at + "." + key;
      if (key.starts_with('_')) {
        PrimitiveCompanion(children, key.substr(1), value, child_at, present);
        continue;
      }
      std::optional<ChildMatch> match = FindChild(children, key);
      if (!match) {
        Add(child_at, "unknown-element", "element is not defined on " + definition_path);
        continue;
      }
      if (!present.insert(match->rule).second && match->rule->is_choice) {
        Add(at + "." + match->rule->name, "cardinality", "a choice carries more than one type");
      }
      Value(structure, *match->rule, match->type, value, child_at, depth);
    }

    for (const ElementRule* child : children) {
      if (child->min > 0 && !present.contains(child)) {
        Add(at + "." + child->name, "cardinality", "required element is missing");
      }
    }
  }

  // "_status" carries the id and extensions of the primitive "status"; checked shallowly.
  void PrimitiveCompanion(const std::vector<const ElementRule*>& children, const std::string& key,
                          const json& value, const std::string& at,
                          std::set<const ElementRule*>& present) {
    std::optional<ChildMatch> match = FindChild(children, key);
    if (!match || !IsPrimitiveType(match->type)) {
      Add(at, "unknown-element", "no primitive element for this extension holder");
      return;
    }
    present.insert(match->rule);
    if (!value.is_object() && !value.is_array()) {
      Add(at, "type", "expected an object or an array");
    }
  }

  void Value(const StructureRules& structure, const ElementRule& rule, const std::string& type,
             const json& value, const std::string& at, int depth) {
    bool repeats = rule.repeats;
    if (rule.max && *rule.max == 0) {
      Add(at, "cardinality", "element is not allowed here");
      return;
    }
    if (!value.is_array()) {
      if (repeats) {
        Add(at, "type", "repeating element must be an array");
      }
      Item(structure, rule, type, value, at, depth);
      return;
    }

    if (!repeats) {
      Add(at, "cardinality", "element allows one value but has an array");
    } else if (value.empty()) {
      Add(at, "type", "array is empty");
    } else if (rule.max && value.size() > *rule.max) {
      Add(at, "cardinality", "more than " + std::to_string(*rule.max) + " values");
    } else if (value.size() < rule.min) {
      Add(at, "cardinality", "fewer than " + std::to_string(rule.min) + " values");
    }
    for (size_t i = 0; i < value.size(); ++i) {
      Item(structure, rule, type, value[i], at + "[" + std::to_string(i) + "]", depth);
    }
  }

  void Item(const StructureRules& structure, const ElementRule& rule, const std::string& type,
            const json& item, const std::string& at, int depth) {
    if (depth > kMaxDepth) {
      Add(at, "type", "nesting is too deep");
      return;
    }
    if (item.is_null()) {
      Add(at, "type", "null is not allowed");
      return;
    }
    CheckFixed(rule, item, at);

    if (!rule.content_reference.empty()) {
      Object(structure, rule.content_reference, item, at, depth + 1, false);
      return;
    }
    if (type == "Resource") {
      Resource(item, at, depth + 1);
      return;
    }
    if (IsPrimitiveType(type)) {
      Primitive(type, item, at);
      Binding(rule, type, item, at);
      return;
    }
    if (!item.is_object()) {
      Add(at, "type", "expected an object of type " + type);
      return;
    }

    std::string base_type = type;
    if (structure.HasChildren(rule.path)) {
      Object(structure, rule.path, item, at, depth + 1, false);
    } else if (auto type_rules = definitions_.BaseStructure(type)) {
      base_type = type_rules->type;
      Object(*type_rules, type_rules->type, item, at, depth + 1, false);
    } else {
      Add(at, "type", "type is not defined in FHIR R4");
      return;
    }
    Binding(rule, base_type, item, at);
    Terminology(base_type, item, at);
  }

  void CheckFixed(const ElementRule& rule, const json& item, const std::string& at) {
    if (!rule.fixed.is_null() && item != rule.fixed) {
      Add(at, "fixed", "value differs from the fixed value");
    }
    if (!rule.pattern.is_null() && !MatchesPattern(item, rule.pattern)) {
      Add(at, "fixed", "value does not match the required pattern");
    }
  }

  void Primitive(const std::string& type, const json& item, const std::string& at) {
    if (type == "boolean") {
      if (!item.is_boolean()) {
        Add(at, "type", "expected a boolean");
      }
      return;
    }
    if (type == "integer" || type == "positiveInt" || type == "unsignedInt") {
      CheckInteger(type, item, at);
      return;
    }
    if (type == "decimal") {
      if (!item.is_number()) {
        Add(at, "type", "expected a number");
      }
      return;
    }
    if (!item.is_string()) {
      Add(at, "type", "expected a string");
      return;
    }
    CheckText(type, item.get_ref<const std::string&>(), at);
  }

  void CheckInteger(const std::string& type, const json& item, const std::string& at) {
    if (!item.is_number_integer()) {
      Add(at, "type", "expected an integer");
      return;
    }
    bool is_unsigned = item.is_number_unsigned();
    int64_t value = is_unsigned ? 0 : item.get<int64_t>();
    bool too_big = is_unsigned ? item.get<uint64_t>() > std::numeric_limits<int32_t>::max()
                               : value > std::numeric_limits<int32_t>::max();
    if (too_big || value < std::numeric_limits<int32_t>::min()) {
      Add(at, "type", "integer is out of range");
    } else if (type == "positiveInt" && !is_unsigned && value < 1) {
      Add(at, "type", "expected a positive integer");
    } else if (type == "positiveInt" && is_unsigned && item.get<uint64_t>() == 0) {
      Add(at, "type", "expected a positive integer");
    } else if (type == "unsignedInt" && value < 0) {
      Add(at, "type", "expected a non-negative integer");
    }
  }

  void CheckText(const std::string& type, const std::string& text, const std::string& at) {
    if (text.empty()) {
      Add(at, "type", "value is empty");
      return;
    }
    if (type == "string" || type == "markdown" || type == "xhtml") {
      return;
    }
    if (type == "base64Binary") {
      if (!IsBase64(text)) {
        Add(at, "type", "not valid base64");
      }
      return;
    }
    if (type == "uri" || type == "url" || type == "canonical") {
      if (HasWhitespace(text)) {
        Add(at, "type", "a " + type + " may not contain whitespace");
      }
      return;
    }
    if (type == "code") {
      if (!HasCodeShape(text)) {
        Add(at, "type", "not a valid code");
      }
      return;
    }

    std::shared_ptr<const std::regex> pattern = definitions_.PrimitivePattern(type);
    if (!pattern) {
      return;
    }
    if (text.size() > kMaxPatternLength || !std::regex_match(text, *pattern)) {
      Add(at, "type", "not a valid " + type);
    }
  }

  void Binding(const ElementRule& rule, const std::string& base_type, const json& item,
               const std::string& at) {
    if (rule.required_value_set.empty()) {
      return;
    }
    std::shared_ptr<const CodeSet> codes = definitions_.ValueSetCodes(rule.required_value_set);
    if (!codes) {
      return;
    }

    const std::string& value_set = rule.required_value_set;
    if (base_type == "code" && item.is_string() &&
        !codes->codes.contains(item.get<std::string>())) {
      Add(at, "binding", "code is not in the required value set " + value_set);
    } else if (base_type == "Coding" && !InCodeSet(*codes, item)) {
      Add(at, "binding", "coding is not in the required value set " + value_set);
    } else if (base_type == "CodeableConcept") {
      auto coding = item.find("coding");
      bool any = coding != item.end() && coding->is_array() &&
                 std::any_of(coding->begin(), coding->end(),
                             [&codes](const json& c) { return InCodeSet(*codes, c); });
      if (!any) {
        Add(at, "binding", "no coding from the required value set " + value_set);
      }
    }
  }

  static bool InCodeSet(const CodeSet& codes, const json& coding) {
    if (!coding.is_object()) {
      return false;
    }
    return codes.system_codes.contains(StringField(coding, "system") + "|" +
                                       StringField(coding, "code"));
  }

  void Terminology(const std::string& base_type, const json& item, const std::string& at) {
    const char* value_key = base_type == "Identifier" ? "value" : "code";
    if (base_type != "Coding" && base_type != "Identifier" && base_type != "Quantity") {
      return;
    }
    std::string system = StringField(item, "system");
    std::string code = StringField(item, value_key);
    if (system.empty() || code.empty()) {
      return;
    }
    if (base_type == "Quantity" && system != kUcumSystem) {
      return;
    }
    if (std::optional<std::string> problem = CheckCode(system, code, definitions_.units())) {
      Add(at + "." + value_key, "terminology", *problem);
    }
  }

  // Records an issue once: a profile walk revisits what the base walk already reported.
  void Add(std::string path, const char* rule, std::string message) {
    if (!seen_.emplace(path, rule, message).second) {
      return;
    }
    issues_.push_back(Issue{std::move(path), rule, std::move(message)});
  }

  Definitions& definitions_;
  std::vector<Issue> issues_;
  std::set<std::tuple<std::string, std::string, std::string>> seen_;
};

}  // namespace

Validator::Validator(std::shared_ptr<Definitions> definitions)
    : definitions_(std::move(definitions)) {}

Result<std::shared_ptr<const Validator>> Validator::Load(const std::string& definitions_dir) {
  static std::mutex mutex;
  static std::map<Definitions*, std::shared_ptr<const Validator>> validators;

  ASSIGN_OR_RETURN(std::shared_ptr<Definitions> definitions,
                   Definitions::ForFolder(definitions_dir));

  std::lock_guard lock(mutex);
  auto& validator = validators[definitions.get()];
  if (!validator) {
    validator = std::make_shared<const Validator>(definitions);
    log::Info(kPart, "validator.loaded", {{"ucum_atoms", definitions->units().atom_count()}});
  }
  return validator;
}

std::vector<Issue> Validator::Validate(const json& resource) const {
  Walk walk(*definitions_);
  try {
    walk.Resource(resource, "", 0);
  } catch (const std::exception&) {
    // Malformed definitions, not the resource, are the only source of exceptions here; the
    // resource is refused rather than sent unchecked.
    log::Error(kPart, "validation.failed", {});
    return {Issue{"Resource", "type", "resource could not be checked"}};
  }
  return walk.Take();
}

std::vector<std::string> Validator::UnexpandedValueSets() const {
  return definitions_->UnexpandedValueSets();
}

}  // namespace medulla::fhir::validation
