#include "cli/config.h"

#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <filesystem>

namespace medulla::cli {
namespace {

template <typename T>
void Read(const YAML::Node& node, const char* key, T& into) {
  if (node && node[key])
    into = node[key].as<T>();
}

void ApplyEnvironment(Config& config) {
  auto apply = [](const char* name, std::string& into) {
    const char* value = std::getenv(name);
    if (value != nullptr && *value != '\0')
      into = value;
  };
  apply("MEDULLA_STORE", config.store);
  apply("MEDULLA_EHR_URL", config.ehr_base_url);
  apply("MEDULLA_MODEL_PROVIDER", config.model_provider);
  apply("MEDULLA_MODEL_URL", config.model_base_url);
  apply("MEDULLA_MODEL", config.model_name);
  apply("MEDULLA_MODEL_API_KEY", config.model_api_key);
  apply("MEDULLA_DEV_ISSUER_KEY", config.dev_issuer_key);
  apply("MEDULLA_GRANT_KEY", config.grant_key);
  apply("MEDULLA_POLICIES", config.policy_path);
  apply("MEDULLA_VENDORS", config.vendors_path);
  apply("MEDULLA_EHR_NOTIFICATION_URL", config.notification_url);
  apply("MEDULLA_EHR_NOTIFICATION_SECRET", config.notification_secret);
  apply("MEDULLA_FHIR_DEFINITIONS", config.fhir_definitions);
  std::string lease_ms;
  apply("MEDULLA_LEASE_MS", lease_ms);
  if (!lease_ms.empty())
    config.lease_ms = std::atoi(lease_ms.c_str());
}

EhrSetting ReadEhrSetting(const YAML::Node& node) {
  EhrSetting setting;
  Read(node, "tenant", setting.tenant);
  Read(node, "vendor", setting.vendor);
  Read(node, "origin", setting.origin);
  Read(node, "segment", setting.segment);
  Read(node, "client_id", setting.client_id);
  Read(node, "private_key", setting.private_key);
  Read(node, "notification_secret", setting.notification_secret);
  return setting;
}

Status ReadFile(const std::string& path, Config& config) {
  try {
    YAML::Node root = YAML::LoadFile(path);
    Read(root["listen"], "address", config.listen_address);
    Read(root["listen"], "port", config.listen_port);
    Read(root, "store", config.store);
    Read(root, "workers", config.workers);
    Read(root, "lease_ms", config.lease_ms);
    Read(root["ehr"], "base_url", config.ehr_base_url);
    Read(root["ehr"], "vendors", config.vendors_path);
    Read(root["ehr"], "fhir_definitions", config.fhir_definitions);
    Read(root["ehr"], "notification_url", config.notification_url);
    Read(root["ehr"], "notification_secret", config.notification_secret);
    Read(root["ehr"], "poll_interval_ms", config.poll_interval_ms);
    Read(root["ehr"], "reconcile_interval_ms", config.reconcile_interval_ms);
    for (const YAML::Node& tenant : root["ehr"]["tenants"])
      config.tenant_ehrs.push_back(ReadEhrSetting(tenant));
    Read(root["model"], "provider", config.model_provider);
    Read(root["model"], "base_url", config.model_base_url);
    Read(root["model"], "name", config.model_name);
    Read(root["auth"], "issuer", config.issuer);
    Read(root["auth"], "audience", config.audience);
    Read(root["auth"], "dev_issuer_key", config.dev_issuer_key);
    Read(root["auth"], "grant_key", config.grant_key);
    Read(root["log"], "file", config.log_file);
    Read(root, "policies", config.policy_path);
    for (const YAML::Node& issuer : root["auth"]["issuers"]) {
      IssuerSetting setting;
      Read(issuer, "issuer", setting.issuer);
      Read(issuer, "audience", setting.audience);
      Read(issuer, "tenant", setting.tenant);
      Read(issuer, "jwks_uri", setting.jwks_uri);
      config.issuers.push_back(setting);
    }
  } catch (const YAML::BadFile&) {
    return InvalidArgument("cannot read configuration file " + path);
  } catch (const YAML::Exception& error) {
    return InvalidArgument("configuration file " + path + " is invalid at line " +
                           std::to_string(error.mark.line + 1) + ": " + error.msg);
  }
  return Status::Ok();
}

}  // namespace

Result<Config> LoadConfig(const std::string& path) {
  Config config;
  if (!path.empty())
    RETURN_IF_ERROR(ReadFile(path, config));
  ApplyEnvironment(config);

  if (config.model_provider != "offline" && config.model_provider != "openai") {
    return InvalidArgument("model provider must be 'offline' or 'openai'");
  }
  if (config.model_provider == "openai" && config.model_base_url.empty()) {
    return InvalidArgument("the openai model provider needs a base URL (MEDULLA_MODEL_URL)");
  }
  if (config.lease_ms < 500 || config.lease_ms > 3600000) {
    return InvalidArgument("lease_ms must be between 500 and 3600000");
  }
  for (const EhrSetting& ehr : config.tenant_ehrs) {
    if (ehr.tenant.empty() || ehr.origin.empty())
      return InvalidArgument("every ehr.tenants entry needs a tenant and an origin");
  }
  if (config.poll_interval_ms < 100 || config.reconcile_interval_ms < 0) {
    return InvalidArgument(
        "ehr.poll_interval_ms must be at least 100, and "
        "ehr.reconcile_interval_ms not negative");
  }
  if (config.workers < 1 || config.workers > 64) {
    return InvalidArgument("workers must be between 1 and 64");
  }
  return config;
}

Status PrepareStoreFolder(const std::string& store) {
  if (store.rfind("sqlite:", 0) != 0)
    return Status::Ok();
  std::filesystem::path folder = std::filesystem::path(store.substr(7)).parent_path();
  std::error_code error;
  if (!folder.empty())
    std::filesystem::create_directories(folder, error);
  if (error)
    return Unavailable("cannot create the store's folder " + folder.string());
  return Status::Ok();
}

Result<std::string> SqlitePathOf(const std::string& store) {
  const std::string prefix = "sqlite:";
  if (store.rfind(prefix, 0) != 0 || store.size() == prefix.size()) {
    return InvalidArgument("store must look like sqlite:PATH");
  }
  return store.substr(prefix.size());
}

}  // namespace medulla::cli
