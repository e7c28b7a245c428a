// Chart write-backs per second through Medulla's integration service, beside the same resources
// posted by a plain FHIR client, against the sandbox EHR on loopback. Every write is one draft
// note for its own encounter and patient. A Medulla write is what a scribe's draft_note call
// costs end to end: a grant minted for the call, Accept (grant verified and spent, policy asked,
// resource validated, outbox entry committed) and AttemptNow (the entry claimed, the EHR's
// conditional create, the outcome committed). A plain write is ToResource and one POST with
// If-None-Exist, as FhirClient::CreateConditional sends it.
//
// Variants of the Medulla path take one cost away at a time (the validator; the outbox's disk,
// by putting its file on tmpfs; both) so a reader sees what each costs, and one keeps the
// generic profile's shipped rate limit to show what a deployment would meet. Every variant runs
// at every thread count in every repeat, interleaved and in an order rotated per repeat, so all
// see the same sandbox at about the same size. Prints one line per run to standard error and,
// at the end, two markdown tables of medians.
//
// Usage: medulla_writeback_bench --fhir-base URL --origin URL --disk-dir DIR --tmpfs-dir DIR
//          [--writes N] [--repeats N] [--levels 1,8] [--limited-writes N]
// Run from the repository root: config/, and the FHIR definitions, are read by relative path.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "auth/grant.h"
#include "common/ids.h"
#include "common/log.h"
#include "fhir/adapter_factory.h"
#include "fhir/integration_service.h"
#include "fhir/resource_mapping.h"
#include "fhir/validation/validator.h"
#include "fhir/vendor_profile.h"
#include "http/client.h"
#include "policy/policy.h"
#include "store/store.h"

namespace medulla::fhir {
namespace {

using nlohmann::json;
using Steady = std::chrono::steady_clock;

constexpr char kTenant[] = "bench-writeback";
// Lifts the profile's limiter out of the way, so the rows measure Medulla and the EHR.
constexpr double kUnlimitedRate = 1e9;

struct Args {
  std::string fhir_base;
  std::string origin;
  std::string disk_dir;
  std::string tmpfs_dir;
  int writes = 1000;
  int repeats = 3;
  std::vector<int> levels = {1, 8};
  int limited_writes = 200;
  int warmup = 20;
};

struct Variant {
  std::string name;
  bool plain = false;
  bool validate = true;
  bool tmpfs_outbox = false;
  bool shipped_rate_limit = false;
};

const std::vector<Variant>& Variants() {
  static const std::vector<Variant> variants = {
      {"plain HTTP client", true, false, false, false},
      {"Medulla", false, true, false, false},
      {"Medulla, validator off", false, false, false, false},
      {"Medulla, outbox on tmpfs", false, true, true, false},
      {"Medulla, validator off, outbox on tmpfs", false, false, true, false},
      {"Medulla, shipped rate limit", false, true, false, true},
  };
  return variants;
}

// What one write took, in microseconds; mint, accept and attempt are zero for plain writes.
struct WriteTiming {
  bool ok = false;
  double total = 0;
  double ehr = 0;  // inside the HTTP client: the EHR's answer plus loopback and parsing
  double mint = 0;
  double accept = 0;
  double attempt = 0;
  double ehr_calls = 0;
};

struct Measurement {
  std::string variant;
  int threads = 0;
  int repeat = 0;
  int writes = 0;
  int failures = 0;
  double per_second = 0;
  double p50_ms = 0;
  double p95_ms = 0;
  double mint_ms = 0;
  double accept_ms = 0;
  double attempt_ms = 0;
  double ehr_ms = 0;
  double own_ms = 0;  // the mean write less its time inside the HTTP client
  double ehr_calls = 0;
};

double MicrosSince(Steady::time_point start) {
  return std::chrono::duration<double, std::micro>(Steady::now() - start).count();
}

// Time and calls the current thread spent in TimedClient::Send since its write began.
thread_local double ehr_micros = 0;
thread_local int ehr_calls = 0;

// The real client, with each call's time added to the calling thread's tally, so that a write's
// EHR time can be told from the rest of it.
class TimedClient final : public http::Client {
 public:
  TimedClient() : real_(http::MakeClient()) {}

