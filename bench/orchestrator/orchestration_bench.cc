// Times Medulla's orchestration of visit tasks, per agent step. It assembles the real store
// (SQLite in a file), policy (the shipped statements), grants, agents, tools, FHIR client,
// clinical data, consent and integration services and the worker pool, exactly as a node
// does, with two stand-ins: a scripted model and an in-memory EHR that both answer at once.
// A round queues N visit tasks in the store, then starts the worker pool and times it until
// the last task leaves the queue. The last line printed is the result as JSON.
#include <sys/resource.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "agents/agent.h"
#include "auth/grant.h"
#include "bench/orchestrator/observed_store.h"
#include "bench/orchestrator/relaxed_sync.h"
#include "bench/orchestrator/stand_ins.h"
#include "common/ids.h"
#include "common/log.h"
#include "fhir/clinical_data.h"
#include "fhir/consent.h"
#include "fhir/fhir_client.h"
#include "fhir/integration_service.h"
#include "orchestrator/worker_pool.h"
#include "policy/policy.h"
#include "store/store.h"
#include "tools/builtin_tools.h"
#include "tools/tool_registry.h"

namespace medulla::bench {
namespace {

using nlohmann::json;
using Seconds = std::chrono::duration<double>;

constexpr int kAgentsPerVisit = 4;
constexpr int kWritesPerVisit = 3;  // the note, the follow-up and the claim

struct Options {
  int tasks = 100;  // queued before each round starts: the tasks in flight
  int rounds = 1;
  int workers = 2;
  std::string sync = "full";  // full (as shipped) or normal
  std::string dir;            // where the store and log go; a fresh one is made when empty
  std::string policies = MEDULLA_BENCH_POLICIES;
};

// Everything a node assembles around the orchestrator, declared in the order it is built.
struct Assembly {
  std::unique_ptr<ObservedStore> store;
  LocalEhr ehr_transport;
  std::optional<fhir::FhirClient> ehr;
  std::optional<fhir::ClinicalData> clinical_data;
  std::optional<auth::GrantIssuer> grant_issuer;
  std::optional<auth::GrantVerifier> grant_verifier;
  std::unique_ptr<policy::PolicyStore> policy;
  std::optional<fhir::IntegrationService> integration;
  std::optional<fhir::ConsentChecker> consent;
  agents::AgentCatalog agents;
  std::optional<tools::ToolRegistry> tools;
  ScriptedModel model;

