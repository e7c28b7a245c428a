// Durable appends per second on each store engine, with and without grouped commits, at
// several numbers of concurrent appenders. Every appender owns one task of one tenant (a
// clinic's day: many tasks, one hash chain) and appends one event per call, each call
// acknowledged only once committed. Prints one markdown table.
//
// Usage: medulla_store_bench --sqlite-dir DIR --postgres-url URL [--seconds N]
// A fresh SQLite file or PostgreSQL schema is used for every row.
#include <libpq-fe.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "common/ids.h"
#include "common/log.h"
#include "store/store_factory.h"

namespace medulla::store {
namespace {

struct Config {
  std::string engine;  // "sqlite" or "postgresql"
  bool group_commit;
  int appenders;
};

struct Measurement {
  int64_t appends = 0;
  int64_t failures = 0;
  double seconds = 0;
  double PerSecond() const { return static_cast<double>(appends) / seconds; }
};

struct Args {
  std::string sqlite_dir;
  std::string postgres_url;
  int seconds = 3;
};

bool ParseArgs(int argc, char** argv, Args& args) {
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--sqlite-dir")
      args.sqlite_dir = argv[i + 1];
    else if (flag == "--postgres-url")
      args.postgres_url = argv[i + 1];
    else if (flag == "--seconds")
      args.seconds = std::stoi(argv[i + 1]);
    else
      return false;
  }
  return !args.sqlite_dir.empty() && !args.postgres_url.empty() && args.seconds > 0;
}

// Runs `sql` on its own connection; false (after saying why) when it fails.
bool RunPostgres(const std::string& url, const std::string& sql) {
  PGconn* connection = PQconnectdb(url.c_str());
  PQsetNoticeProcessor(
      connection, [](void*, const char*) {}, nullptr);
  PGresult* result = PQexec(connection, sql.c_str());
  bool ok = PQresultStatus(result) == PGRES_COMMAND_OK;
  if (!ok)
    std::fprintf(stderr, "store bench: %s", PQerrorMessage(connection));
  PQclear(result);
  PQfinish(connection);
  return ok;
}

// A URL for a fresh, empty store of the engine.
std::string FreshStoreUrl(const Args& args, const Config& config, int row) {
  std::string name = "bench_" + std::to_string(row);
  if (config.engine == "sqlite") {
    std::filesystem::path path = std::filesystem::path(args.sqlite_dir) / (name + ".db");
    for (const char* suffix : {"", "-wal", "-shm"})
      std::filesystem::remove(path.string() + suffix);
    return "sqlite:" + path.string();
  }
  RunPostgres(args.postgres_url, "DROP SCHEMA IF EXISTS " + name + " CASCADE");
  if (!RunPostgres(args.postgres_url, "CREATE SCHEMA " + name))
    return "";
  char separator = args.postgres_url.find('?') == std::string::npos ? '?' : '&';
  return args.postgres_url + separator + "options=-csearch_path%3D" + name;
}

Measurement Measure(const std::string& url, const Config& config, int seconds) {
  Measurement measurement;
  StoreOptions options;
  options.group_commit = config.group_commit;
  Result<std::unique_ptr<Store>> opened = OpenStore(url, SystemClock::Instance(), options);
  if (!opened.ok()) {
    std::fprintf(stderr, "store bench: %s\n", opened.status().ToString().c_str());
    measurement.failures = 1;
    measurement.seconds = 1;
    return measurement;
  }
  Store& store = **opened;

  std::vector<std::string> tasks;
  for (int i = 0; i < config.appenders; ++i) {
    std::string task_id = NewUuid();
    NewEvent created{"task.created", {{"sub", "bench"}}, {{"input", "bench"}}};
    if (store.CreateTask({task_id, "clinic-a", {}, created}).ok())
      tasks.push_back(task_id);
  }

  std::atomic<bool> stop{false};
  std::atomic<int64_t> appends{0};
  std::atomic<int64_t> failures{0};
  auto append = [&](const std::string& task_id) {
    int64_t last = 1;
    while (!stop.load(std::memory_order_relaxed)) {
      NewEvent step{"agent.started", {{"agent", "scribe"}}, {{"agent", "scribe"}, {"step", last}}};
      if (store.Append(task_id, {step}, last, nullptr).ok()) {
        ++last;
        ++appends;
      } else {
        ++failures;
      }
    }
  };

  auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (const std::string& task_id : tasks)
    threads.emplace_back(append, task_id);
  std::this_thread::sleep_for(std::chrono::seconds(seconds));
  stop = true;
  for (std::thread& thread : threads)
    thread.join();

  measurement.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  measurement.appends = appends.load();
  measurement.failures = failures.load() + (config.appenders - static_cast<int64_t>(tasks.size()));
  return measurement;
}

int Run(const Args& args) {
  std::vector<Config> configs;
  for (const char* engine : {"sqlite", "postgresql"}) {
    for (int appenders : {1, 8, 32}) {
      for (bool group_commit : {false, true})
        configs.push_back({engine, group_commit, appenders});
    }
  }

  std::map<std::tuple<std::string, bool, int>, Measurement> results;
  int row = 0;
  for (const Config& config : configs) {
    std::string url = FreshStoreUrl(args, config, row++);
    if (url.empty())
      return 1;
    results[{config.engine, config.group_commit, config.appenders}] =
        Measure(url, config, args.seconds);
  }

  double baseline = results[{"sqlite", false, 1}].PerSecond();
  std::printf(
      "| engine | appenders | commits | appends/s | vs. single commits | "
      "vs. SQLite single, 1 appender | failed calls |\n");
  std::printf("| --- | ---: | --- | ---: | ---: | ---: | ---: |\n");
  for (const Config& config : configs) {
    const Measurement& m = results[{config.engine, config.group_commit, config.appenders}];
    const Measurement& single = results[{config.engine, false, config.appenders}];
    std::printf("| %s | %d | %s | %.0f | %.2f× | %.2f× | %lld |\n", config.engine.c_str(),
                config.appenders, config.group_commit ? "grouped" : "single", m.PerSecond(),
                m.PerSecond() / single.PerSecond(), m.PerSecond() / baseline,
                static_cast<long long>(m.failures));
  }
  return 0;
}

}  // namespace
}  // namespace medulla::store

int main(int argc, char** argv) {
  medulla::store::Args args;
  if (!medulla::store::ParseArgs(argc, argv, args)) {
    std::fprintf(stderr,
                 "usage: medulla_store_bench --sqlite-dir DIR --postgres-url URL [--seconds N]\n");
    return 2;
  }
  medulla::log::SetLevel(medulla::log::Level::kWarn);
  return medulla::store::Run(args);
}
