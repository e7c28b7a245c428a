// Starts the sandbox EHR (sandbox/ehr, Medplum's FHIR engine on Node.js) on a loopback port
// for a test suite, loaded with the shipped patients, and stops it afterwards.
#pragma once

#include <memory>
#include <string>

#include "support/temp_dir.h"

namespace medulla::testing {

class SandboxEhr {
 public:
  // Starts a sandbox; aborts the test binary with a message when it cannot start, since
  // every test that uses it would fail for the same reason.
  static std::unique_ptr<SandboxEhr> Start();
  ~SandboxEhr();

  const std::string& fhir_base() const { return fhir_base_; }    // ".../fhir/R4"
  const std::string& admin_base() const { return admin_base_; }  // "http://127.0.0.1:port"

 private:
  SandboxEhr() = default;
  TempDir state_;
  std::string fhir_base_;
  std::string admin_base_;
};

}  // namespace medulla::testing
