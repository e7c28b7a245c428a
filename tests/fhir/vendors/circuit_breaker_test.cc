#include "fhir/circuit_breaker.h"

#include <gtest/gtest.h>

namespace medulla::fhir {
namespace {

using std::chrono::milliseconds;
using State = CircuitBreaker::State;

class BreakerTest : public ::testing::Test {
 protected:
  ManualClock clock_{TimePoint{} + std::chrono::hours(1000)};
  CircuitBreaker breaker_{BreakerOptions{3, milliseconds(10000)}, clock_};

  void FailTimes(int n) {
    for (int i = 0; i < n; ++i) {
      ASSERT_TRUE(breaker_.Admit().allowed);
      breaker_.RecordFailure();
    }
  }
};

TEST_F(BreakerTest, StaysClosedBelowTheThreshold) {
  FailTimes(2);
  EXPECT_EQ(breaker_.state(), State::kClosed);
  EXPECT_TRUE(breaker_.Admit().allowed);
}

TEST_F(BreakerTest, SuccessResetsTheFailureCount) {
  FailTimes(2);
  breaker_.RecordSuccess();
  FailTimes(2);
  EXPECT_EQ(breaker_.state(), State::kClosed);
}

TEST_F(BreakerTest, OpensAfterConsecutiveFailuresAndAnswersTimeLeft) {
  FailTimes(3);
  EXPECT_EQ(breaker_.state(), State::kOpen);

  clock_.Advance(milliseconds(4000));
  CircuitBreaker::Admission refused = breaker_.Admit();
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.retry_after, milliseconds(6000));
}

TEST_F(BreakerTest, AfterCoolDownOneProbeGoesThroughAndOthersWait) {
  FailTimes(3);
  clock_.Advance(milliseconds(10000));

  EXPECT_TRUE(breaker_.Admit().allowed);
  EXPECT_EQ(breaker_.state(), State::kHalfOpen);
  CircuitBreaker::Admission second = breaker_.Admit();
  EXPECT_FALSE(second.allowed);
  EXPECT_GT(second.retry_after, milliseconds(0));
}

TEST_F(BreakerTest, SuccessfulProbeCloses) {
  FailTimes(3);
  clock_.Advance(milliseconds(10000));
  ASSERT_TRUE(breaker_.Admit().allowed);
  breaker_.RecordSuccess();

  EXPECT_EQ(breaker_.state(), State::kClosed);
  EXPECT_TRUE(breaker_.Admit().allowed);
}

TEST_F(BreakerTest, FailedProbeReopensForAnotherCoolDown) {
  FailTimes(3);
  clock_.Advance(milliseconds(10000));
  ASSERT_TRUE(breaker_.Admit().allowed);
  breaker_.RecordFailure();

  EXPECT_EQ(breaker_.state(), State::kOpen);
  CircuitBreaker::Admission refused = breaker_.Admit();
  EXPECT_FALSE(refused.allowed);
  EXPECT_EQ(refused.retry_after, milliseconds(10000));
}

TEST(RateLimiter, BurstThenWaitsSpreadAtTheRate) {
  ManualClock clock(TimePoint{} + std::chrono::hours(1));
  RateLimiter limiter(2, clock);

  EXPECT_EQ(limiter.Reserve(), milliseconds(0));
  EXPECT_EQ(limiter.Reserve(), milliseconds(0));
  EXPECT_EQ(limiter.Reserve(), milliseconds(500));
  EXPECT_EQ(limiter.Reserve(), milliseconds(1000));
}

TEST(RateLimiter, RefillsWithTimeButNeverBeyondTheBurst) {
  ManualClock clock(TimePoint{} + std::chrono::hours(1));
  RateLimiter limiter(2, clock);
  limiter.Reserve();
  limiter.Reserve();

  clock.Advance(milliseconds(500));
  EXPECT_EQ(limiter.Reserve(), milliseconds(0));

  clock.Advance(std::chrono::hours(1));
  EXPECT_EQ(limiter.Reserve(), milliseconds(0));
  EXPECT_EQ(limiter.Reserve(), milliseconds(0));
  EXPECT_EQ(limiter.Reserve(), milliseconds(500));
}

TEST(RateLimiter, SlowRateStillAllowsOneCall) {
  ManualClock clock(TimePoint{} + std::chrono::hours(1));
  RateLimiter limiter(0.5, clock);
  EXPECT_EQ(limiter.Reserve(), milliseconds(0));
  EXPECT_EQ(limiter.Reserve(), milliseconds(2000));
}

}  // namespace
}  // namespace medulla::fhir
