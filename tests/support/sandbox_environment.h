// A gtest environment that starts one sandbox EHR for a whole test binary. Suites that use it
// register as one ctest test (SHARED_FIXTURE) so the EHR starts once per binary.
#pragma once

#include <gtest/gtest.h>

#include <memory>

#include "support/sandbox_ehr.h"

namespace medulla::testing {

class SandboxEnvironment : public ::testing::Environment {
 public:
  void SetUp() override { sandbox_ = SandboxEhr::Start(); }
  void TearDown() override { sandbox_.reset(); }

  static SandboxEhr& ehr() { return *instance_->sandbox_; }

  // Idempotent, so that every test file of a binary may register it.
  static SandboxEnvironment* Register() {
    if (instance_ != nullptr)
      return instance_;
    instance_ = new SandboxEnvironment();
    ::testing::AddGlobalTestEnvironment(instance_);  // gtest takes ownership
    return instance_;
  }

 private:
  static inline SandboxEnvironment* instance_ = nullptr;
  std::unique_ptr<SandboxEhr> sandbox_;
};

}  // namespace medulla::testing
