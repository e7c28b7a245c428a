#include "common/status.h"

#include <gtest/gtest.h>

namespace medulla {
namespace {

Result<int> ParsePositive(int value) {
  if (value <= 0)
    return InvalidArgument("value must be positive");
  return value;
}

Result<int> DoubledPositive(int value) {
  ASSIGN_OR_RETURN(int parsed, ParsePositive(value));
  return parsed * 2;
}

TEST(Status, ErrorCodesMapToHttpStatuses) {
  EXPECT_EQ(HttpStatusFor(StatusCode::kInvalidArgument), 400);
  EXPECT_EQ(HttpStatusFor(StatusCode::kUnauthenticated), 401);
  EXPECT_EQ(HttpStatusFor(StatusCode::kPermissionDenied), 403);
  EXPECT_EQ(HttpStatusFor(StatusCode::kNotFound), 404);
  EXPECT_EQ(HttpStatusFor(StatusCode::kConflict), 409);
  EXPECT_EQ(HttpStatusFor(StatusCode::kUnavailable), 503);
}

TEST(Result, AssignOrReturnPropagatesTheFirstError) {
  EXPECT_EQ(*DoubledPositive(4), 8);

  Result<int> failed = DoubledPositive(-1);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(failed.status().ToString(), "invalid_argument: value must be positive");
}

}  // namespace
}  // namespace medulla