  orchestrator::Services services() {
    return {.store = store.get(),
            .agents = &agents,
            .tools = &*tools,
            .model = &model,
            .clinical_data = &*clinical_data,
            .integration = &*integration,
            .consent = &*consent,
            .grants = &*grant_issuer,
            .policy = policy.get(),
            .run_tool = nullptr,
            .clock = &SystemClock::Instance(),
            .lease_for = std::chrono::seconds(60)};
  }
};

Status Assemble(const Options& options, Assembly& parts) {
  UseRelaxedSync(options.sync == "normal");
  ASSIGN_OR_RETURN(std::unique_ptr<store::Store> store,
                   store::OpenSqliteStore(options.dir + "/medulla.db", SystemClock::Instance()));
  if (options.sync == "normal" && !RelaxedSyncApplied())
    return Internal("the store's synchronous pragma was not seen; relaxed sync did not apply");
  parts.store = std::make_unique<ObservedStore>(std::move(store));

  parts.ehr.emplace(LocalEhr::kBaseUrl, parts.ehr_transport);
  parts.clinical_data.emplace(*parts.ehr);
  ASSIGN_OR_RETURN(auth::GrantIssuer issuer, auth::GrantIssuer::Generate());
  parts.grant_issuer.emplace(std::move(issuer));
  ASSIGN_OR_RETURN(auth::GrantVerifier verifier,
                   auth::GrantVerifier::FromJwks(parts.grant_issuer->Jwks()));
  parts.grant_verifier.emplace(std::move(verifier));
  ASSIGN_OR_RETURN(parts.policy, policy::PolicyStore::Open({options.policies}));
  parts.integration.emplace(*parts.ehr, *parts.grant_verifier, *parts.policy, fhir::RetryPolicy{});
  parts.consent.emplace(*parts.ehr, SystemClock::Instance());
  ASSIGN_OR_RETURN(tools::ToolRegistry registry,
                   tools::ToolRegistry::Create(tools::BuiltinTools()));
  parts.tools.emplace(std::move(registry));
  return Status::Ok();
}

// A clinician of the bench clinic, as the gateway records one on task.created.
auth::Principal Clinician() {
  auth::Principal principal;
  principal.subject = "clinician-bench";
  principal.tenant = "clinic-bench";
  principal.roles = {"clinician"};
  principal.scopes = {
      "user/Patient.r",     "user/Encounter.r", "user/Condition.r", "user/DocumentReference.c",
      "user/Appointment.c", "user/Claim.c",     "user/Claim.r"};
  principal.session_id = "session-bench";
  principal.token_id = NewUuid();
  principal.expires_at = SystemClock::Instance().Now() + std::chrono::hours(2);
  return principal;
}

store::NewTask VisitTask(const auth::Principal& principal, int64_t visit) {
  std::string id = "v" + std::to_string(visit);
  json principal_record = {{"sub", principal.subject},
                           {"roles", principal.roles},
                           {"scopes", principal.scopes},
                           {"sid", principal.session_id},
                           {"jti", principal.token_id},
                           {"purpose_of_use", principal.purpose_of_use},
                           {"exp", FormatTimestamp(principal.expires_at)}};
  json input = {{"encounter", "Encounter/e-" + id},
                {"dialogue",
                 "Doctor: What brings you in? Patient: Headaches in the mornings. Doctor: Your "
                 "blood pressure is high; we will start treatment and see you in two weeks."}};
  json payload = {
      {"input", input}, {"patient", "Patient/p-" + id}, {"principal", principal_record}};
  return {NewUuid(),
          principal.tenant,
          std::nullopt,
          {store::event_type::kTaskCreated, principal.ToActorJson(), payload}};
}

Status Submit(store::Store& store, const auth::Principal& principal, int64_t first, int count) {
  for (int i = 0; i < count; ++i) {
    Result<store::CreatedTask> created = store.CreateTask(VisitTask(principal, first + i));
    if (!created.ok())
      return created.status();
  }
  return Status::Ok();
}

void Progress(const Options& options, int round, int tasks, int64_t finished_in_round,
              Seconds elapsed) {
  std::fprintf(stderr, "[medulla sync=%s] round %d/%d: %lld/%d tasks done, %.1f s\n",
               options.sync.c_str(), round, options.rounds,
               static_cast<long long>(finished_in_round), tasks, elapsed.count());
}

// Runs the worker pool until the round's tasks have all left the queue; returns the time.
Seconds Drain(Assembly& parts, const Options& options, int round, int64_t finished_before,
              int tasks) {
  orchestrator::WorkerOptions worker_options;
  worker_options.threads = options.workers;
  orchestrator::WorkerPool pool(parts.services(), worker_options);

  const int64_t target = finished_before + tasks;
  const auto start = std::chrono::steady_clock::now();
  pool.Start();
  while (!parts.store->WaitForFinished(target, std::chrono::seconds(5)))
    Progress(options, round, tasks, parts.store->tally().finished - finished_before,
             std::chrono::steady_clock::now() - start);
  const Seconds took = std::chrono::steady_clock::now() - start;

  pool.Stop();
  if (tasks > 1)
    Progress(options, round, tasks, tasks, took);
  return took;
}

int64_t PeakRssKb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

Status CheckEveryVisitCompleted(const Assembly& parts, int64_t visits) {
  Tally tally = parts.store->tally();
  if (tally.done != visits || tally.not_done != 0)
    return Internal("not every visit ended done: " + std::to_string(tally.done) + " done, " +
                    std::to_string(tally.not_done) + " not");
  if (tally.steps != visits * kAgentsPerVisit)
    return Internal("agent steps: " + std::to_string(tally.steps));
  if (parts.ehr_transport.creates() != visits * kWritesPerVisit)
    return Internal("EHR creates: " + std::to_string(parts.ehr_transport.creates()));
  return Status::Ok();
}

// Queues `tasks` visits and drains them; returns the time the drain took.
Result<Seconds> RunRound(Assembly& parts, const Options& options, const auth::Principal& principal,
                         int round, int tasks) {
  const int64_t finished_before = parts.store->tally().finished;
  RETURN_IF_ERROR(Submit(*parts.store, principal, finished_before, tasks));
  return Drain(parts, options, round, finished_before, tasks);
}

Result<json> Run(const Options& options) {
  Assembly parts;
  RETURN_IF_ERROR(Assemble(options, parts));
  const auth::Principal principal = Clinician();

  // One visit first, untimed, so that first-use costs (statement caches, schema compilation,
  // page faults) are not charged to the rounds; the LangGraph benchmark does the same.
  ASSIGN_OR_RETURN(Seconds warmup, RunRound(parts, options, principal, 0, 1));
  (void)warmup;
  const Tally before = parts.store->tally();

  Seconds busy{0};
  for (int round = 1; round <= options.rounds; ++round) {
    ASSIGN_OR_RETURN(Seconds took, RunRound(parts, options, principal, round, options.tasks));
    busy += took;
  }

  const int64_t visits = static_cast<int64_t>(options.tasks) * options.rounds;
  RETURN_IF_ERROR(CheckEveryVisitCompleted(parts, visits + 1));
  const Tally after = parts.store->tally();
  const int64_t steps = after.steps - before.steps;
  const int64_t events = after.events - before.events;
  return json{{"engine", "medulla"},
              {"sync", options.sync},
              {"tasks_in_flight", options.tasks},
              {"rounds", options.rounds},
              {"tasks", visits},
              {"steps", steps},
              {"events", events},
              {"seconds", busy.count()},
              {"us_per_step", busy.count() * 1e6 / static_cast<double>(steps)},
              {"events_per_s", static_cast<double>(events) / busy.count()},
              {"peak_rss_kb", PeakRssKb()}};
}

Status PrepareDirectory(Options& options) {
  if (options.dir.empty()) {
    options.dir =
        (std::filesystem::temp_directory_path() / ("medulla-bench-" + NewUuid())).string();
  }
  std::error_code error;
  std::filesystem::create_directories(options.dir, error);
  if (error)
    return Unavailable("cannot create the bench directory: " + error.message());
  return Status::Ok();
}

}  // namespace
}  // namespace medulla::bench

