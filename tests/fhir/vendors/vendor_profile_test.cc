#include "fhir/vendor_profile.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

#include "support/temp_dir.h"

namespace medulla::fhir {
namespace {

using store::WritebackRoute;
using ::testing::HasSubstr;

constexpr char kVendorDir[] = "config/vendors";

const char kMinimal[] = R"(vendor: tiny
display_name: Tiny
fhir_base: "{origin}/tiny/fhir"
auth:
  kind: none
paging: link
rate_limit_per_second: 5
resources:
  DocumentReference:
    interactions: [read, search-type, create]
    conditional_create: true
    required_elements: [resourceType, subject]
routes:
  draft_note: {route: fhir, guard: conditional-create}
  follow_up_appointment: {route: work_item}
  claim: {route: work_item}
)";

class VendorProfileFiles : public ::testing::Test {
 protected:
  std::string Write(const std::string& name, const std::string& text) {
    const std::string path = dir_.path() + "/" + name;
    std::ofstream(path) << text;
    return path;
  }

  // The minimal profile with `from` replaced by `to`.
  Status LoadEdited(const std::string& from, const std::string& to) {
    std::string text = kMinimal;
    const size_t at = text.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    text.replace(at, from.size(), to);
    return LoadVendorProfile(Write("edited.yaml", text)).status();
  }

  medulla::testing::TempDir dir_;
};

TEST(VendorProfiles, ShippedProfilesLoadWithTheDocumentedRoutes) {
  Result<std::map<std::string, VendorProfile>> profiles = LoadVendorProfiles(kVendorDir);
  ASSERT_TRUE(profiles.ok()) << profiles.status().ToString();
  ASSERT_EQ(profiles->size(), 6u);

  struct Row {
    std::string vendor;
    WritebackRoute note, appointment, claim;
    WriteGuard note_guard;
  };
  const std::vector<Row> table = {
      {"generic", WritebackRoute::kFhir, WritebackRoute::kFhir, WritebackRoute::kFhir,
       WriteGuard::kConditionalCreate},
      {"epic", WritebackRoute::kFhir, WritebackRoute::kWorkItem, WritebackRoute::kWorkItem,
       WriteGuard::kSearchThenCreate},
      {"athena", WritebackRoute::kVendorApi, WritebackRoute::kVendorApi, WritebackRoute::kWorkItem,
       WriteGuard::kNone},
      {"ecw", WritebackRoute::kVendorApi, WritebackRoute::kVendorApi, WritebackRoute::kWorkItem,
       WriteGuard::kNone},
      {"advancedmd", WritebackRoute::kWorkItem, WritebackRoute::kWorkItem,
       WritebackRoute::kWorkItem, WriteGuard::kNone},
      {"veradigm", WritebackRoute::kFhir, WritebackRoute::kWorkItem, WritebackRoute::kWorkItem,
       WriteGuard::kSearchThenCreate},
  };
  for (const Row& row : table) {
    SCOPED_TRACE(row.vendor);
    const VendorProfile& profile = profiles->at(row.vendor);
    EXPECT_EQ(profile.RouteFor(IntentKind::kDraftNote).route, row.note);
    EXPECT_EQ(profile.RouteFor(IntentKind::kDraftNote).guard, row.note_guard);
    EXPECT_EQ(profile.RouteFor(IntentKind::kFollowUpAppointment).route, row.appointment);
    EXPECT_EQ(profile.RouteFor(IntentKind::kClaim).route, row.claim);
  }
}

TEST(VendorProfiles, ShippedProfilesStateTheVendorsQuirks) {
  Result<std::map<std::string, VendorProfile>> profiles = LoadVendorProfiles(kVendorDir);
  ASSERT_TRUE(profiles.ok()) << profiles.status().ToString();

  const VendorProfile& veradigm = profiles->at("veradigm");
  EXPECT_EQ(veradigm.Resource("DocumentReference")->versioning, Versioning::kNoVersion);
  EXPECT_EQ(veradigm.Resource("Appointment"), nullptr);
  EXPECT_EQ(veradigm.auth.algorithm, AssertionAlgorithm::kEs384);
  EXPECT_FALSE(profiles->at("epic").Resource("DocumentReference")->conditional_create);
  EXPECT_FALSE(profiles->at("epic").Resource("Appointment")->Supports("create"));
  EXPECT_EQ(profiles->at("athena").paging, PagingStyle::kCursor);
  EXPECT_EQ(profiles->at("generic").auth.kind, EhrAuthKind::kNone);
  EXPECT_EQ(ExpandUrlPattern(profiles->at("ecw").fhir_base, "http://h:1", "FEIGCD"),
            "http://h:1/fhir/r4/FEIGCD");
  EXPECT_EQ(ExpandUrlPattern(profiles->at("veradigm").token_url, "http://h:1", "CP00101"),
            "http://h:1/fhirroute/authorizationV2/CP00101/connect/token");
}

TEST_F(VendorProfileFiles, MinimalProfileLoads) {
  Result<VendorProfile> profile = LoadVendorProfile(Write("tiny.yaml", kMinimal));
  ASSERT_TRUE(profile.ok()) << profile.status().ToString();
  EXPECT_EQ(profile->vendor, "tiny");
  EXPECT_EQ(profile->rate_limit_per_second, 5);
}

TEST_F(VendorProfileFiles, UnknownTopLevelKeyIsNamed) {
  Status status = LoadEdited("paging: link", "paging: link\ncolour: blue");
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("edited.yaml: colour: unknown key"));
}

