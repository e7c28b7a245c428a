#include <gtest/gtest.h>

#include "auth/principal.h"

namespace medulla::auth {
namespace {

struct ScopeCase {
  const char* name;
  std::vector<std::string> held;
  std::string wanted;
  bool covered;
};

// Each row is one authorisation question: with these scopes, may the caller do `wanted`?
const ScopeCase kScopeCases[] = {
    {"ExactV2Scope", {"user/Patient.rs"}, "user/Patient.rs", true},
    {"SubsetOfPermissions", {"user/Patient.rs"}, "user/Patient.r", true},
    {"WildcardTypeCoversAnyType", {"user/*.cruds"}, "user/DocumentReference.c", true},
    {"WildcardTypeCoversWildcardWanted", {"user/*.rs"}, "user/*.r", true},
    {"NamedTypeDoesNotCoverWildcardWanted", {"user/Patient.rs"}, "user/*.r", false},
    {"NarrowerPermissionsRefused", {"user/Patient.r"}, "user/Patient.rs", false},
    {"MissingPermissionRefused", {"user/DocumentReference.rs"}, "user/DocumentReference.c", false},
    {"OtherTypeRefused", {"user/Patient.cruds"}, "user/Observation.r", false},
    {"WrongContextRefused", {"patient/Patient.rs"}, "user/Patient.r", false},
    {"SystemDoesNotCoverUser", {"system/*.cruds"}, "user/Patient.r", false},
    {"AnyHeldScopeMayCover",
     {"openid", "user/Observation.r", "user/Patient.s"},
     "user/Patient.s",
     true},
    {"V1ReadCoversReadAndSearch", {"user/Patient.read"}, "user/Patient.rs", true},
    {"V1ReadDoesNotCoverCreate", {"user/Patient.read"}, "user/Patient.c", false},
    {"V1WriteCoversCreateUpdateDelete", {"user/Observation.write"}, "user/Observation.cud", true},
    {"V1WriteDoesNotCoverRead", {"user/Observation.write"}, "user/Observation.r", false},
    {"V1StarCoversEverything", {"patient/*.*"}, "patient/Encounter.cruds", true},
    {"V1WantedIsUnderstood", {"user/Patient.rs"}, "user/Patient.read", true},
    {"OutOfOrderPermissionsAreNotSmart", {"user/Patient.sr"}, "user/Patient.r", false},
    {"UnknownContextIsNotSmart", {"admin/*.cruds"}, "admin/Patient.r", false},
    {"NonSmartScopeMatchesExactly", {"medulla:admin"}, "medulla:admin", true},
    {"NonSmartScopeDoesNotMatchPrefix", {"medulla:admin"}, "medulla:adm", false},
    {"OpenidMatchesExactly", {"openid", "profile"}, "openid", true},
    {"NoScopesCoverNothing", {}, "user/Patient.r", false},
};

class ScopeTable : public testing::TestWithParam<ScopeCase> {};

TEST_P(ScopeTable, DecidesCoverage) {
  const ScopeCase& c = GetParam();
  Principal principal;
  principal.scopes = c.held;
  EXPECT_EQ(principal.HasScope(c.wanted), c.covered) << "wanted " << c.wanted;
}

INSTANTIATE_TEST_SUITE_P(Scopes, ScopeTable, testing::ValuesIn(kScopeCases),
                         [](const testing::TestParamInfo<ScopeCase>& info) {
                           return std::string(info.param.name);
                         });

TEST(Principal, HasRoleMatchesExactly) {
  Principal principal;
  principal.roles = {"clinician", "scheduler"};
  EXPECT_TRUE(principal.HasRole("clinician"));
  EXPECT_FALSE(principal.HasRole("clinic"));
  EXPECT_FALSE(principal.HasRole("admin"));
}

TEST(Principal, ActorJsonCarriesIdentityButNotScopes) {
  Principal principal;
  principal.subject = "user-17";
  principal.tenant = "clinic-a";
  principal.roles = {"clinician"};
  principal.scopes = {"user/Patient.r"};
  principal.session_id = "s-1";
  principal.token_id = "t-1";
  principal.purpose_of_use = "payment";

  nlohmann::json expected = {{"sub", "user-17"},
                             {"tenant", "clinic-a"},
                             {"roles", {"clinician"}},
                             {"sid", "s-1"},
                             {"purpose_of_use", "payment"}};
  EXPECT_EQ(principal.ToActorJson(), expected);
}

TEST(Principal, PurposeOfUseDefaultsToTreatment) {
  EXPECT_EQ(Principal().purpose_of_use, "treatment");
  EXPECT_EQ(Principal().ToActorJson()["purpose_of_use"], "treatment");
}

}  // namespace
}  // namespace medulla::auth