  Result<http::ClientResponse> Send(const http::ClientRequest& request) override {
    const Steady::time_point start = Steady::now();
    Result<http::ClientResponse> response = real_->Send(request);
    ehr_micros += MicrosSince(start);
    ++ehr_calls;
    return response;
  }

 private:
  std::unique_ptr<http::Client> real_;
};

// What every Medulla variant shares, as one node would: the grant keys, policy, validator and
// the generic vendor profile pointed at the sandbox.
struct Node {
  auth::GrantIssuer issuer;
  auth::GrantVerifier verifier;
  std::unique_ptr<policy::PolicyStore> policy;
  std::shared_ptr<const validation::Validator> validator;
  VendorProfile profile;
};

Result<std::unique_ptr<Node>> StartNode(const Args& args) {
  ASSIGN_OR_RETURN(auth::GrantIssuer issuer, auth::GrantIssuer::Generate());
  ASSIGN_OR_RETURN(auth::GrantVerifier verifier, auth::GrantVerifier::FromJwks(issuer.Jwks()));
  ASSIGN_OR_RETURN(std::unique_ptr<policy::PolicyStore> policy,
                   policy::PolicyStore::Open({"config/policies"}));
  ASSIGN_OR_RETURN(std::shared_ptr<const validation::Validator> validator,
                   validation::Validator::Load(validation::Validator::kDefaultDefinitionsDir));
  ASSIGN_OR_RETURN(VendorProfile profile, LoadVendorProfile("config/vendors/generic.yaml"));
  profile.fhir_base = args.fhir_base;
  return std::make_unique<Node>(Node{std::move(issuer), std::move(verifier), std::move(policy),
                                     std::move(validator), std::move(profile)});
}

// A draft note for encounter `index` of one run; the content is invented, not a patient's.
WriteIntent DraftNote(const std::string& run, int index) {
  WriteIntent intent;
  intent.kind = IntentKind::kDraftNote;
  intent.tenant = kTenant;
  intent.task_id = NewUuid();
  intent.patient = "Patient/" + run + "-p" + std::to_string(index);
  intent.encounter = "Encounter/" + run + "-e" + std::to_string(index);
  intent.intent_id = MakeIntentId(intent.tenant, intent.encounter, intent.kind);
  intent.content = {{"subjective", "Cough for a week."},
                    {"objective", "Lungs clear."},
                    {"assessment", "Viral bronchitis."},
                    {"plan", "Rest, fluids."},
                    {"date", "2026-12-04T10:00:00.000Z"}};
  return intent;
}

class Writer {
 public:
  virtual ~Writer() = default;
  // Thread-safe.
  virtual WriteTiming Write(WriteIntent intent) = 0;
};

class PlainWriter final : public Writer {
 public:
  explicit PlainWriter(std::string fhir_base)
      : fhir_base_(std::move(fhir_base)), client_(std::make_unique<TimedClient>()) {}

  WriteTiming Write(WriteIntent intent) override {
    WriteTiming timing;
    const Steady::time_point start = Steady::now();
    Result<json> resource = ToResource(intent);
    if (!resource.ok())
      return timing;

    http::ClientRequest request;
    request.method = "POST";
    request.url = fhir_base_ + "/DocumentReference";
    request.headers["Content-Type"] = "application/fhir+json";
    request.headers["Accept"] = "application/fhir+json";
    request.headers["Prefer"] = "return=representation";
    const Identifier identifier = intent.identifier();
    request.headers["If-None-Exist"] =
        "identifier=" + http::UrlEncode(identifier.system + "|" + identifier.value);
    request.body = resource->dump();
    Result<http::ClientResponse> response = client_->Send(request);

    timing.total = MicrosSince(start);
    timing.ok = response.ok() && response->status == 201;
    return timing;
  }

