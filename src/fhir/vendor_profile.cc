#include "fhir/vendor_profile.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>

namespace medulla::fhir {
namespace {

// Reads one profile file, collecting the first problem as "<file>: <key>: <what>".
class ProfileReader {
 public:
  explicit ProfileReader(std::string file) : file_(std::move(file)) {}

  Status Refuse(const std::string& key, const std::string& what) const {
    return InvalidArgument(file_ + ": " + key + ": " + what);
  }

  // Refuses keys of `node` outside `allowed`.
  Status OnlyKeys(const YAML::Node& node, const std::string& where,
                  std::initializer_list<const char*> allowed) const {
    for (const auto& item : node) {
      const std::string key = item.first.as<std::string>();
      bool known = std::any_of(allowed.begin(), allowed.end(),
                               [&](const char* name) { return key == name; });
      if (!known)
        return Refuse(where.empty() ? key : where + "." + key, "unknown key");
    }
    return Status::Ok();
  }

  Result<std::string> Text(const YAML::Node& node, const std::string& key, bool required) const {
    if (!node[key]) {
      if (required)
        return Refuse(key, "missing");
      return std::string();
    }
    if (!node[key].IsScalar())
      return Refuse(key, "must be a string");
    return node[key].as<std::string>();
  }

  Result<std::vector<std::string>> TextList(const YAML::Node& node, const std::string& key) const {
    std::vector<std::string> out;
    if (!node)
      return out;
    if (!node.IsSequence())
      return Refuse(key, "must be a list");
    for (const auto& item : node) {
      if (!item.IsScalar())
        return Refuse(key, "must hold strings");
      out.push_back(item.as<std::string>());
    }
    return out;
  }

  template <typename T>
  Result<T> Number(const YAML::Node& node, const std::string& key) const {
    try {
      return node.as<T>();
    } catch (const YAML::Exception&) {
      return Refuse(key, "must be a number");
    }
  }

  Result<bool> Flag(const YAML::Node& node, const std::string& key) const {
    try {
      return node.as<bool>();
    } catch (const YAML::Exception&) {
      return Refuse(key, "must be true or false");
    }
  }

