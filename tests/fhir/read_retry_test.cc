#include "fhir/read_retry.h"

#include <gtest/gtest.h>

namespace medulla::fhir {
namespace {

// A read that fails with `failure` for its first `failures` calls, then answers 7.
struct FlakyRead {
  Status failure;
  int failures;
  int calls = 0;

  Result<int> operator()() {
    ++calls;
    if (calls <= failures)
      return failure;
    return 7;
  }
};

TEST(RetryRead, APassingOutageIsReadThrough) {
  FlakyRead read{Unavailable("EHR answered 429"), 2};

  Result<int> answer = RetryRead([&] { return read(); });

  ASSERT_TRUE(answer.ok());
  EXPECT_EQ(*answer, 7);
  EXPECT_EQ(read.calls, 3);
}

TEST(RetryRead, GivesUpAfterThreeMoreTries) {
  FlakyRead read{Unavailable("EHR answered 503"), 100};

  Result<int> answer = RetryRead([&] { return read(); });

  EXPECT_EQ(answer.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(read.calls, 4);
}

TEST(RetryRead, TimeoutsAndRefusalsAreNotTriedAgain) {
  for (Status failure : {DeadlineExceeded("timed out"), PermissionDenied("not authorised"),
                         NotFound("no such resource")}) {
    FlakyRead read{failure, 1};

    Result<int> answer = RetryRead([&] { return read(); });

    EXPECT_EQ(answer.status().code(), failure.code());
    EXPECT_EQ(read.calls, 1) << failure.ToString();
  }
}

}  // namespace
}  // namespace medulla::fhir