 private:
  std::string fhir_base_;
  std::unique_ptr<http::Client> client_;
};

class MedullaWriter final : public Writer {
 public:
  static Result<std::unique_ptr<MedullaWriter>> Open(Node& node, const Args& args,
                                                     const Variant& variant,
                                                     const std::string& outbox_path) {
    std::unique_ptr<MedullaWriter> writer(new MedullaWriter(node));
    VendorProfile profile = node.profile;
    if (!variant.shipped_rate_limit)
      profile.rate_limit_per_second = kUnlimitedRate;
    EhrConnection connection;
    connection.origin = args.origin;
    ASSIGN_OR_RETURN(
        std::unique_ptr<EhrAdapter> adapter,
        MakeEhrAdapter(profile, connection, *writer->client_, SystemClock::Instance()));
    writer->ehrs_ = std::make_unique<EhrDirectory>(std::move(adapter));
    ASSIGN_OR_RETURN(writer->outbox_, store::OpenSqliteStore(outbox_path, SystemClock::Instance()));

    IntegrationOptions options;
    options.worker = "bench";
    writer->service_ = std::make_unique<IntegrationService>(
        *writer->ehrs_, *writer->outbox_, node.verifier, *node.policy,
        variant.validate ? node.validator : nullptr, SystemClock::Instance(), options);
    return writer;
  }

  WriteTiming Write(WriteIntent intent) override {
    WriteTiming timing;
    const Steady::time_point start = Steady::now();
    Result<std::string> grant = MintGrant(intent);
    timing.mint = MicrosSince(start);
    if (!grant.ok())
      return timing;
    intent.grant = std::move(grant).value();

    const Steady::time_point accepting = Steady::now();
    Result<store::WritebackEntry> accepted = service_->Accept(intent);
    timing.accept = MicrosSince(accepting);
    if (!accepted.ok() || accepted->status != store::WritebackStatus::kPending)
      return timing;

    const Steady::time_point attempting = Steady::now();
    Result<AttemptResult> attempt = service_->AttemptNow(*accepted);
    timing.attempt = MicrosSince(attempting);
    timing.total = MicrosSince(start);
    timing.ok = attempt.ok() && attempt->entry.status == store::WritebackStatus::kConfirmed;
    return timing;
  }

 private:
  explicit MedullaWriter(Node& node) : node_(&node), client_(std::make_unique<TimedClient>()) {}

  // The grant the orchestrator mints for a scribe's draft_note call by a clinician.
  Result<std::string> MintGrant(const WriteIntent& intent) const {
    auth::GrantRequest request;
    request.principal.subject = "bench-clinician";
    request.principal.tenant = intent.tenant;
    request.principal.roles = {"clinician"};
    request.principal.scopes = {"user/DocumentReference.c"};
    request.principal.purpose_of_use = "treatment";
    request.principal.token_id = NewUuid();
    request.principal.expires_at = std::chrono::system_clock::now() + std::chrono::hours(1);
    request.subject_token_id = request.principal.token_id;
    request.agent = "scribe";
    request.tool = "draft_note";
    request.scopes = request.principal.scopes;
    request.task_id = intent.task_id;
    request.patient = intent.patient;
    ASSIGN_OR_RETURN(auth::MintedGrant minted, node_->issuer.Mint(request));
    return minted.token;
  }

