// Decisions per second and per-decision latency of the policy engine over a generated set of
// statements and a fixed list of questions (both from generate.py).
//
//   medulla_policy_bench --data DIR [--dump FILE] [benchmark flags]
//
// With --dump it writes every question's decision as JSON and exits, so another engine's
// answers can be checked against it. Otherwise it runs the Google Benchmark throughput loop,
// then times each decision alone with steady_clock in a separate loop and prints one line
// "medulla-policy-result {...}" with the percentiles. Each latency sample includes the cost
// of reading the clock twice (tens of nanoseconds).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "policy/policy.h"

namespace {

using medulla::policy::ContextValue;
using medulla::policy::PolicySet;
using medulla::policy::Request;
using nlohmann::json;

std::shared_ptr<const PolicySet> g_policies;
std::vector<Request> g_questions;

ContextValue ValueOf(const json& value) {
  if (value.is_boolean())
    return value.get<bool>();
  if (value.is_number())
    return value.get<double>();
  if (value.is_array())
    return value.get<std::vector<std::string>>();
  return value.get<std::string>();
}

std::vector<Request> ReadQuestions(const std::string& path) {
  std::ifstream in(path);
  json questions = json::parse(in);
  std::vector<Request> requests;
  for (const json& question : questions) {
    Request request;
    const json& principal = question["principal"];
    request.principal.subject = principal["subject"];
    request.principal.tenant = principal["tenant"];
    request.principal.roles = principal["roles"].get<std::vector<std::string>>();
    request.principal.scopes = principal["scopes"].get<std::vector<std::string>>();
    request.action = question["action"];
    request.resource = question["resource"];
    for (const auto& [key, value] : question["context"].items()) {
      request.context.emplace(key, ValueOf(value));
    }
    requests.push_back(std::move(request));
  }
  return requests;
}

void Dump(const std::string& path) {
  json decisions = json::array();
  for (const Request& request : g_questions) {
    medulla::policy::Decision decision = g_policies->Evaluate(request);
    decisions.push_back({{"effect", medulla::policy::EffectName(decision.effect)},
                         {"sid", std::string(decision.sid)}});
  }
  std::ofstream(path) << decisions.dump() << "\n";
}

void BM_Evaluate(benchmark::State& state) {
  size_t next = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(g_policies->Evaluate(g_questions[next]));
    next = next + 1 == g_questions.size() ? 0 : next + 1;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Evaluate);

double Percentile(std::vector<double>& sorted, double fraction) {
  size_t index = static_cast<size_t>(fraction * static_cast<double>(sorted.size() - 1));
  return sorted[index];
}

void ReportLatency(double decisions_per_second) {
  constexpr int kRounds = 200;
  std::vector<double> samples;
  samples.reserve(kRounds * g_questions.size());
  for (int round = 0; round < kRounds; ++round) {
    for (const Request& request : g_questions) {
      auto start = std::chrono::steady_clock::now();
      benchmark::DoNotOptimize(g_policies->Evaluate(request));
      auto end = std::chrono::steady_clock::now();
      samples.push_back(std::chrono::duration<double, std::micro>(end - start).count());
    }
  }
  std::sort(samples.begin(), samples.end());
  json result = {{"engine", "medulla"},
                 {"statements", g_policies->statement_count()},
                 {"questions", g_questions.size()},
                 {"decisions_per_s", decisions_per_second},
                 {"p50_us", Percentile(samples, 0.50)},
                 {"p99_us", Percentile(samples, 0.99)},
                 {"samples", samples.size()}};
  std::printf("medulla-policy-result %s\n", result.dump().c_str());
}

// Collects the throughput loop's items per second while printing as usual.
class ThroughputReporter : public benchmark::ConsoleReporter {
 public:
  // Plain text: the result line that follows is read by scripts.
  ThroughputReporter() : ConsoleReporter(OO_Tabular) {}

  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& run : runs) {
      auto items = run.counters.find("items_per_second");
      if (items != run.counters.end())
        items_per_second = items->second.value;
    }
    ConsoleReporter::ReportRuns(runs);
  }
  double items_per_second = 0;
};

}  // namespace

int main(int argc, char** argv) {
  std::string data;
  std::string dump;
  std::vector<char*> rest = {argv[0]};
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--data" && i + 1 < argc) {
      data = argv[++i];
    } else if (arg == "--dump" && i + 1 < argc) {
      dump = argv[++i];
    } else {
      rest.push_back(argv[i]);
    }
  }
  if (data.empty()) {
    std::fprintf(stderr, "usage: medulla_policy_bench --data DIR [--dump FILE]\n");
    return 1;
  }

  auto loaded = PolicySet::Load(data + "/policies");
  if (!loaded.ok()) {
    std::fprintf(stderr, "medulla_policy_bench: %s\n", loaded.status().message().c_str());
    return 1;
  }
  g_policies = *loaded;
  g_questions = ReadQuestions(data + "/questions.json");
  if (!dump.empty()) {
    Dump(dump);
    return 0;
  }

  int bench_argc = static_cast<int>(rest.size());
  benchmark::Initialize(&bench_argc, rest.data());
  ThroughputReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  ReportLatency(reporter.items_per_second);
  return 0;
}
