#include "cli/node.h"

#include <set>

#include "agents/agent.h"
#include "api/ehr_notifications.h"
#include "api/gateway.h"
#include "auth/grant.h"
#include "auth/jwt.h"
#include "auth/multi_issuer.h"
#include "cli/ehr_setup.h"
#include "common/ids.h"
#include "common/log.h"
#include "common/metrics.h"
#include "fhir/ehr_subscriptions.h"
#include "fhir/integration_service.h"
#include "fhir/reconciliation.h"
#include "fhir/validation/validator.h"
#include "http/client.h"
#include "http/server.h"
#include "model/model.h"
#include "orchestrator/ehr_changes.h"
#include "orchestrator/reconciliation_job.h"
#include "orchestrator/worker_pool.h"
#include "orchestrator/writeback_drainer.h"
#include "policy/policy.h"
#include "store/store.h"
#include "store/store_factory.h"
#include "tools/builtin_tools.h"
#include "tools/tool_registry.h"

namespace medulla::cli {

// Members are declared in the order they are built; they are destroyed in reverse, so the
// gateway and workers stop before what they use goes away.
struct Node::Parts {
  std::unique_ptr<store::Store> store;
  std::optional<auth::DevIssuer> issuer;
  std::optional<auth::TokenVerifier> verifier;
  std::unique_ptr<http::Client> issuer_client;
  std::optional<auth::MultiIssuerVerifier> oidc;
  std::unique_ptr<http::Client> http_client;
  std::unique_ptr<model::Provider> model;
  std::unique_ptr<fhir::EhrDirectory> ehrs;
  std::optional<auth::GrantIssuer> grant_issuer;
  std::optional<auth::GrantVerifier> grant_verifier;
  std::unique_ptr<policy::PolicyStore> policy;
  std::unique_ptr<fhir::IntegrationService> integration;
  std::unique_ptr<fhir::Reconciler> reconciler;
  std::unique_ptr<orchestrator::EhrChangeObserver> ehr_changes;
  agents::AgentCatalog agents;
  std::optional<tools::ToolRegistry> tools;
  std::unique_ptr<orchestrator::WorkerPool> workers;
  std::unique_ptr<orchestrator::WritebackDrainer> drainer;
  std::unique_ptr<orchestrator::ReconciliationJob> reconciliation;
  std::unique_ptr<orchestrator::EhrPoller> poller;
  std::unique_ptr<http::Server> server;
};

namespace {

// The name under which the default EHR's notifications arrive and its logs speak of it.
constexpr char kDefaultEhrName[] = "default";

}  // namespace

namespace {

Result<std::unique_ptr<model::Provider>> MakeModel(const Config& config, http::Client& client) {
  if (config.model_provider == "offline")
    return model::MakeOfflineProvider();
  model::OpenAiOptions options;
  options.base_url = config.model_base_url;
  options.model = config.model_name;
  options.api_key = config.model_api_key;
  return model::MakeOpenAiProvider(options, client);
}

// The `iss` claim of a compact JWS, read without verifying anything, only to choose which
// verifier will then check the whole token.
std::string UnverifiedIssuer(std::string_view token) {
  size_t first = token.find('.');
  size_t second = token.find('.', first == std::string_view::npos ? first : first + 1);
  if (first == std::string_view::npos || second == std::string_view::npos)
    return "";
  Result<std::string> payload = auth::Base64UrlDecode(token.substr(first + 1, second - first - 1));
  if (!payload.ok())
    return "";
  nlohmann::json claims = nlohmann::json::parse(*payload, nullptr, false);
  if (!claims.is_object() || !claims.contains("iss") || !claims["iss"].is_string())
    return "";
  return claims["iss"].get<std::string>();
}

Status StartOidcIssuers(const Config& config, Node::Parts& parts);

void ObserveRequest(const http::Request& request, const http::Response& response, double seconds) {
  std::string route = api::RouteLabel(request.path);
  metrics::Increment(
      "medulla_http_requests_total", "HTTP requests by route and status.",
      {{"method", request.method}, {"route", route}, {"status", std::to_string(response.status)}});
  metrics::ObserveSeconds("medulla_http_request_duration_seconds", "HTTP request latency.",
                          {{"route", route}}, seconds);
}

}  // namespace

namespace {

Status StartOidcIssuers(const Config& config, Node::Parts& parts) {
  if (config.issuers.empty())
    return Status::Ok();
  std::vector<auth::IssuerConfig> issuers;
  for (const IssuerSetting& setting : config.issuers) {
    auth::IssuerConfig issuer;
    issuer.issuer = setting.issuer;
    issuer.audience = setting.audience;
    issuer.tenant = setting.tenant;
    issuer.jwks_uri = setting.jwks_uri;
    issuers.push_back(issuer);
  }
  parts.issuer_client = http::MakeClient();
  ASSIGN_OR_RETURN(auth::MultiIssuerVerifier oidc,
                   auth::MultiIssuerVerifier::Create(std::move(issuers), *parts.issuer_client,
                                                     SystemClock::Instance()));
  parts.oidc.emplace(std::move(oidc));
  return Status::Ok();
}

}  // namespace

namespace {

// The integration service and what runs beside it: the outbox drainer and reconciliation.
Status StartIntegration(const Config& config, Node::Parts& parts) {
  Result<std::shared_ptr<const fhir::validation::Validator>> validator =
      fhir::validation::Validator::Load(config.fhir_definitions);
  if (!validator.ok()) {
    return FailedPrecondition("the FHIR R4 definitions are missing from " +
                              config.fhir_definitions + " (scripts/install-deps.sh installs them)");
  }
  fhir::IntegrationOptions options;
  options.worker = "node-" + NewUuid();
  parts.integration = std::make_unique<fhir::IntegrationService>(
      *parts.ehrs, *parts.store, *parts.grant_verifier, *parts.policy, *validator,
      SystemClock::Instance(), options);
  parts.drainer =
      std::make_unique<orchestrator::WritebackDrainer>(*parts.integration, *parts.store);
  parts.reconciler =
      std::make_unique<fhir::Reconciler>(*parts.ehrs, *parts.store, SystemClock::Instance());
  if (config.reconcile_interval_ms > 0) {
    parts.reconciliation = std::make_unique<orchestrator::ReconciliationJob>(
        *parts.reconciler, *parts.store, std::chrono::milliseconds(config.reconcile_interval_ms));
  }
  parts.ehr_changes = std::make_unique<orchestrator::EhrChangeObserver>(*parts.store);
  return Status::Ok();
}

// The tenants whose charts an EHR holds: its own tenant, or, for the default EHR, every tenant
// seen so far that has no EHR of its own.
std::vector<std::string> TenantsOf(const std::string& ehr_name, const Config& config,
                                   store::Store& store) {
  if (ehr_name != kDefaultEhrName)
    return {ehr_name};
  std::set<std::string> own;
  for (const EhrSetting& setting : config.tenant_ehrs)
    own.insert(setting.tenant);
  std::vector<std::string> tenants;
  Result<std::vector<std::string>> seen = store.Tenants();
  for (const std::string& tenant : seen.ok() ? *seen : std::vector<std::string>{}) {
    if (own.count(tenant) == 0)
      tenants.push_back(tenant);
  }
  return tenants;
}

api::EhrNotificationSettings NotificationSettings(const Config& config, Node::Parts& parts) {
  api::EhrNotificationSettings settings;
  if (!config.notification_secret.empty())
    settings.secrets[kDefaultEhrName] = config.notification_secret;
  for (const EhrSetting& setting : config.tenant_ehrs) {
    if (!setting.notification_secret.empty())
      settings.secrets[setting.tenant] = setting.notification_secret;
  }
  Node::Parts* shared = &parts;
  settings.observe = [shared, config](const std::string& ehr_name, const nlohmann::json& body) {
    return shared->ehr_changes->ObserveNotification(TenantsOf(ehr_name, config, *shared->store),
                                                    body);
  };
  return settings;
}

// Subscribes where the EHR allows it and a secret is set; polls everywhere else.
// Where EHRs call this node back: the configured URL, or this node's own address and port.
std::string NotificationUrl(const Config& config, uint16_t port) {
  if (!config.notification_url.empty())
    return config.notification_url;
  return "http://" + config.listen_address + ":" + std::to_string(port) + "/v1/ehr/notifications";
}

Status FollowEhrChanges(const Config& config, Node::Parts& parts) {
  const std::string notification_url = NotificationUrl(config, parts.server->port());
  std::vector<std::pair<std::string, std::string>> ehrs = {
      {kDefaultEhrName, config.notification_secret}};
  for (const EhrSetting& setting : config.tenant_ehrs)
    ehrs.emplace_back(setting.tenant, setting.notification_secret);

  std::vector<orchestrator::PolledEhr> polled;
  Node::Parts* shared = &parts;
  for (const auto& [name, secret] : ehrs) {
    fhir::EhrAdapter& ehr =
        name == kDefaultEhrName ? parts.ehrs->Fallback() : parts.ehrs->For(name);
    bool subscribe = !secret.empty() && fhir::SupportsSubscriptions(ehr);
    Status subscribed =
        subscribe ? fhir::EnsureSubscriptions(ehr, notification_url + "/" + name, secret,
                                              {"DocumentReference", "Appointment", "Claim"})
                  : FailedPrecondition("not subscribed");
    if (subscribed.ok())
      continue;
    if (subscribe) {
      log::Warn("node", "ehr.subscribe_failed", {{"ehr", name}, {"reason", subscribed.message()}});
    }
    std::string ehr_name = name;
    polled.push_back({name, &ehr, [shared, config, ehr_name] {
                        return TenantsOf(ehr_name, config, *shared->store);
                      }});
  }
  orchestrator::PollOptions options;
  options.interval = std::chrono::milliseconds(config.poll_interval_ms);
  parts.poller = std::make_unique<orchestrator::EhrPoller>(std::move(polled), *parts.ehr_changes,
                                                           SystemClock::Instance(), options);
  parts.poller->Start();
  return Status::Ok();
}

}  // namespace

Node::Node(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}

Node::~Node() {
  Stop();
}

void Node::Stop() {
  if (parts_->server)
    parts_->server->Stop();
  if (parts_->workers)
    parts_->workers->Stop();
  if (parts_->poller)
    parts_->poller->Stop();
  if (parts_->reconciliation)
    parts_->reconciliation->Stop();
  if (parts_->drainer)
    parts_->drainer->Stop();
}

Status Node::ReloadPolicies() {
  Status reloaded = parts_->policy->Reload();
  if (reloaded.ok()) {
    log::Info("node", "policy.reloaded", {});
    return reloaded;
  }
  log::Error("node", "policy.reload_refused", {{"reason", reloaded.message()}});
  return reloaded;
}

uint16_t Node::port() const {
  return parts_->server->port();
}

Result<std::unique_ptr<Node>> Node::Start(const Config& config) {
  auto parts = std::make_unique<Parts>();
  if (!config.log_file.empty())
    log::SetFile(config.log_file);

  RETURN_IF_ERROR(PrepareStoreFolder(config.store));
  ASSIGN_OR_RETURN(parts->store, store::OpenStore(config.store, SystemClock::Instance()));
  ASSIGN_OR_RETURN(
      auth::DevIssuer issuer,
      auth::DevIssuer::LoadOrCreate(config.dev_issuer_key, config.issuer, config.audience));
  parts->issuer.emplace(std::move(issuer));
  ASSIGN_OR_RETURN(
      auth::TokenVerifier verifier,
      auth::TokenVerifier::FromJwks(parts->issuer->Jwks(), {config.issuer, config.audience}));
  parts->verifier.emplace(std::move(verifier));

  parts->http_client = http::MakeClient();
  ASSIGN_OR_RETURN(parts->model, MakeModel(config, *parts->http_client));
  ASSIGN_OR_RETURN(parts->ehrs,
                   BuildEhrDirectory(config, *parts->http_client, SystemClock::Instance()));
  ASSIGN_OR_RETURN(auth::GrantIssuer grant_issuer,
                   auth::GrantIssuer::LoadOrCreate(config.grant_key));
  parts->grant_issuer.emplace(std::move(grant_issuer));
  ASSIGN_OR_RETURN(auth::GrantVerifier grant_verifier,
                   auth::GrantVerifier::FromJwks(parts->grant_issuer->Jwks()));
  parts->grant_verifier.emplace(std::move(grant_verifier));
  ASSIGN_OR_RETURN(parts->policy, policy::PolicyStore::Open({config.policy_path}));
  RETURN_IF_ERROR(StartIntegration(config, *parts));
  ASSIGN_OR_RETURN(tools::ToolRegistry registry,
                   tools::ToolRegistry::Create(tools::BuiltinTools()));
  parts->tools.emplace(std::move(registry));

  orchestrator::Services services{.store = parts->store.get(),
                                  .agents = &parts->agents,
                                  .tools = &*parts->tools,
                                  .model = parts->model.get(),
                                  .ehrs = parts->ehrs.get(),
                                  .integration = parts->integration.get(),
                                  .grants = &*parts->grant_issuer,
                                  .policy = parts->policy.get(),
                                  .run_tool = nullptr,
                                  .clock = &SystemClock::Instance(),
                                  .lease_for = std::chrono::milliseconds(config.lease_ms)};
  orchestrator::WorkerOptions worker_options;
  worker_options.threads = config.workers;
  worker_options.lease_for = std::chrono::milliseconds(config.lease_ms);
  parts->workers = std::make_unique<orchestrator::WorkerPool>(services, worker_options);

  RETURN_IF_ERROR(StartOidcIssuers(config, *parts));
  Node::Parts* shared = parts.get();
  const std::string dev_issuer = config.issuer;
  api::Authenticator authenticate = [shared, dev_issuer](std::string_view token) {
    if (UnverifiedIssuer(token) == dev_issuer || !shared->oidc)
      return shared->verifier->Verify(token);
    return shared->oidc->Verify(token);
  };
  api::GatewayDependencies gateway{parts->store.get(), authenticate, &parts->agents,
                                   parts->issuer->Jwks()};
  http::ServerOptions server_options;
  server_options.address = config.listen_address;
  server_options.port = config.listen_port;
  http::Router router = api::MakeGatewayRouter(gateway);
  api::AddEhrNotificationRoutes(router, NotificationSettings(config, *parts));
  parts->server = std::make_unique<http::Server>(std::move(router), server_options, ObserveRequest);
  RETURN_IF_ERROR(parts->server->Start());
  parts->workers->Start();
  parts->drainer->Start();
  if (parts->reconciliation)
    parts->reconciliation->Start();
  RETURN_IF_ERROR(FollowEhrChanges(config, *parts));

  log::Info("node", "node.started",
            {{"port", parts->server->port()},
             {"workers", config.workers},
             {"model", config.model_provider}});
  return std::unique_ptr<Node>(new Node(std::move(parts)));
}

}  // namespace medulla::cli