  Node* node_;
  std::unique_ptr<http::Client> client_;
  std::unique_ptr<EhrDirectory> ehrs_;
  std::unique_ptr<store::Store> outbox_;
  std::unique_ptr<IntegrationService> service_;
};

double Percentile(std::vector<double> values, double fraction) {
  if (values.empty())
    return 0;
  std::sort(values.begin(), values.end());
  const size_t rank = static_cast<size_t>(fraction * static_cast<double>(values.size() - 1));
  return values[rank];
}

double Mean(const std::vector<WriteTiming>& timings, double WriteTiming::*field) {
  if (timings.empty())
    return 0;
  double sum = 0;
  for (const WriteTiming& timing : timings)
    sum += timing.*field;
  return sum / static_cast<double>(timings.size());
}

double MeanMs(const std::vector<WriteTiming>& timings, double WriteTiming::*phase) {
  return Mean(timings, phase) / 1000.0;
}

// Writes `count` notes from `threads` threads, each taking the next index until none are left.
std::vector<WriteTiming> WriteAll(Writer& writer, const std::string& run, int count, int threads,
                                  double& seconds) {
  std::vector<WriteTiming> timings(count);
  std::atomic<int> next{0};
  auto work = [&] {
    for (int i = next++; i < count; i = next++) {
      ehr_micros = 0;
      ehr_calls = 0;
      timings[i] = writer.Write(DraftNote(run, i));
      timings[i].ehr = ehr_micros;
      timings[i].ehr_calls = ehr_calls;
    }
  };

  const Steady::time_point start = Steady::now();
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t)
    workers.emplace_back(work);
  for (std::thread& worker : workers)
    worker.join();
  seconds = std::chrono::duration<double>(Steady::now() - start).count();
  return timings;
}

Measurement Summarise(const Variant& variant, int threads, int repeat,
                      const std::vector<WriteTiming>& timings, double seconds) {
  Measurement m;
  m.variant = variant.name;
  m.threads = threads;
  m.repeat = repeat;
  m.writes = static_cast<int>(timings.size());
  std::vector<double> latencies;
  std::vector<WriteTiming> succeeded;
  for (const WriteTiming& timing : timings) {
    if (!timing.ok) {
      ++m.failures;
      continue;
    }
    latencies.push_back(timing.total);
    succeeded.push_back(timing);
  }
  m.per_second = static_cast<double>(succeeded.size()) / seconds;
  m.p50_ms = Percentile(latencies, 0.50) / 1000.0;
  m.p95_ms = Percentile(latencies, 0.95) / 1000.0;
  m.mint_ms = MeanMs(succeeded, &WriteTiming::mint);
  m.accept_ms = MeanMs(succeeded, &WriteTiming::accept);
  m.attempt_ms = MeanMs(succeeded, &WriteTiming::attempt);
  m.ehr_ms = MeanMs(succeeded, &WriteTiming::ehr);
  m.own_ms = MeanMs(succeeded, &WriteTiming::total) - m.ehr_ms;
  m.ehr_calls = Mean(succeeded, &WriteTiming::ehr_calls);
  return m;
}

std::string OutboxPath(const Args& args, const Variant& variant, const std::string& run) {
  const std::string& dir = variant.tmpfs_outbox ? args.tmpfs_dir : args.disk_dir;
  return dir + "/outbox-" + run + ".db";
}

void RemoveOutbox(const std::string& path) {
  for (const char* suffix : {"", "-wal", "-shm"})
    std::filesystem::remove(path + suffix);
}

Result<std::unique_ptr<Writer>> OpenWriter(Node& node, const Args& args, const Variant& variant,
                                           const std::string& outbox_path) {
  if (variant.plain)
    return std::unique_ptr<Writer>(std::make_unique<PlainWriter>(args.fhir_base));
  ASSIGN_OR_RETURN(std::unique_ptr<MedullaWriter> writer,
                   MedullaWriter::Open(node, args, variant, outbox_path));
  return std::unique_ptr<Writer>(std::move(writer));
}

// One variant at one thread count: a fresh outbox and client, warmed up on writes of their own
// (the shipped-limit variant's warm-up also empties the limiter's burst), then timed.
Result<Measurement> Measure(Node& node, const Args& args, const Variant& variant, int threads,
                            int repeat) {
  const std::string run = NewUuid().substr(0, 8);
  const std::string outbox_path = OutboxPath(args, variant, run);
  ASSIGN_OR_RETURN(std::unique_ptr<Writer> writer, OpenWriter(node, args, variant, outbox_path));

  const int warmup = variant.shipped_rate_limit
                         ? args.warmup + static_cast<int>(node.profile.rate_limit_per_second)
                         : args.warmup;
  double ignored = 0;
  WriteAll(*writer, run + "-warm", warmup, threads, ignored);

  const int count = variant.shipped_rate_limit ? args.limited_writes : args.writes;
  double seconds = 0;
  std::vector<WriteTiming> timings = WriteAll(*writer, run, count, threads, seconds);
  writer.reset();
  RemoveOutbox(outbox_path);
  return Summarise(variant, threads, repeat, timings, seconds);
}

void PrintRun(const Measurement& m) {
  std::fprintf(stderr,
               "run repeat=%d threads=%d variant=\"%s\" writes=%d failed=%d writes_per_s=%.1f "
               "p50_ms=%.2f p95_ms=%.2f mint_ms=%.3f accept_ms=%.3f attempt_ms=%.3f ehr_ms=%.3f "
               "own_ms=%.3f ehr_calls=%.2f\n",
               m.repeat, m.threads, m.variant.c_str(), m.writes, m.failures, m.per_second, m.p50_ms,
               m.p95_ms, m.mint_ms, m.accept_ms, m.attempt_ms, m.ehr_ms, m.own_ms, m.ehr_calls);
}

double Median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

using Key = std::pair<int, std::string>;  // threads, variant

double MedianOf(const std::vector<Measurement>& runs, double Measurement::*field) {
  std::vector<double> values;
  for (const Measurement& m : runs)
    values.push_back(m.*field);
  return Median(values);
}

// The ratio of a row to the plain client's run of the same repeat and thread count, the median
// over repeats: side by side in one sandbox, so drift between repeats cancels out.
double MedianRatio(const std::vector<Measurement>& runs, const std::vector<Measurement>& plain,
                   double Measurement::*field) {
  std::vector<double> ratios;
  for (const Measurement& m : runs) {
    for (const Measurement& p : plain) {
      if (p.repeat == m.repeat && p.*field > 0)
        ratios.push_back(m.*field / p.*field);
    }
  }
  return ratios.empty() ? 0 : Median(ratios);
}

void PrintThroughputTable(const std::map<Key, std::vector<Measurement>>& grouped,
                          const Args& args) {
  std::printf(
      "| path | threads | writes | writes/s | p50 ms | p95 ms | writes/s ÷ plain | "
      "p50 ÷ plain | failed |\n");
  std::printf("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
  for (int threads : args.levels) {
    const std::vector<Measurement>& plain = grouped.at({threads, Variants()[0].name});
    for (const Variant& variant : Variants()) {
      const std::vector<Measurement>& runs = grouped.at({threads, variant.name});
      int failures = 0;
      for (const Measurement& m : runs)
        failures += m.failures;
      std::printf("| %s | %d | %d | %.0f | %.2f | %.2f | %.2f | %.2f | %d |\n",
                  variant.name.c_str(), threads, runs[0].writes,
                  MedianOf(runs, &Measurement::per_second), MedianOf(runs, &Measurement::p50_ms),
                  MedianOf(runs, &Measurement::p95_ms),
                  MedianRatio(runs, plain, &Measurement::per_second),
                  MedianRatio(runs, plain, &Measurement::p50_ms), failures);
    }
  }
}

// Means per write, medians over repeats. "In the HTTP client" is the EHR's answer with the
// loopback and parsing around it; "the rest" is everything else the write did.
void PrintPhaseTable(const std::map<Key, std::vector<Measurement>>& grouped, const Args& args) {
  std::printf(
      "\n| path | threads | mint grant ms | Accept ms | AttemptNow ms | "
      "EHR calls | in the HTTP client ms | the rest ms |\n");
  std::printf("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
  for (int threads : args.levels) {
    for (const Variant& variant : Variants()) {
      const std::vector<Measurement>& runs = grouped.at({threads, variant.name});
      std::printf("| %s | %d | %.3f | %.3f | %.3f | %.2f | %.3f | %.3f |\n", variant.name.c_str(),
                  threads, MedianOf(runs, &Measurement::mint_ms),
                  MedianOf(runs, &Measurement::accept_ms), MedianOf(runs, &Measurement::attempt_ms),
                  MedianOf(runs, &Measurement::ehr_calls), MedianOf(runs, &Measurement::ehr_ms),
                  MedianOf(runs, &Measurement::own_ms));
    }
  }
}

int Run(const Args& args) {
  Result<std::unique_ptr<Node>> node = StartNode(args);
  if (!node.ok()) {
    std::fprintf(stderr, "writeback bench: %s\n", node.status().ToString().c_str());
    return 1;
  }

  std::map<Key, std::vector<Measurement>> grouped;
  const size_t variants = Variants().size();
  for (int repeat = 1; repeat <= args.repeats; ++repeat) {
    for (int threads : args.levels) {
      for (size_t i = 0; i < variants; ++i) {
        const Variant& variant = Variants()[(i + static_cast<size_t>(repeat)) % variants];
        Result<Measurement> m = Measure(**node, args, variant, threads, repeat);
        if (!m.ok()) {
          std::fprintf(stderr, "writeback bench: %s\n", m.status().ToString().c_str());
          return 1;
        }
        PrintRun(*m);
        grouped[{threads, variant.name}].push_back(*m);
      }
    }
  }

  PrintThroughputTable(grouped, args);
  PrintPhaseTable(grouped, args);
  return 0;
}

std::vector<int> ParseLevels(const std::string& text) {
  std::vector<int> levels;
  size_t start = 0;
  while (start < text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string::npos)
      comma = text.size();
    levels.push_back(std::stoi(text.substr(start, comma - start)));
    start = comma + 1;
  }
  return levels;
}

bool ParseArgs(int argc, char** argv, Args& args) {
  std::map<std::string, std::string> flags;
  for (int i = 1; i + 1 < argc; i += 2)
    flags[argv[i]] = argv[i + 1];
  if (argc % 2 != 1)
    return false;
  try {
    for (const auto& [flag, value] : flags) {
      if (flag == "--fhir-base")
        args.fhir_base = value;
      else if (flag == "--origin")
        args.origin = value;
      else if (flag == "--disk-dir")
        args.disk_dir = value;
      else if (flag == "--tmpfs-dir")
        args.tmpfs_dir = value;
      else if (flag == "--writes")
        args.writes = std::stoi(value);
      else if (flag == "--repeats")
        args.repeats = std::stoi(value);
      else if (flag == "--levels")
        args.levels = ParseLevels(value);
      else if (flag == "--limited-writes")
        args.limited_writes = std::stoi(value);
      else
        return false;
    }
  } catch (const std::exception&) {
    return false;
  }
  return !args.fhir_base.empty() && !args.origin.empty() && !args.disk_dir.empty() &&
         !args.tmpfs_dir.empty() && args.writes > 0 && args.repeats > 0 && !args.levels.empty() &&
         args.limited_writes > 0;
}

}  // namespace
}  // namespace medulla::fhir

int main(int argc, char** argv) {
  medulla::fhir::Args args;
  if (!medulla::fhir::ParseArgs(argc, argv, args)) {
    std::fprintf(stderr,
                 "usage: medulla_writeback_bench --fhir-base URL --origin URL --disk-dir DIR "
                 "--tmpfs-dir DIR [--writes N] [--repeats N] [--levels 1,8] "
                 "[--limited-writes N]\n");
    return 2;
  }
  // A node logs every accepted write at info; the lines go to a file so that their cost stays
  // in the measurement while the tables stay readable.
  medulla::log::SetFile(args.disk_dir + "/medulla.log");
  return medulla::fhir::Run(args);
}
