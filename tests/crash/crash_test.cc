// Nodes die at any instant: `medulla serve` processes are killed with SIGKILL at random moments
// while visits run and are started again. Every task must still reach a terminal state exactly
// once, every task's events must be whole and in order, each tenant's hash chain must hold,
// and the sandbox EHR must hold no duplicate resource.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <iostream>
#include <map>
#include <random>
#include <thread>

#include "auth/jwt.h"
#include "clinic/clinic_day.h"
#include "crash/node_process.h"
#include "http/client.h"
#include "store/event_chain.h"
#include "store/store.h"
#include "support/sandbox_environment.h"
#include "support/temp_dir.h"

namespace medulla::testing {
namespace {

using nlohmann::json;

const auto* const kEnvironment = SandboxEnvironment::Register();

constexpr std::chrono::minutes kDeadline{6};

struct CrashPlan {
  std::string store;  // "" for a SQLite file in the run's directory
  int nodes = 1;
  int tasks = 48;
  int kills = 3;
  uint32_t seed = 1;
};

struct SubmittedTask {
  std::string id;
  std::string tenant;
};

class CrashRun {
 public:
  explicit CrashRun(CrashPlan plan) : plan_(std::move(plan)), random_(plan_.seed) {
    if (plan_.store.empty())
      plan_.store = "sqlite:" + dir_.File("medulla.db");
    Result<std::vector<clinic::Appointment>> day = clinic::LoadClinicDay("data");
    EXPECT_TRUE(day.ok());
    if (day.ok())
      appointments_ = *day;
  }

  void Run() {
    StartNodes();
    std::atomic<bool> submitting{true};
    std::thread killer([&] { KillWhile(submitting); });
    SubmitAll();
    WaitForAllTerminal();
    submitting = false;
    killer.join();
    for (auto& node : nodes_) {
      if (!node->running()) {
        ASSERT_TRUE(node->Start());
      }
    }
  }

  // Checks every task's record through a live node.
  void CheckEveryTaskEndedOnce() {
    std::map<std::string, int> statuses;
    for (const SubmittedTask& task : tasks_) {
      json events = Get("/v1/tasks/" + task.id + "/events", task.tenant)["events"];
      int completions = 0;
      int64_t expected_seq = 1;
      std::map<std::string, int> starts;
      for (const json& event : events) {
        if (event["type"] == "agent.started" && ++starts[event["payload"]["agent"]] == 2)
          ++resumed_tasks_;
        EXPECT_EQ(event["task_seq"], expected_seq++) << "task " << task.id << " lost an event";
        if (event["type"] == "task.completed") {
          ++completions;
          statuses[event["payload"]["status"].get<std::string>()]++;
        }
      }
      EXPECT_EQ(completions, 1) << "task " << task.id << " ended " << completions << " times";
    }
    EXPECT_EQ(statuses["failed"], 0) << "a crash turned into a failed task";
    std::cout << "[ crash    ] " << tasks_.size() << " tasks, " << plan_.kills
              << " kills, steps run again after a kill: " << resumed_tasks_ << "\n";
  }

  void CheckNoDuplicateInTheEhr() {
    http::ClientRequest request;
    request.url = SandboxEnvironment::ehr().admin_base() +
                  "/__admin/duplicates?system=" + http::UrlEncode("urn:medulla:writeback");
    Result<http::ClientResponse> response = client_->Send(request);
    ASSERT_TRUE(response.ok());
    EXPECT_EQ(json::parse(response->body)["count"], 0) << response->body;
  }

  void CheckChainsHold() {
    if (plan_.store.rfind("sqlite:", 0) != 0)
      return;  // the PostgreSQL chain is checked by the store's own conformance tests
    Result<std::unique_ptr<store::Store>> store =
        store::OpenSqliteStore(plan_.store.substr(7), SystemClock::Instance());
    ASSERT_TRUE(store.ok());
    for (const auto& [tenant, token] : tokens_) {
      Result<std::vector<store::Event>> chain = (*store)->ReadTenant(tenant, 0, SIZE_MAX);
      ASSERT_TRUE(chain.ok());
      std::string previous = store::kChainGenesis;
      for (const store::Event& event : *chain) {
        ASSERT_EQ(event.prev_hash, previous) << "chain broken at seq " << event.seq;
        ASSERT_EQ(event.hash, store::ChainHash(previous, event)) << "seq " << event.seq;
        previous = event.hash;
      }
    }
  }

  size_t task_count() const { return tasks_.size(); }

 private:
  void StartNodes() {
    // The issuer's key is made before any node starts so every node verifies the same tokens.
    ASSERT_TRUE(
        auth::DevIssuer::LoadOrCreate(dir_.File("issuer.pem"), "medulla-dev", "medulla").ok());
    for (int i = 0; i < plan_.nodes; ++i) {
      NodeSettings settings{MEDULLA_BINARY,
                            plan_.store,
                            SandboxEnvironment::ehr().fhir_base(),
                            dir_.path(),
                            "node-" + std::to_string(i),
                            1500};
      nodes_.push_back(std::make_unique<NodeProcess>(settings));
      ASSERT_TRUE(nodes_.back()->Start()) << "node " << i << " did not start";
    }
  }

