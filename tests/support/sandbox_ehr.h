// Starts the sandbox EHR (sandbox/ehr, Medplum's FHIR engine on Node.js) on a loopback port
// for a test suite, loaded with the shipped patients, and stops it afterwards.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
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

  // The sandbox's own origin (the same as admin_base()).
  const std::string& origin() const { return admin_base_; }

  // What a vendor profile's {origin} is for `persona`: the sandbox serves each vendor under a
  // path prefix of its name, where the real vendor has a host of its own ("generic" has none).
  std::string PersonaOrigin(const std::string& persona) const {
    return persona == "generic" ? admin_base_ : admin_base_ + "/" + persona;
  }

  // The tenant segment each persona serves by default ("FEIGCD" for ecw, "195900" for athena's
  // REST practice id); empty for personas without one.
  static std::string PersonaSegment(const std::string& persona);

  // The admin API. A failed call answers a JSON object with "error" set, so the calling test
  // fails on its own assertion.
  // Registers a backend-services client with its public JWKS.
  nlohmann::json RegisterClient(const std::string& persona, const std::string& client_id,
                                const nlohmann::json& jwks) const;
  // Expires every token the persona has issued.
  nlohmann::json ExpireTokens(const std::string& persona) const;
  // Starts injecting faults as /__admin/faults describes; ClearFaults stops them.
  nlohmann::json SetFaults(const nlohmann::json& faults) const;
  nlohmann::json ClearFaults() const;
  // Identifier values held by more than one resource in the persona, under `system`.
  // "atomic" or "racy": whether the generic persona's conditional create checks and creates in
  // one step, or in two with a pause between as common FHIR servers do.
  nlohmann::json SetConditionalCreateMode(const std::string& mode) const;

  nlohmann::json Duplicates(const std::string& persona, const std::string& system) const;

 private:
  SandboxEhr() = default;
  TempDir state_;
  std::string fhir_base_;
  std::string admin_base_;
};

}  // namespace medulla::testing
