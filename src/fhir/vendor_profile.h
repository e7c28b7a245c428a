// A vendor profile: what one EHR vendor's FHIR facade and token endpoint accept, and which route
// each kind of write takes there. Profiles are data (config/vendors/<vendor>.yaml), grounded in
// the vendors' published CapabilityStatements, so that adding a tenant on a known vendor needs
// no code.
//
// Loading is strict: an unknown key, a missing required key or a value of the wrong shape is a
// kInvalidArgument whose one-line message names the file and the key. A loaded profile is
// immutable and may be shared across threads.
#pragma once

#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/status.h"
#include "fhir/intent.h"
#include "store/outbox.h"

namespace medulla::fhir {

enum class EhrAuthKind { kNone, kSmartBackendServices };
enum class AssertionAlgorithm { kRs384, kEs384 };
enum class PagingStyle { kLink, kCursor };

// FHIR's CapabilityStatement.rest.resource.versioning.
enum class Versioning { kNoVersion, kVersioned, kVersionedUpdate };

// How a FHIR create is kept from writing a second copy: the server's If-None-Exist, or (for
// servers without conditional create) a search by identifier before and after, under the lease.
enum class WriteGuard { kNone, kConditionalCreate, kSearchThenCreate };

const char* AssertionAlgorithmName(AssertionAlgorithm alg);  // "RS384"

struct EhrAuthSettings {
  EhrAuthKind kind = EhrAuthKind::kNone;
  AssertionAlgorithm algorithm = AssertionAlgorithm::kRs384;
  std::vector<std::string> scopes;
  std::chrono::seconds refresh_margin{60};
};

struct ResourceSupport {
  std::set<std::string> interactions;  // "read", "search-type", "create", "update"
  bool conditional_create = false;
  Versioning versioning = Versioning::kVersioned;
  // Top-level elements a written resource must carry; checked before anything is sent.
  std::vector<std::string> required_elements;

  bool Supports(const std::string& interaction) const { return interactions.count(interaction); }
};

struct IntentRoute {
  store::WritebackRoute route = store::WritebackRoute::kWorkItem;
  WriteGuard guard = WriteGuard::kNone;  // set for kFhir routes only
};

struct VendorProfile {
  std::string vendor;        // "epic"
  std::string display_name;  // "Epic"
  // URL patterns with placeholders: {origin}, and one of {practice}, {org}, {tenant} for the
  // tenant's segment. `token_url` is empty without authentication, `vendor_api_base` without a
  // vendor REST API.
  std::string fhir_base;
  std::string token_url;
  std::string vendor_api_base;
  EhrAuthSettings auth;
  std::map<std::string, ResourceSupport> resources;
  bool prefer_return_representation = false;
  PagingStyle paging = PagingStyle::kLink;
  double rate_limit_per_second = 10;
  std::map<IntentKind, IntentRoute> routes;  // every kind present after loading
  std::string source;                        // the file it was loaded from

  // The support declared for `type`, or nullptr when the vendor does not expose it.
  const ResourceSupport* Resource(const std::string& type) const;
  IntentRoute RouteFor(IntentKind kind) const;
};

// Replaces {origin} with `origin` and {practice}, {org} and {tenant} with `segment`.
std::string ExpandUrlPattern(const std::string& pattern, const std::string& origin,
                             const std::string& segment);

// Checks that `resource` carries every element its type's profile requires. kInvalidArgument
// naming the first missing element; kFailedPrecondition when the vendor does not expose the type.
Status CheckRequiredElements(const VendorProfile& profile, const nlohmann::json& resource);

Result<VendorProfile> LoadVendorProfile(const std::string& path);

// Loads every *.yaml in `directory`, keyed by vendor id. A duplicate vendor id is an error.
Result<std::map<std::string, VendorProfile>> LoadVendorProfiles(const std::string& directory);

}  // namespace medulla::fhir
