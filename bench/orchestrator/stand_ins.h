// Stand-ins for the two things outside Medulla that a visit task waits on: the language model
// and the EHR. Both answer at once from memory, so that what the benchmark times is Medulla's
// own work per step (routing, policy, consent, grants, schema checks, mapping and the event
// log), not a model's or an EHR's latency. Neither is fit for anything but this benchmark.
#pragma once

#include <atomic>
#include <map>
#include <mutex>
#include <string>

#include "http/client.h"
#include "model/model.h"

namespace medulla::bench {

// Answers each agent's purpose with the tool calls a well-behaved model would make for a
// visit, one turn at a time, then a closing text once the tools have answered. It reads the
// patient and encounter from the context the agent built (the first user message).
// Thread-safe: it keeps no state.
class ScriptedModel final : public model::Provider {
 public:
  Result<model::ChatResponse> Complete(const model::ChatRequest& request) override;
  std::string name() const override { return "bench-scripted"; }
};

// An EHR held in memory behind the http::Client interface, so the real FHIR client, clinical
// data service, consent checker and integration service run unchanged above it. It answers:
// Consent searches with one active Consent permitting TREAT and HPAYMT; Patient reads with an
// active, living patient; Encounter reads with a type, reason, period and service provider;
// Condition searches with one coded condition; Claim searches with a prior claim naming the
// payer; and creates with 201 and a new id, or 200 and the earlier id when the If-None-Exist
// identifier was already created. Anything else gets 404. Thread-safe.
class LocalEhr final : public http::Client {
 public:
  static constexpr char kBaseUrl[] = "http://127.0.0.1:9/fhir/R4";

  Result<http::ClientResponse> Send(const http::ClientRequest& request) override;

  int64_t creates() const { return creates_.load(); }
  int64_t repeats() const { return repeats_.load(); }

 private:
  http::ClientResponse Get(const std::string& path) const;
  http::ClientResponse Create(const std::string& type, const http::ClientRequest& request);

  std::mutex mu_;
  std::map<std::string, std::string> created_;  // If-None-Exist value -> id; guarded by mu_
  std::atomic<int64_t> creates_{0};
  std::atomic<int64_t> repeats_{0};
};

}  // namespace medulla::bench
