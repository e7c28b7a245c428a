#include "store/store_factory.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace medulla::store {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(StoreFactory, AnUnknownSchemeIsRefusedWithTheKnownOnesNamed) {
  Result<std::unique_ptr<Store>> opened =
      OpenStore("mysql://root:secret@127.0.0.1/medulla", SystemClock::Instance());

  EXPECT_EQ(opened.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(opened.status().message(), HasSubstr("\"mysql\""));
  EXPECT_THAT(opened.status().message(), HasSubstr("postgresql://"));
  EXPECT_THAT(opened.status().message(), Not(HasSubstr("secret")));
}

TEST(StoreFactory, ABarePathIsRefused) {
  Result<std::unique_ptr<Store>> opened = OpenStore("var/medulla.db", SystemClock::Instance());

  EXPECT_EQ(opened.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(opened.status().message(), HasSubstr("sqlite:PATH"));
}

TEST(StoreFactory, ASqliteUrlWithoutAPathIsRefused) {
  EXPECT_EQ(OpenStore("sqlite:", SystemClock::Instance()).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(Migrate("sqlite:").status().code(), StatusCode::kInvalidArgument);
}

TEST(StoreFactory, MigrateOfAnUnknownSchemeIsRefused) {
  EXPECT_EQ(Migrate("redis://127.0.0.1").status().code(), StatusCode::kInvalidArgument);
}

TEST(StoreFactory, BothPostgresSchemesReachThePostgresEngine) {
  // Nothing listens on loopback port 1: the engine was chosen, and the server is away.
  for (const char* url :
       {"postgresql://postgres@127.0.0.1:1/x", "postgres://postgres@127.0.0.1:1/x"}) {
    Result<std::unique_ptr<Store>> opened = OpenStore(url, SystemClock::Instance());
    EXPECT_EQ(opened.status().code(), StatusCode::kUnavailable) << url;
  }
}

}  // namespace
}  // namespace medulla::store
