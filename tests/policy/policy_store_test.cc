// The policy store: reload replaces the set in force, refuses a bad one, and stays
// consistent while other threads decide.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include "policy/policy.h"

namespace medulla::policy {
namespace {

using ::testing::HasSubstr;

std::string Policy(const std::string& sid, const std::string& effect) {
  return "version: \"2026-12-01\"\nstatements:\n  - sid: " + sid + "\n    effect: " + effect +
         "\n    actions: [\"tool:lookup_patient\"]\n    resources: [\"*\"]\n";
}

class PolicyStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    directory_ = std::filesystem::temp_directory_path() /
                 ("medulla-policy-store-" + std::to_string(::getpid()) + "-" +
                  ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(directory_);
  }
  void TearDown() override { std::filesystem::remove_all(directory_); }

  // Replaces the policy file by rename, as a deployment would, so a reader never sees half.
  void Publish(const std::string& text) {
    std::filesystem::path staging = directory_ / "clinic.yaml.next";
    std::ofstream(staging) << text;
    std::filesystem::rename(staging, directory_ / "clinic.yaml");
  }

  std::unique_ptr<PolicyStore> Open() {
    Result<std::unique_ptr<PolicyStore>> store = PolicyStore::Open({directory_.string()});
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    return store.ok() ? std::move(*store) : nullptr;
  }

  static Request Lookup() {
    Request request;
    request.principal.subject = "clin-1";
    request.principal.tenant = "clinic-a";
    request.action = "tool:lookup_patient";
    request.resource = "tenant:clinic-a/Patient/p-1";
    return request;
  }

  std::filesystem::path directory_;
};

TEST_F(PolicyStoreTest, OpenRefusesAnInvalidSet) {
  Publish("version: \"2026-12-01\"\nstatements: 3\n");

  Result<std::unique_ptr<PolicyStore>> store = PolicyStore::Open({directory_.string()});

  ASSERT_FALSE(store.ok());
  EXPECT_THAT(store.status().message(), HasSubstr("clinic.yaml:2: statements must be a list"));
}

TEST_F(PolicyStoreTest, ReloadPutsTheNewSetInForce) {
  Publish(Policy("AllowLookup", "allow"));
  std::unique_ptr<PolicyStore> store = Open();
  ASSERT_TRUE(store);
  ASSERT_TRUE(store->Evaluate(Lookup()).allowed());

  Publish(Policy("DenyLookup", "deny"));
  ASSERT_TRUE(store->Reload().ok());

  Decision decision = store->Evaluate(Lookup());
  EXPECT_FALSE(decision.allowed());
  EXPECT_EQ(decision.sid, "DenyLookup");
}

TEST_F(PolicyStoreTest, ReloadOfABadSetKeepsTheLastGoodSet) {
  Publish(Policy("AllowLookup", "allow"));
  std::unique_ptr<PolicyStore> store = Open();
  ASSERT_TRUE(store);
  std::shared_ptr<const PolicySet> before = store->Current();

  Publish(Policy("DenyLookup", "forbid"));
  Status reloaded = store->Reload();

  ASSERT_FALSE(reloaded.ok());
  EXPECT_THAT(reloaded.message(),
              HasSubstr("clinic.yaml:4: effect must be \"allow\" or \"deny\", found \"forbid\""));
  EXPECT_EQ(store->Current(), before);
  EXPECT_EQ(store->Evaluate(Lookup()).sid, "AllowLookup");
}

TEST_F(PolicyStoreTest, DecisionOutlivesTheSetThatMadeIt) {
  Publish(Policy("AllowLookup", "allow"));
  std::unique_ptr<PolicyStore> store = Open();
  ASSERT_TRUE(store);
  Decision decision = store->Evaluate(Lookup());

  Publish(Policy("DenyLookup", "deny"));
  ASSERT_TRUE(store->Reload().ok());
  ASSERT_TRUE(store->Reload().ok());

  EXPECT_EQ(decision.sid, "AllowLookup");
  EXPECT_THAT(std::string(decision.source), HasSubstr("clinic.yaml"));
}

TEST_F(PolicyStoreTest, DecidesConsistentlyWhileReloading) {
  Publish(Policy("AllowLookup", "allow"));
  std::unique_ptr<PolicyStore> store = Open();
  ASSERT_TRUE(store);

  std::atomic<bool> stop = false;
  std::atomic<int> inconsistent = 0;
  std::atomic<int> decided = 0;
  std::vector<std::thread> deciders;
  for (int t = 0; t < 3; ++t) {
    deciders.emplace_back([&] {
      Request request = Lookup();
      while (!stop) {
        Decision decision = store->Evaluate(request);
        bool consistent = (decision.allowed() && decision.sid == "AllowLookup") ||
                          (!decision.allowed() && decision.sid == "DenyLookup");
        if (!consistent)
          ++inconsistent;
        ++decided;
      }
    });
  }

  int refused = 0;
  for (int round = 0; round < 60; ++round) {
    if (round % 3 == 2) {
      Publish("version: \"2026-12-01\"\nstatements: [broken\n");
      refused += store->Reload().ok() ? 0 : 1;
    } else {
      Publish(
          Policy(round % 3 == 0 ? "DenyLookup" : "AllowLookup", round % 3 == 0 ? "deny" : "allow"));
      EXPECT_TRUE(store->Reload().ok());
    }
  }
  stop = true;
  for (std::thread& decider : deciders)
    decider.join();

  EXPECT_EQ(refused, 20);
  EXPECT_EQ(inconsistent, 0);
  EXPECT_GT(decided, 0);
  EXPECT_EQ(store->Evaluate(Lookup()).sid, "AllowLookup");
}

}  // namespace
}  // namespace medulla::policy