TEST_F(VendorProfileFiles, UnknownNestedKeyIsNamedWithItsPath) {
  Status status = LoadEdited("conditional_create: true", "conditional_create: true\n    batch: 1");
  EXPECT_THAT(status.message(), HasSubstr("resources.DocumentReference.batch: unknown key"));
}

TEST_F(VendorProfileFiles, MissingRequiredKeyIsNamed) {
  Status status = LoadEdited("display_name: Tiny\n", "");
  EXPECT_THAT(status.message(), HasSubstr("display_name: missing"));
}

TEST_F(VendorProfileFiles, MissingRouteIsNamed) {
  Status status = LoadEdited("  claim: {route: work_item}\n", "");
  EXPECT_THAT(status.message(), HasSubstr("routes.claim: missing"));
}

TEST_F(VendorProfileFiles, UnknownEnumValuesAreRefused) {
  EXPECT_THAT(LoadEdited("paging: link", "paging: pages").message(), HasSubstr("paging: must"));
  EXPECT_THAT(LoadEdited("kind: none", "kind: basic").message(), HasSubstr("auth.kind: must"));
  EXPECT_THAT(LoadEdited("route: work_item}\n  claim", "route: fax}\n  claim").message(),
              HasSubstr("routes.follow_up_appointment.route: must"));
  EXPECT_THAT(LoadEdited("[read, search-type, create]", "[read, patch]").message(),
              HasSubstr("unknown interaction 'patch'"));
}

TEST_F(VendorProfileFiles, SmartAuthNeedsAlgorithmScopesAndTokenUrl) {
  EXPECT_THAT(
      LoadEdited("kind: none", "kind: smart-backend-services\n  signing_alg: HS256").message(),
      HasSubstr("auth.signing_alg: must be RS384 or ES384"));
  EXPECT_THAT(
      LoadEdited("kind: none", "kind: smart-backend-services\n  signing_alg: RS384").message(),
      HasSubstr("auth.scopes: must name at least one scope"));
  EXPECT_THAT(
      LoadEdited("kind: none", "kind: smart-backend-services\n  signing_alg: RS384\n  scopes: [a]")
          .message(),
      HasSubstr("token_url: missing for smart-backend-services"));
}

TEST_F(VendorProfileFiles, RoutesMustAgreeWithDeclaredInteractions) {
  EXPECT_THAT(LoadEdited("[read, search-type, create]", "[read, search-type]").message(),
              HasSubstr("routes.draft_note: DocumentReference does not declare create"));
  EXPECT_THAT(LoadEdited("conditional_create: true", "conditional_create: false").message(),
              HasSubstr("conditional-create guard without conditional_create"));
  EXPECT_THAT(
      LoadEdited("{route: fhir, guard: conditional-create}", "{route: vendor_api}").message(),
      HasSubstr("vendor_api route without vendor_api_base"));
  EXPECT_THAT(
      LoadEdited("claim: {route: work_item}", "claim: {route: work_item, guard: x}").message(),
      HasSubstr("routes.claim.guard: only a fhir route takes a guard"));
}

TEST_F(VendorProfileFiles, WrongShapesAndBrokenYamlAreOneLineErrors) {
  EXPECT_THAT(LoadEdited("rate_limit_per_second: 5", "rate_limit_per_second: fast").message(),
              HasSubstr("rate_limit_per_second: must be a number"));
  EXPECT_THAT(LoadEdited("rate_limit_per_second: 5", "rate_limit_per_second: 0").message(),
              HasSubstr("rate_limit_per_second: must be positive"));
  Status broken = LoadVendorProfile(Write("broken.yaml", "vendor: [unclosed\n")).status();
  EXPECT_EQ(broken.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(broken.message(), HasSubstr("broken.yaml: line"));
  EXPECT_EQ(broken.message().find('\n'), std::string::npos);
  EXPECT_EQ(LoadVendorProfile(dir_.path() + "/absent.yaml").status().code(), StatusCode::kNotFound);
}

TEST_F(VendorProfileFiles, DirectoryRefusesAVendorDefinedTwice) {
  Write("a.yaml", kMinimal);
  Write("b.yaml", kMinimal);
  Status status = LoadVendorProfiles(dir_.path()).status();
  EXPECT_THAT(status.message(), HasSubstr("'tiny' defined twice"));
}

TEST(RequiredElements, MissingElementIsNamedBeforeSending) {
  Result<VendorProfile> epic = LoadVendorProfile(std::string(kVendorDir) + "/epic.yaml");
  ASSERT_TRUE(epic.ok());
  nlohmann::json note = {{"resourceType", "DocumentReference"}, {"status", "current"}};
  Status status = CheckRequiredElements(*epic, note);
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("lacks identifier"));
  EXPECT_EQ(CheckRequiredElements(*epic, {{"resourceType", "Basic"}}).code(),
            StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace medulla::fhir
