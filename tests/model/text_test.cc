#include "model/offline/text.h"

#include <gtest/gtest.h>

namespace medulla::model::offline {
namespace {

TEST(ParseDialogue, ReadsBracketTagsAndColonTags) {
  const std::vector<Turn> aci =
      ParseDialogue("[doctor] how are you ?\n[patient] my knee hurts .\n");
  ASSERT_EQ(aci.size(), 2u);
  EXPECT_EQ(aci[0].speaker, Speaker::kDoctor);
  EXPECT_EQ(aci[1].speaker, Speaker::kPatient);
  EXPECT_EQ(aci[1].text, "my knee hurts .");

  const std::vector<Turn> mts =
      ParseDialogue("Doctor: Hello.\r\n Patient: Hi.\r\nGuest_family: She is sick.\nstill her.");
  ASSERT_EQ(mts.size(), 3u);
  EXPECT_EQ(mts[1].speaker, Speaker::kPatient);
  EXPECT_EQ(mts[1].text, "Hi.");
  EXPECT_EQ(mts[2].speaker, Speaker::kOther);
  EXPECT_EQ(mts[2].text, "She is sick. still her.");
}

TEST(SplitSentences, KeepsTitlesAndMarksQuestions) {
  const std::vector<Sentence> sentences =
      SplitSentences({Speaker::kDoctor, "hi , ms. thompson . i'm dr. moore . how are you ?"});
  ASSERT_EQ(sentences.size(), 3u);
  EXPECT_EQ(sentences[0].text, "hi , ms. thompson .");
  EXPECT_EQ(sentences[1].text, "i'm dr. moore .");
  EXPECT_TRUE(sentences[2].is_question);
  EXPECT_FALSE(sentences[0].is_question);
}

TEST(SplitSentences, TreatsATaggedStatementAsAStatement) {
  const std::vector<Sentence> sentences = SplitSentences(
      {Speaker::kDoctor, "i want to see you again in a couple weeks , okay ? any pain ?"});

  ASSERT_EQ(sentences.size(), 2u);
  EXPECT_FALSE(sentences[0].is_question);
  EXPECT_TRUE(sentences[1].is_question);
}

TEST(SplitSentences, CutsLongUnpunctuatedTurnsAtDiscourseMarkers) {
  std::string turn;
  for (int i = 0; i < 6; ++i)
    turn += "the wrist is swollen and tender on the inside ";
  turn += "okay so we will put you in a brace";
  const std::vector<Sentence> sentences = SplitSentences({Speaker::kDoctor, turn});

  ASSERT_GE(sentences.size(), 2u);
  EXPECT_EQ(sentences.back().text.rfind("okay", 0), 0u) << sentences.back().text;
}

TEST(CleanSentence, UndoesTokenisationAndDropsFillers) {
  EXPECT_EQ(CleanSentence("so , uh , i do n't see any fracture , in , in the x-ray ."),
            "I don't see any fracture, in the x-ray.");
  EXPECT_EQ(CleanSentence("we 're gon na have you come back ."),
            "We're going to have you come back.");
  EXPECT_EQ(CleanSentence("hey , dragon , order the x-ray"), "Order the x-ray.");
  EXPECT_EQ(CleanSentence("uh , um ."), "");
}

TEST(CountPhrase, MatchesWholeWordsAcrossHyphensAndCase) {
  const std::string text = NormalizeForMatching("Follow-up in two weeks; no followers.");
  EXPECT_EQ(CountPhrase(text, "follow up"), 1);
  EXPECT_EQ(CountPhrase(text, "follow"), 1);
  EXPECT_EQ(CountPhrase(text, "week"), 0);
}

}  // namespace
}  // namespace medulla::model::offline
