#include "fhir/validation/definitions.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/log.h"

namespace medulla::fhir::validation {
namespace {

namespace fs = std::filesystem;

constexpr char kPart[] = "fhir.validation";
constexpr char kStructureBase[] = "http://hl7.org/fhir/StructureDefinition/";
constexpr char kFhirTypeExtension[] =
    "http://hl7.org/fhir/StructureDefinition/structuredefinition-fhir-type";
constexpr char kRegexExtension[] = "http://hl7.org/fhir/StructureDefinition/regex";
constexpr char kSystemTypePrefix[] = "http://hl7.org/fhirpath/System.";
constexpr int kMaxValueSetDepth = 8;

constexpr std::array<const char*, 6> kBundleFiles = {
    "profiles-resources.json", "profiles-types.json", "profiles-others.json",
    "valuesets.json",          "v3-codesystems.json", "v2-tables.json"};

// The bundles a folder must hold; the others widen what can be checked when present.
constexpr std::array<const char*, 3> kRequiredFiles = {"profiles-resources.json",
                                                       "profiles-types.json", "valuesets.json"};

Result<std::string> ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return NotFound("definition file not found: " + fs::path(path).filename().string());
  }
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

// Returns the index just past the closing quote of the string opening at `open`.
size_t SkipString(const std::string& text, size_t open) {
  size_t at = open + 1;
  while (at < text.size() && text[at] != '"') {
    at += text[at] == '\\' ? 2 : 1;
  }
  return at + 1;
}

bool IsFollowedByColon(const std::string& text, size_t at) {
  while (at < text.size() && std::isspace(static_cast<unsigned char>(text[at]))) {
    ++at;
  }
  return at < text.size() && text[at] == ':';
}

std::string WithoutVersion(const std::string& canonical) {
  return canonical.substr(0, canonical.find('|'));
}

std::string PrimitiveTypeOf(const nlohmann::json& type) {
  for (const nlohmann::json& extension : type.value("extension", nlohmann::json::array())) {
    if (extension.value("url", "") == kFhirTypeExtension && extension.contains("valueUrl")) {
      return extension["valueUrl"].get<std::string>();
    }
  }
  return "string";
}

std::optional<uint32_t> ParseMax(const nlohmann::json& element) {
  std::string max = element.value("max", "*");
  if (max == "*") {
    return std::nullopt;
  }
  return static_cast<uint32_t>(std::stoul(max));
}

// Copies the fixed[x] or pattern[x] value of `element`, if any, into `into`.
void TakeConstraint(const nlohmann::json& element, const std::string& prefix,
                    nlohmann::json& into) {
  for (const auto& [key, value] : element.items()) {
    if (key.size() > prefix.size() && key.starts_with(prefix) &&
        std::isupper(static_cast<unsigned char>(key[prefix.size()]))) {
      into = value;
      return;
    }
  }
}

ElementRule CompileElement(const nlohmann::json& element) {
  ElementRule rule;
  rule.path = element.value("path", "");
  size_t dot = rule.path.rfind('.');
  rule.name = dot == std::string::npos ? rule.path : rule.path.substr(dot + 1);
  rule.is_choice = rule.name.ends_with("[x]");
  rule.min = element.value("min", 0u);
  rule.max = ParseMax(element);
  // A profile that narrows a repeating element to one value still writes it as an array.
  std::optional<uint32_t> base_max = ParseMax(element.value("base", element));
  rule.repeats = !base_max || *base_max > 1;

  for (const nlohmann::json& type : element.value("type", nlohmann::json::array())) {
    std::string code = type.value("code", "");
    rule.types.push_back(code.starts_with(kSystemTypePrefix) ? PrimitiveTypeOf(type) : code);
  }

  std::string reference = element.value("contentReference", "");
  if (!reference.empty()) {
    rule.content_reference = reference.substr(reference.find('#') + 1);
  }

  const nlohmann::json binding = element.value("binding", nlohmann::json::object());
  if (binding.value("strength", "") == "required" && binding.contains("valueSet")) {
    rule.required_value_set = WithoutVersion(binding["valueSet"].get<std::string>());
  }

  TakeConstraint(element, "fixed", rule.fixed);
  TakeConstraint(element, "pattern", rule.pattern);
  return rule;
}

std::shared_ptr<const StructureRules> CompileStructure(const nlohmann::json& definition) {
  auto rules = std::make_shared<StructureRules>();
  rules->url = definition.value("url", "");
  rules->type = definition.value("type", "");
  rules->kind = definition.value("kind", "");

  const nlohmann::json snapshot = definition.value("snapshot", nlohmann::json::object());
  for (const nlohmann::json& element : snapshot.value("element", nlohmann::json::array())) {
    // Slices constrain part of a repeating element; only the element as a whole is checked.
    if (element.value("id", "").find(':') != std::string::npos) {
      continue;
    }
    ElementRule rule = CompileElement(element);
    std::string path = rule.path;
    auto [it, inserted] = rules->elements.emplace(path, std::move(rule));
    size_t dot = path.rfind('.');
    if (inserted && dot != std::string::npos) {
      rules->children[path.substr(0, dot)].push_back(&it->second);
    }
  }
  return rules;
}

// Finds the node_modules folder that holds `definitions_dir`, where npm also put ucum-lhc.
std::optional<fs::path> UcumTableBeside(const std::string& definitions_dir) {
  for (fs::path at = fs::absolute(definitions_dir); at.has_parent_path() && at != at.root_path();
       at = at.parent_path()) {
    if (at.filename() == "node_modules") {
      return at / "@lhncbc" / "ucum-lhc" / "data" / "ucumDefs.min.json";
    }
  }
  return std::nullopt;
}

std::unique_ptr<UcumUnits> LoadUnits(const std::string& definitions_dir) {
  std::optional<fs::path> table = UcumTableBeside(definitions_dir);
  Result<UcumUnits> units =
      table ? UcumUnits::LoadFromFile(table->string()) : Result<UcumUnits>(NotFound("no table"));
  if (units.ok()) {
    return std::make_unique<UcumUnits>(std::move(units).value());
  }
  log::Warn(kPart, "ucum.partial_table", {{"reason", "ucum-lhc table not installed"}});
  return std::make_unique<UcumUnits>(UcumUnits::Common());
}

// The spec's patterns are ECMAScript; one std::regex cannot parse leaves the type unchecked.
std::shared_ptr<const std::regex> CompilePattern(const std::string& pattern) {
  try {
    return std::make_shared<const std::regex>(pattern, std::regex::ECMAScript);
  } catch (const std::regex_error&) {
    log::Warn(kPart, "primitive.pattern_unusable", {});
    return nullptr;
  }
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// BundleIndex

Result<BundleIndex> BundleIndex::Build(const std::string& path) {
  ASSIGN_OR_RETURN(std::string text, ReadWholeFile(path));

  // One pass over the bytes, tracking only nesting and the few keys that locate an entry:
  // root{ "entry"[ entry{ "resource"{ "resourceType", "url" } } ].
  BundleIndex index;
  index.path_ = path;
  std::vector<char> stack;
  std::string root_key, entry_key, resource_key, resource_type, url;
  bool in_resource = false;
  size_t entry_begin = 0;

  for (size_t at = 0; at < text.size(); ++at) {
    char c = text[at];
    if (c == '"') {
      size_t end = SkipString(text, at);
      std::string token = text.substr(at + 1, end - at - 2);
      bool is_key = IsFollowedByColon(text, end);
      size_t depth = stack.size();
      if (is_key && depth == 1) {
        root_key = token;
      } else if (is_key && depth == 3) {
        entry_key = token;
      } else if (in_resource && depth == 4) {
        if (is_key) {
          resource_key = token;
        } else if (resource_key == "resourceType") {
          resource_type = token;
        } else if (resource_key == "url") {
          url = token;
        }
      }
      at = end - 1;
      continue;
    }

    if (c == '{' || c == '[') {
      stack.push_back(c);
      resource_key.clear();
      if (stack.size() == 3 && root_key == "entry") {
        entry_begin = at;
        resource_type.clear();
        url.clear();
      }
      if (stack.size() == 4) {
        in_resource = entry_key == "resource" && c == '{';
      }
    } else if (c == '}' || c == ']') {
      if (stack.size() == 3 && root_key == "entry" && !url.empty()) {
        index.entries_.emplace(resource_type + "|" + url, Span{entry_begin, at + 1});
      }
      if (stack.size() == 4) {
        in_resource = false;
      }
      if (stack.empty()) {
        return InvalidArgument("definition bundle is not well-formed JSON");
      }
      stack.pop_back();
    }
  }

  if (!stack.empty() || index.entries_.empty()) {
    return InvalidArgument("definition bundle has no entries");
  }
  return index;
}

Result<nlohmann::json> BundleIndex::Read(const std::string& resource_type,
                                         const std::string& url) const {
  auto found = entries_.find(resource_type + "|" + url);
  if (found == entries_.end()) {
    return NotFound("definition not in bundle");
  }

  std::ifstream in(path_, std::ios::binary);
  std::string bytes(found->second.end - found->second.begin, '\0');
  in.seekg(static_cast<std::streamoff>(found->second.begin));
  in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!in) {
    return Unavailable("definition bundle could not be read");
  }

  nlohmann::json entry = nlohmann::json::parse(bytes, nullptr, /*allow_exceptions=*/false);
  if (entry.is_discarded() || !entry.contains("resource")) {
    return InvalidArgument("definition entry is not well-formed JSON");
  }
  return std::move(entry["resource"]);
}

// ---------------------------------------------------------------------------------------------
// StructureRules

const std::vector<const ElementRule*>& StructureRules::ChildrenOf(const std::string& path) const {
  static const std::vector<const ElementRule*> kNone;
  auto found = children.find(path);
  return found == children.end() ? kNone : found->second;
}

// ---------------------------------------------------------------------------------------------
// Definitions

Result<std::shared_ptr<Definitions>> Definitions::ForFolder(const std::string& folder) {
  static std::mutex registry_mutex;
  static std::unordered_map<std::string, std::shared_ptr<Definitions>> registry;

  std::error_code error;
  std::string key = fs::weakly_canonical(folder, error).string();
  if (error) {
    key = folder;
  }

  std::lock_guard lock(registry_mutex);
  auto found = registry.find(key);
  if (found != registry.end()) {
    return found->second;
  }

  for (const char* file : kRequiredFiles) {
    if (!fs::is_regular_file(fs::path(key) / file)) {
      return NotFound(std::string("FHIR definitions folder lacks ") + file);
    }
  }
  auto definitions = std::make_shared<Definitions>(key);
  registry.emplace(key, definitions);
  return definitions;
}

Definitions::Definitions(std::string folder)
    : folder_(std::move(folder)), units_(LoadUnits(folder_)) {}

Result<const BundleIndex*> Definitions::Index(Bundle bundle) {
  LazyIndex& lazy = indexes_[static_cast<size_t>(bundle)];
  std::call_once(lazy.once, [&] {
    std::string path = (fs::path(folder_) / kBundleFiles[static_cast<size_t>(bundle)]).string();
    lazy.index.emplace(BundleIndex::Build(path));
  });
  if (!lazy.index->ok()) {
    return lazy.index->status();
  }
  return &lazy.index->value();
}

Result<nlohmann::json> Definitions::ReadFrom(std::initializer_list<Bundle> bundles,
                                             const std::string& resource_type,
                                             const std::string& url) {
  for (Bundle bundle : bundles) {
    Result<const BundleIndex*> index = Index(bundle);
    if (!index.ok()) {
      continue;
    }
    Result<nlohmann::json> resource = (*index)->Read(resource_type, url);
    if (resource.ok()) {
      return resource;
    }
  }
  return NotFound("definition not shipped");
}

std::shared_ptr<const StructureRules> Definitions::BaseStructure(const std::string& type) {
  return StructureByUrl(kStructureBase + type);
}

std::shared_ptr<const StructureRules> Definitions::StructureByUrl(const std::string& url) {
  {
    std::lock_guard lock(mutex_);
    auto found = structures_.find(url);
    if (found != structures_.end()) {
      return found->second;
    }
  }

  // Compiled outside the lock: two threads may compile the same definition once each, and
  // the first to finish is kept.
  std::shared_ptr<const StructureRules> rules;
  Result<nlohmann::json> definition =
      ReadFrom({Bundle::kTypes, Bundle::kResources, Bundle::kOthers}, "StructureDefinition", url);
  if (definition.ok()) {
    rules = CompileStructure(*definition);
  }

  std::lock_guard lock(mutex_);
  return structures_.emplace(url, rules).first->second;
}

std::shared_ptr<const CodeSet> Definitions::ValueSetCodes(const std::string& url) {
  {
    std::lock_guard lock(mutex_);
    auto found = value_sets_.find(url);
    if (found != value_sets_.end()) {
      return found->second;
    }
  }

  std::optional<CodeSet> expansion = Expand(url, 0);
  std::shared_ptr<const CodeSet> codes;
  if (expansion) {
    codes = std::make_shared<const CodeSet>(std::move(*expansion));
  } else {
    log::Debug(kPart, "binding.not_expanded", {{"value_set", url}});
  }

  std::lock_guard lock(mutex_);
  return value_sets_.emplace(url, codes).first->second;
}

std::vector<std::string> Definitions::UnexpandedValueSets() const {
  std::lock_guard lock(mutex_);
  std::vector<std::string> urls;
  for (const auto& [url, codes] : value_sets_) {
    if (!codes) {
      urls.push_back(url);
    }
  }
  std::sort(urls.begin(), urls.end());
  return urls;
}

bool Definitions::AddCodeSystem(const std::string& system, CodeSet& into) {
  Result<nlohmann::json> code_system =
      ReadFrom({Bundle::kValueSets, Bundle::kV3, Bundle::kV2}, "CodeSystem", system);
  // A code system shipped as a fragment or example lists only some of its codes.
  if (!code_system.ok() || code_system->value("content", "") != "complete") {
    return false;
  }

  std::vector<const nlohmann::json*> pending = {&(*code_system)};
  while (!pending.empty()) {
    const nlohmann::json* node = pending.back();
    pending.pop_back();
    if (!node->contains("concept")) {
      continue;
    }
    for (const nlohmann::json& entry : (*node)["concept"]) {
      std::string code = entry.value("code", "");
      into.codes.insert(code);
      into.system_codes.insert(system + "|" + code);
      pending.push_back(&entry);
    }
  }
  return true;
}

// Expands compose.include of concepts listed inline or of whole code systems shipped in the
// bundles. Filters, includes of other value sets combined with a system, and excludes that
// are not plain entry lists cannot be expanded offline: the whole value set is then
// reported as not expandable and its bindings are skipped.
std::optional<CodeSet> Definitions::Expand(const std::string& url, int depth) {
  if (depth > kMaxValueSetDepth) {
    return std::nullopt;
  }
  Result<nlohmann::json> value_set =
      ReadFrom({Bundle::kValueSets, Bundle::kV3, Bundle::kV2}, "ValueSet", url);
  if (!value_set.ok() || !value_set->contains("compose")) {
    return std::nullopt;
  }
  const nlohmann::json& compose = (*value_set)["compose"];

  CodeSet codes;
  for (const nlohmann::json& include : compose.value("include", nlohmann::json::array())) {
    if (include.contains("filter") ||
        (include.contains("valueSet") && include.contains("system"))) {
      return std::nullopt;
    }
    for (const nlohmann::json& nested : include.value("valueSet", nlohmann::json::array())) {
      std::optional<CodeSet> part = Expand(WithoutVersion(nested.get<std::string>()), depth + 1);
      if (!part) {
        return std::nullopt;
      }
      codes.codes.insert(part->codes.begin(), part->codes.end());
      codes.system_codes.insert(part->system_codes.begin(), part->system_codes.end());
    }
    std::string system = include.value("system", "");
    if (include.contains("concept")) {
      for (const nlohmann::json& entry : include["concept"]) {
        codes.codes.insert(entry.value("code", ""));
        codes.system_codes.insert(system + "|" + entry.value("code", ""));
      }
    } else if (!system.empty() && !AddCodeSystem(system, codes)) {
      return std::nullopt;
    }
  }

  for (const nlohmann::json& exclude : compose.value("exclude", nlohmann::json::array())) {
    if (!exclude.contains("concept")) {
      return std::nullopt;
    }
    for (const nlohmann::json& entry : exclude["concept"]) {
      std::string code = entry.value("code", "");
      codes.system_codes.erase(exclude.value("system", "") + "|" + code);
      codes.codes.erase(code);
    }
  }
  return codes;
}

std::shared_ptr<const std::regex> Definitions::PrimitivePattern(const std::string& type) {
  {
    std::lock_guard lock(mutex_);
    auto found = patterns_.find(type);
    if (found != patterns_.end()) {
      return found->second;
    }
  }

  std::shared_ptr<const std::regex> pattern;
  Result<nlohmann::json> definition =
      ReadFrom({Bundle::kTypes}, "StructureDefinition", kStructureBase + type);
  const nlohmann::json none = nlohmann::json::array();
  const nlohmann::json& elements =
      definition.ok()
          ? definition->value("snapshot", nlohmann::json::object()).value("element", none)
          : none;
  for (const nlohmann::json& element : elements) {
    if (element.value("path", "") != type + ".value") {
      continue;
    }
    for (const nlohmann::json& value_type : element.value("type", none)) {
      for (const nlohmann::json& extension : value_type.value("extension", none)) {
        if (extension.value("url", "") == kRegexExtension) {
          pattern = CompilePattern(extension.value("valueString", ""));
        }
      }
    }
  }

  std::lock_guard lock(mutex_);
  return patterns_.emplace(type, pattern).first->second;
}

}  // namespace medulla::fhir::validation
