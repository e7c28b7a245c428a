#include "common/time.h"

#include <gtest/gtest.h>

namespace medulla {
namespace {

TEST(Timestamp, RoundTripsThroughRfc3339) {
  Result<TimePoint> parsed = ParseTimestamp("2026-12-04T15:45:52.125Z");
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(FormatTimestamp(*parsed), "2026-12-04T15:45:52.125Z");
}

TEST(Timestamp, AppliesOffsetsAndAcceptsFhirDates) {
  EXPECT_EQ(FormatTimestamp(*ParseTimestamp("2026-12-04T10:00:00-05:00")),
            "2026-12-04T15:00:00.000Z");
  EXPECT_EQ(FormatTimestamp(*ParseTimestamp("2019-02-01")), "2019-02-01T00:00:00.000Z");
}

TEST(Timestamp, RefusesOtherShapes) {
  EXPECT_FALSE(ParseTimestamp("04/12/2026").ok());
  EXPECT_FALSE(ParseTimestamp("").ok());
}

}  // namespace
}  // namespace medulla
