#include "model/offline/follow_up_extractor.h"

#include <gtest/gtest.h>

namespace medulla::model::offline {
namespace {

struct FollowUpCase {
  const char* plan;
  std::optional<int> days;
};

class FollowUpPhrases : public ::testing::TestWithParam<FollowUpCase> {};

TEST_P(FollowUpPhrases, GiveTheIntervalInDays) {
  const std::optional<FollowUp> found = ExtractFollowUp(GetParam().plan);
  if (!GetParam().days) {
    EXPECT_FALSE(found.has_value()) << found->after_days;
    return;
  }
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->after_days, *GetParam().days);
}

INSTANTIATE_TEST_SUITE_P(
    Table, FollowUpPhrases,
    ::testing::Values(FollowUpCase{"Follow up in 2 weeks.", 14},
                      FollowUpCase{"I'll see you back in three months.", 90},
                      FollowUpCase{"Return in 4-6 weeks for a recheck.", 28},
                      FollowUpCase{"We will follow up in a year.", 365},
                      FollowUpCase{"Come back in a couple of weeks.", 14},
                      FollowUpCase{"I want to see you again next week.", 7},
                      FollowUpCase{"Follow-up in 10 days.", 10},
                      FollowUpCase{"Return in one to two weeks.", 7},
                      FollowUpCase{"Follow up within a week.", 7},
                      FollowUpCase{"follow up in approximately five to seven days .", 5},
                      FollowUpCase{"We're going to check you in two weeks.", 14},
                      FollowUpCase{"Continue ibuprofen. Follow up in 6 months.", 180},
                      FollowUpCase{"Wear the brace for six weeks.", std::nullopt},
                      FollowUpCase{"Come back if the pain gets worse.", std::nullopt},
                      FollowUpCase{"Start metformin 500 mg twice daily.", std::nullopt},
                      FollowUpCase{"", std::nullopt}));

TEST(ExtractFollowUp, ReturnsTheCleanedSentenceThatAskedForIt) {
  const std::optional<FollowUp> found =
      ExtractFollowUp("Ice the knee . we 'll have you come back in about a week .");

  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->after_days, 7);
  EXPECT_EQ(found->sentence, "We'll have you come back in about a week.");
}

TEST(ExtractFollowUp, SkipsAReturnWithoutAnIntervalForALaterOneWithIt) {
  const std::optional<FollowUp> found = ExtractFollowUp(
      "Follow up with your endocrinologist. The patient will follow up with me in 7 days.");

  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->after_days, 7);
}

}  // namespace
}  // namespace medulla::model::offline