  std::string TokenFor(const std::string& tenant) {
    std::lock_guard lock(tokens_mutex_);
    auto found = tokens_.find(tenant);
    if (found != tokens_.end())
      return found->second;
    Result<auth::DevIssuer> issuer =
        auth::DevIssuer::LoadOrCreate(dir_.File("issuer.pem"), "medulla-dev", "medulla");
    auth::TokenRequest request{"clinician-crash",
                               tenant,
                               {"clinician"},
                               {"user/Patient.r", "user/Encounter.r", "user/Condition.r",
                                "user/DocumentReference.c", "user/Appointment.c", "user/Claim.cr"},
                               "",
                               std::chrono::hours(2)};
    std::string token = issuer->Issue(request).value();
    tokens_[tenant] = token;
    return token;
  }

  // Sends to the nodes in turn, as a load balancer would, moving on when one is down.
  Result<http::ClientResponse> Send(http::ClientRequest request, const std::string& path,
                                    const std::string& tenant) {
    request.headers["Authorization"] = "Bearer " + TokenFor(tenant);
    for (int attempt = 0; attempt < 200; ++attempt) {
      size_t node = next_node_++ % nodes_.size();
      request.url = nodes_[node]->base_url() + path;
      Result<http::ClientResponse> response = client_->Send(request);
      if (response.ok() && response->status < 500)
        return response;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return Unavailable("no node answered");
  }

  json Get(const std::string& path, const std::string& tenant) {
    Result<http::ClientResponse> response = Send(http::ClientRequest{}, path, tenant);
    EXPECT_TRUE(response.ok());
    return response.ok() ? json::parse(response->body, nullptr, false) : json::object();
  }

  void SubmitAll() {
    for (int i = 0; i < plan_.tasks; ++i) {
      const clinic::Appointment& visit = appointments_[i % appointments_.size()];
      std::string tenant =
          "crash-" + std::to_string(plan_.seed) + "-" + std::to_string(i / appointments_.size());
      json body = {{"input", {{"dialogue", visit.dialogue}, {"encounter", visit.encounter}}},
                   {"patient", visit.patient},
                   {"idempotency_key", "visit-" + std::to_string(i)}};
      http::ClientRequest request;
      request.method = "POST";
      request.headers["Content-Type"] = "application/json";
      request.body = body.dump();
      Result<http::ClientResponse> response = Send(request, "/v1/tasks", tenant);
      ASSERT_TRUE(response.ok() && response->status == 202) << "task " << i << " not accepted";
      tasks_.push_back({json::parse(response->body)["id"], tenant});
    }
  }

  bool IsTerminal(const SubmittedTask& task) {
    std::string status = Get("/v1/tasks/" + task.id, task.tenant).value("status", "");
    return status == "done" || status == "escalated" || status == "failed";
  }

  void WaitForAllTerminal() {
    const auto deadline = std::chrono::steady_clock::now() + kDeadline;
    size_t next = 0;
    while (next < tasks_.size()) {
      ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "tasks did not all finish";
      if (IsTerminal(tasks_[next])) {
        ++next;
        continue;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  }

  // Kills a random node at random moments while work is still coming in or running, and
  // starts it again at once.
  void KillWhile(const std::atomic<bool>& running) {
    std::uniform_int_distribution<int> pause_ms(150, 1200);
    std::uniform_int_distribution<size_t> which(0, nodes_.size() - 1);
    for (int kill = 0; kill < plan_.kills && running; ++kill) {
      std::this_thread::sleep_for(std::chrono::milliseconds(pause_ms(random_)));
      NodeProcess& node = *nodes_[which(random_)];
      node.Kill();
      EXPECT_TRUE(node.Start()) << "a killed node did not come back";
    }
  }

  CrashPlan plan_;
  std::mt19937 random_;
  TempDir dir_;
  std::vector<clinic::Appointment> appointments_;
  std::vector<std::unique_ptr<NodeProcess>> nodes_;
  std::unique_ptr<http::Client> client_ = http::MakeClient();
  std::atomic<size_t> next_node_{0};
  std::mutex tokens_mutex_;
  std::map<std::string, std::string> tokens_;  // guarded by tokens_mutex_
  std::vector<SubmittedTask> tasks_;
  int resumed_tasks_ = 0;
};

int Trials() {
  const char* configured = std::getenv("MEDULLA_CRASH_TRIALS");
  return configured != nullptr ? std::max(1, std::atoi(configured)) : 2;
}

TEST(CrashSqlite, OneNodeKilledAtRandomPointsLosesNothingAndDuplicatesNothing) {
  for (int trial = 0; trial < Trials(); ++trial) {
    SCOPED_TRACE("trial " + std::to_string(trial));
    CrashRun run({"", 1, 48, 3, static_cast<uint32_t>(1000 + trial)});

    run.Run();

    run.CheckEveryTaskEndedOnce();
    run.CheckNoDuplicateInTheEhr();
    run.CheckChainsHold();
  }
}

TEST(CrashPostgres, ThreeNodesOneKilledMidRunFinishEveryTaskExactlyOnce) {
  const char* url = std::getenv("MEDULLA_TEST_POSTGRES_URL");
  if (url == nullptr) {
    if (std::getenv("CI") != nullptr)
      FAIL() << "MEDULLA_TEST_POSTGRES_URL is not set; make test starts PostgreSQL for this";
    GTEST_SKIP() << "set MEDULLA_TEST_POSTGRES_URL to run against PostgreSQL";
  }
  CrashRun run({url, 3, 500, 3, 7});

  run.Run();

  EXPECT_EQ(run.task_count(), 500u);
  run.CheckEveryTaskEndedOnce();
  run.CheckNoDuplicateInTheEhr();
}

}  // namespace
}  // namespace medulla::testing