int main(int argc, char** argv) {
  using medulla::bench::Options;
  Options options;
  CLI::App app{"Times Medulla's orchestration per agent step (scripted model, in-memory EHR)"};
  app.add_option("--tasks", options.tasks, "visit tasks queued per round (in flight)")
      ->check(CLI::Range(1, 1000000));
  app.add_option("--rounds", options.rounds, "rounds, each timed from start to drained")
      ->check(CLI::Range(1, 100000));
  app.add_option("--workers", options.workers, "worker threads")->check(CLI::Range(1, 64));
  app.add_option("--sync", options.sync, "the store's synchronous level: full or normal")
      ->check(CLI::IsMember({"full", "normal"}));
  app.add_option("--dir", options.dir, "directory for the store and log (made if missing)");
  app.add_option("--policies", options.policies, "policy file or directory");
  CLI11_PARSE(app, argc, argv);

  medulla::Status prepared = medulla::bench::PrepareDirectory(options);
  if (!prepared.ok()) {
    std::cerr << prepared.message() << "\n";
    return 1;
  }
  // Logs go to a file as on a node with a log file; at info level a visit writes a few lines.
  medulla::log::SetFile(options.dir + "/medulla.log");
  std::cerr << "[medulla] model and EHR are in-process stand-ins that answer at once\n";

  medulla::Result<nlohmann::json> result = medulla::bench::Run(options);
  if (!result.ok()) {
    std::cerr << "bench failed: " << result.status().message() << "\n";
    return 1;
  }
  std::cout << "medulla-orchestration-result " << result->dump() << std::endl;
  return 0;
}
