#include "common/log.h"

#include <gtest/gtest.h>

namespace medulla::log {
namespace {

TEST(ScrubPhiShapes, RedactsDatesPhonesIdentifiersAndEmail) {
  EXPECT_EQ(ScrubPhiShapes("born 1961-03-14"), "born [redacted]");
  EXPECT_EQ(ScrubPhiShapes("call (555) 123-4567"), "call [redacted]");
  EXPECT_EQ(ScrubPhiShapes("mrn 12345678"), "mrn [redacted]");
  EXPECT_EQ(ScrubPhiShapes("mail jo@example.org"), "mail [redacted]");
}

TEST(ScrubPhiShapes, KeepsIdsAndCountsThatAreNotPhi) {
  EXPECT_EQ(ScrubPhiShapes("task 3f2a writes=12"), "task 3f2a writes=12");
}

}  // namespace
}  // namespace medulla::log

namespace medulla::log {
namespace {

TEST(ScrubPhiShapes, KeepsTaskIdsAndDigestsWhole) {
  EXPECT_EQ(ScrubPhiShapes("task 1397559c-68f1-4b9f-8500-c5e9b94b6621"),
            "task 1397559c-68f1-4b9f-8500-c5e9b94b6621");
  EXPECT_EQ(ScrubPhiShapes("intent claim-0123456789abcdef0123456789abcdef"),
            "intent claim-0123456789abcdef0123456789abcdef");
}

}  // namespace
}  // namespace medulla::log