 private:
  std::string file_;
};

Result<EhrAuthSettings> ReadAuth(const ProfileReader& reader, const YAML::Node& node) {
  if (!node || !node.IsMap())
    return reader.Refuse("auth", "missing or not a map");
  RETURN_IF_ERROR(
      reader.OnlyKeys(node, "auth", {"kind", "signing_alg", "scopes", "refresh_margin_seconds"}));
  EhrAuthSettings auth;
  ASSIGN_OR_RETURN(std::string kind, reader.Text(node, "kind", true));
  if (kind == "none")
    return auth;
  if (kind != "smart-backend-services")
    return reader.Refuse("auth.kind", "must be none or smart-backend-services");
  auth.kind = EhrAuthKind::kSmartBackendServices;

  ASSIGN_OR_RETURN(std::string alg, reader.Text(node, "signing_alg", true));
  if (alg == "RS384") {
    auth.algorithm = AssertionAlgorithm::kRs384;
  } else if (alg == "ES384") {
    auth.algorithm = AssertionAlgorithm::kEs384;
  } else {
    return reader.Refuse("auth.signing_alg", "must be RS384 or ES384");
  }

  ASSIGN_OR_RETURN(auth.scopes, reader.TextList(node["scopes"], "auth.scopes"));
  if (auth.scopes.empty())
    return reader.Refuse("auth.scopes", "must name at least one scope");
  if (node["refresh_margin_seconds"]) {
    ASSIGN_OR_RETURN(int margin, reader.Number<int>(node["refresh_margin_seconds"],
                                                    "auth.refresh_margin_seconds"));
    if (margin < 0)
      return reader.Refuse("auth.refresh_margin_seconds", "must not be negative");
    auth.refresh_margin = std::chrono::seconds(margin);
  }
  return auth;
}

Result<ResourceSupport> ReadResource(const ProfileReader& reader, const std::string& where,
                                     const YAML::Node& node) {
  if (!node.IsMap())
    return reader.Refuse(where, "must be a map");
  RETURN_IF_ERROR(reader.OnlyKeys(
      node, where, {"interactions", "conditional_create", "versioning", "required_elements"}));
  ResourceSupport support;
  ASSIGN_OR_RETURN(std::vector<std::string> interactions,
                   reader.TextList(node["interactions"], where + ".interactions"));
  for (const std::string& interaction : interactions) {
    if (interaction != "read" && interaction != "search-type" && interaction != "create" &&
        interaction != "update") {
      return reader.Refuse(where + ".interactions", "unknown interaction '" + interaction + "'");
    }
    support.interactions.insert(interaction);
  }
  if (node["conditional_create"]) {
    ASSIGN_OR_RETURN(support.conditional_create,
                     reader.Flag(node["conditional_create"], where + ".conditional_create"));
  }
  if (node["versioning"]) {
    const std::string versioning = node["versioning"].as<std::string>();
    if (versioning == "no-version") {
      support.versioning = Versioning::kNoVersion;
    } else if (versioning == "versioned") {
      support.versioning = Versioning::kVersioned;
    } else if (versioning == "versioned-update") {
      support.versioning = Versioning::kVersionedUpdate;
    } else {
      return reader.Refuse(where + ".versioning",
                           "must be no-version, versioned or versioned-update");
    }
  }
  ASSIGN_OR_RETURN(support.required_elements,
                   reader.TextList(node["required_elements"], where + ".required_elements"));
  return support;
}

Result<IntentRoute> ReadRoute(const ProfileReader& reader, const std::string& where,
                              const YAML::Node& node) {
  if (!node.IsMap())
    return reader.Refuse(where, "must be a map");
  RETURN_IF_ERROR(reader.OnlyKeys(node, where, {"route", "guard"}));
  ASSIGN_OR_RETURN(std::string route, reader.Text(node, "route", true));
  ASSIGN_OR_RETURN(std::string guard, reader.Text(node, "guard", false));

  IntentRoute out;
  if (route == "work_item" || route == "vendor_api") {
    if (!guard.empty())
      return reader.Refuse(where + ".guard", "only a fhir route takes a guard");
    out.route =
        route == "work_item" ? store::WritebackRoute::kWorkItem : store::WritebackRoute::kVendorApi;
    return out;
  }
  if (route != "fhir")
    return reader.Refuse(where + ".route", "must be fhir, vendor_api or work_item");

  out.route = store::WritebackRoute::kFhir;
  if (guard == "conditional-create") {
    out.guard = WriteGuard::kConditionalCreate;
  } else if (guard == "search-then-create") {
    out.guard = WriteGuard::kSearchThenCreate;
  } else {
    return reader.Refuse(where + ".guard", "must be conditional-create or search-then-create");
  }
  return out;
}

// Cross-checks a profile against itself: a FHIR route needs create on its type, and a
// conditional-create guard needs the server to declare conditional create.
Status CheckConsistent(const ProfileReader& reader, const VendorProfile& profile) {
  for (const auto& [kind, route] : profile.routes) {
    const std::string key = std::string("routes.") + IntentKindName(kind);
    if (route.route == store::WritebackRoute::kVendorApi && profile.vendor_api_base.empty())
      return reader.Refuse(key, "vendor_api route without vendor_api_base");
    if (route.route != store::WritebackRoute::kFhir)
      continue;
    const ResourceSupport* support = profile.Resource(ResourceTypeFor(kind));
    if (support == nullptr || !support->Supports("create"))
      return reader.Refuse(key, std::string(ResourceTypeFor(kind)) + " does not declare create");
    if (route.guard == WriteGuard::kConditionalCreate && !support->conditional_create)
      return reader.Refuse(key, "conditional-create guard without conditional_create");
  }
  if (profile.auth.kind == EhrAuthKind::kSmartBackendServices && profile.token_url.empty())
    return reader.Refuse("token_url", "missing for smart-backend-services");
  return Status::Ok();
}

Status ReadTopLevel(const ProfileReader& reader, const YAML::Node& root, VendorProfile& profile) {
  RETURN_IF_ERROR(reader.OnlyKeys(
      root, "",
      {"vendor", "display_name", "fhir_base", "token_url", "vendor_api_base", "auth",
       "prefer_return_representation", "paging", "rate_limit_per_second", "resources", "routes"}));
  ASSIGN_OR_RETURN(profile.vendor, reader.Text(root, "vendor", true));
  ASSIGN_OR_RETURN(profile.display_name, reader.Text(root, "display_name", true));
  ASSIGN_OR_RETURN(profile.fhir_base, reader.Text(root, "fhir_base", true));
  ASSIGN_OR_RETURN(profile.token_url, reader.Text(root, "token_url", false));
  ASSIGN_OR_RETURN(profile.vendor_api_base, reader.Text(root, "vendor_api_base", false));
  if (profile.fhir_base.rfind("{origin}", 0) != 0)
    return reader.Refuse("fhir_base", "must start with {origin}");
  ASSIGN_OR_RETURN(profile.auth, ReadAuth(reader, root["auth"]));

  if (root["prefer_return_representation"]) {
    ASSIGN_OR_RETURN(
        profile.prefer_return_representation,
        reader.Flag(root["prefer_return_representation"], "prefer_return_representation"));
  }
  ASSIGN_OR_RETURN(std::string paging, reader.Text(root, "paging", true));
  if (paging != "link" && paging != "cursor")
    return reader.Refuse("paging", "must be link or cursor");
  profile.paging = paging == "link" ? PagingStyle::kLink : PagingStyle::kCursor;

  if (!root["rate_limit_per_second"])
    return reader.Refuse("rate_limit_per_second", "missing");
  ASSIGN_OR_RETURN(profile.rate_limit_per_second,
                   reader.Number<double>(root["rate_limit_per_second"], "rate_limit_per_second"));
  if (profile.rate_limit_per_second <= 0)
    return reader.Refuse("rate_limit_per_second", "must be positive");
  return Status::Ok();
}

Status ReadTables(const ProfileReader& reader, const YAML::Node& root, VendorProfile& profile) {
  if (!root["resources"] || !root["resources"].IsMap())
    return reader.Refuse("resources", "missing or not a map");
  for (const auto& item : root["resources"]) {
    const std::string type = item.first.as<std::string>();
    ASSIGN_OR_RETURN(profile.resources[type],
                     ReadResource(reader, "resources." + type, item.second));
  }

  if (!root["routes"] || !root["routes"].IsMap())
    return reader.Refuse("routes", "missing or not a map");
  for (const auto& item : root["routes"]) {
    const std::string name = item.first.as<std::string>();
    Result<IntentKind> kind = ParseIntentKind(name);
    if (!kind.ok())
      return reader.Refuse("routes." + name, "unknown intent kind");
    ASSIGN_OR_RETURN(profile.routes[*kind], ReadRoute(reader, "routes." + name, item.second));
  }
  for (IntentKind kind :
       {IntentKind::kDraftNote, IntentKind::kFollowUpAppointment, IntentKind::kClaim}) {
    if (!profile.routes.count(kind))
      return reader.Refuse(std::string("routes.") + IntentKindName(kind), "missing");
  }
  return Status::Ok();
}

}  // namespace

const char* AssertionAlgorithmName(AssertionAlgorithm alg) {
  switch (alg) {
    case AssertionAlgorithm::kRs384:
      return "RS384";
    case AssertionAlgorithm::kEs384:
      return "ES384";
  }
  return "RS384";
}

const ResourceSupport* VendorProfile::Resource(const std::string& type) const {
  auto found = resources.find(type);
  return found == resources.end() ? nullptr : &found->second;
}

IntentRoute VendorProfile::RouteFor(IntentKind kind) const {
  auto found = routes.find(kind);
  // Loading guarantees every kind; a profile built by hand without one falls back to a person.
  return found == routes.end() ? IntentRoute{} : found->second;
}

std::string ExpandUrlPattern(const std::string& pattern, const std::string& origin,
                             const std::string& segment) {
  std::string out = pattern;
  auto replace = [&out](const std::string& placeholder, const std::string& value) {
    for (size_t at = out.find(placeholder); at != std::string::npos;
         at = out.find(placeholder, at + value.size())) {
      out.replace(at, placeholder.size(), value);
    }
  };
  replace("{origin}", origin);
  replace("{practice}", segment);
  replace("{org}", segment);
  replace("{tenant}", segment);
  return out;
}

Status CheckRequiredElements(const VendorProfile& profile, const nlohmann::json& resource) {
  const std::string type = resource.value("resourceType", "");
  const ResourceSupport* support = profile.Resource(type);
  if (support == nullptr)
    return FailedPrecondition(profile.vendor + " does not expose " + type);
  for (const std::string& element : support->required_elements) {
    if (!resource.contains(element) || resource[element].is_null())
      return InvalidArgument(type + " lacks " + element + ", which " + profile.vendor +
                             " requires");
  }
  return Status::Ok();
}

Result<VendorProfile> LoadVendorProfile(const std::string& path) {
  ProfileReader reader(path);
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::BadFile&) {
    return NotFound(path + ": cannot be read");
  } catch (const YAML::Exception& error) {
    return InvalidArgument(path + ": line " + std::to_string(error.mark.line + 1) +
                           ": not valid YAML");
  }
  if (!root.IsMap())
    return reader.Refuse("(top)", "must be a map");

  VendorProfile profile;
  profile.source = path;
  try {
    RETURN_IF_ERROR(ReadTopLevel(reader, root, profile));
    RETURN_IF_ERROR(ReadTables(reader, root, profile));
  } catch (const YAML::Exception& error) {
    return InvalidArgument(path + ": line " + std::to_string(error.mark.line + 1) +
                           ": value of the wrong shape");
  }
  RETURN_IF_ERROR(CheckConsistent(reader, profile));
  return profile;
}

Result<std::map<std::string, VendorProfile>> LoadVendorProfiles(const std::string& directory) {
  std::error_code error;
  std::vector<std::string> paths;
  for (const auto& entry : std::filesystem::directory_iterator(directory, error)) {
    if (entry.path().extension() == ".yaml")
      paths.push_back(entry.path().string());
  }
  if (error)
    return NotFound(directory + ": cannot be listed");
  std::sort(paths.begin(), paths.end());

  std::map<std::string, VendorProfile> profiles;
  for (const std::string& path : paths) {
    ASSIGN_OR_RETURN(VendorProfile profile, LoadVendorProfile(path));
    if (profiles.count(profile.vendor))
      return InvalidArgument(path + ": vendor: '" + profile.vendor + "' defined twice");
    profiles.emplace(profile.vendor, std::move(profile));
  }
  return profiles;
}

}  // namespace medulla::fhir
