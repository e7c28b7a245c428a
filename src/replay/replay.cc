#include "replay/replay.h"

#include <thread>

#include "agents/agent.h"
#include "auth/grant.h"
#include "fhir/adapter_factory.h"
#include "fhir/clinical_data.h"
#include "fhir/consent.h"
#include "fhir/fhir_client.h"
#include "fhir/integration_service.h"
#include "fhir/vendor_profile.h"
#include "orchestrator/router.h"
#include "orchestrator/task_runner.h"
#include "policy/policy.h"
#include "replay/recording.h"
#include "replay/replay_ehr.h"
#include "replay/replay_store.h"
#include "tools/builtin_tools.h"
#include "tools/tool_registry.h"

namespace medulla::replay {
namespace {

using nlohmann::json;
namespace event_type = store::event_type;

constexpr char kReplayEhrBase[] = "replay://recorded-ehr/fhir/R4";

// A FHIR server that takes every write the recorded EHR took, by the route it was queued on:
// what went to staff as a work item goes there again; everything else is answered from the
// recording as FHIR writes.
fhir::VendorProfile ReplayEhrProfile(const Recording& recording) {
  fhir::VendorProfile profile;
  profile.vendor = "replay";
  profile.display_name = "Recorded EHR";
  profile.fhir_base = kReplayEhrBase;
  profile.prefer_return_representation = true;
  for (fhir::IntentKind kind : {fhir::IntentKind::kDraftNote,
                                fhir::IntentKind::kFollowUpAppointment, fhir::IntentKind::kClaim}) {
    fhir::ResourceSupport& support = profile.resources[fhir::ResourceTypeFor(kind)];
    support.interactions = {"read", "search-type", "create", "update"};
    support.conditional_create = true;
    profile.routes[kind] = {store::WritebackRoute::kFhir, fhir::WriteGuard::kConditionalCreate};
  }
  for (const auto& [call, outcome] : recording.tools) {
    for (const fhir::WriteIntent& intent : outcome.intents) {
      auto write = recording.writes.find(intent.intent_id);
      if (write != recording.writes.end() && write->second.route == "work_item")
        profile.routes[intent.kind] = {store::WritebackRoute::kWorkItem, fhir::WriteGuard::kNone};
    }
  }
  return profile;
}

// Serves the recorded model responses in order; asking for another purpose than the record
// holds next is itself a divergence.
class RecordedModel final : public model::Provider {
 public:
  explicit RecordedModel(Recording& recording) : recording_(&recording) {}

  Result<model::ChatResponse> Complete(const model::ChatRequest& request) override {
    if (recording_->model_responses.empty()) {
      return FailedPrecondition("replay diverged: the model was asked more than recorded");
    }
    std::string purpose = recording_->model_purposes.front();
    if (purpose != request.purpose) {
      return FailedPrecondition("replay diverged: asked the model for " + request.purpose +
                                ", the record holds " + purpose);
    }
    model::ChatResponse response = recording_->model_responses.front();
    recording_->model_responses.pop_front();
    recording_->model_purposes.pop_front();
    return response;
  }
  std::string name() const override { return "recorded"; }

 private:
  Recording* recording_;
};

// Runs a tool call by serving its recorded outcome, views and intents. Intents take the
// grant minted in this replay, so write-back checks it as it would have then.
orchestrator::ToolRunner RecordedTools(const Recording& recording) {
  return [&recording](const tools::ToolDefinition&, tools::ToolContext& context,
                      const model::ToolCall& call) -> Result<json> {
    auto found = recording.tools.find({context.agent, call.id});
    if (found == recording.tools.end()) {
      return FailedPrecondition("replay diverged: no recorded outcome for this tool call");
    }
    const RecordedToolOutcome& outcome = found->second;
    if (outcome.arguments != call.arguments) {
      return FailedPrecondition("replay diverged: the tool was asked for something not recorded");
    }
    context.views = outcome.views;
    context.intents = outcome.intents;
    for (fhir::WriteIntent& intent : context.intents)
      intent.grant = context.grant;
    if (!outcome.ok)
      return Status(StatusCodeFromName(outcome.code), outcome.reason);
    return outcome.result;
  };
}

// The prompt version the task's model responses were asked under; the current one for tasks
// recorded before versions were.
std::string RecordedPromptVersion(const std::vector<store::Event>& events) {
  for (const store::Event& event : events) {
    if (event.type == event_type::kModelResponded && event.payload.contains("prompt_version")) {
      std::string version = event.payload.value("prompt_version", "");
      if (agents::LoadPromptSet(version).ok())
        return version;
    }
  }
  return agents::kCurrentPromptVersion;
}

Status RequireOfflineAnswers(const Recording& recording) {
  for (const std::string& provider : recording.model_providers) {
    if (provider != "offline") {
      return FailedPrecondition("the task was answered by the " + provider +
                                " model; another prompt version would need it asked again, "
                                "which replay does not do");
    }
  }
  return Status::Ok();
}

std::string Line(const std::string& kind, const json& payload,
                 std::initializer_list<const char*> fields) {
  std::string line = kind;
  for (const char* field : fields) {
    if (!payload.contains(field))
      continue;
    const json& value = payload[field];
    line += std::string(" ") + field + "=" +
            (value.is_string() ? value.get<std::string>() : value.dump());
  }
  return line;
}

// Longest-common-subsequence diff of two short traces, as "- " and "+ " lines.
std::vector<std::string> Diff(const std::vector<std::string>& a,
                              const std::vector<std::string>& b) {
  std::vector<std::vector<int>> lcs(a.size() + 1, std::vector<int>(b.size() + 1, 0));
  for (size_t i = a.size(); i-- > 0;) {
    for (size_t j = b.size(); j-- > 0;) {
      lcs[i][j] = a[i] == b[j] ? lcs[i + 1][j + 1] + 1 : std::max(lcs[i + 1][j], lcs[i][j + 1]);
    }
  }
  std::vector<std::string> changes;
  size_t i = 0;
  size_t j = 0;
  while (i < a.size() || j < b.size()) {
    if (i < a.size() && j < b.size() && a[i] == b[j]) {
      ++i;
      ++j;
    } else if (j == b.size() || (i < a.size() && lcs[i + 1][j] >= lcs[i][j + 1])) {
      changes.push_back("- " + a[i++]);
    } else {
      changes.push_back("+ " + b[j++]);
    }
  }
  return changes;
}

}  // namespace

std::vector<std::string> DecisionTrace(const std::vector<store::Event>& events) {
  std::vector<std::string> trace;
  for (const store::Event& event : events) {
    const json& p = event.payload;
    const std::string& type = event.type;
    if (type == event_type::kTaskRouted)
      trace.push_back(Line("routed", p, {"route"}));
    if (type == event_type::kPolicyDecided)
      trace.push_back(Line("policy", p, {"point", "action", "effect", "statement"}));
    if (type == event_type::kConsentChecked)
      trace.push_back(Line("consent", p, {"purpose", "permitted"}));
    if (type == event_type::kToolCalled)
      trace.push_back(Line("tool", p, {"agent", "tool", "arguments"}));
    if (type == event_type::kToolRefused)
      trace.push_back(Line("refused", p, {"tool", "reason"}));
    if (type == event_type::kToolFailed)
      trace.push_back(Line("tool failed", p, {"tool", "code", "reason"}));
    if (type == event_type::kIntentEmitted)
      trace.push_back(Line("intent", p, {"intent_id", "risk"}));
    if (type == event_type::kWritebackConfirmed)
      trace.push_back(Line("written", p, {"intent_id", "outcome"}));
    if (type == event_type::kWritebackFailed)
      trace.push_back(Line("write failed", p, {"intent_id", "retryable"}));
    if (type == event_type::kWritebackHeld)
      trace.push_back(Line("held", p, {"intent_id"}));
    if (type == event_type::kWritebackQueued)
      trace.push_back(Line("queued", p, {"intent_id", "route", "status"}));
    if (type == event_type::kAgentCompleted)
      trace.push_back(Line("agent", p, {"agent", "outcome", "reason"}));
    if (type == event_type::kHandoff)
      trace.push_back(Line("handoff", p, {"from", "to", "skipped"}));
    if (type == event_type::kTaskCompleted)
      trace.push_back(Line("task", p, {"status", "reason"}));
  }
  return trace;
}

Result<ReplayReport> Replay(const std::vector<store::Event>& recorded,
                            const ReplayOptions& options) {
  if (recorded.empty() || recorded.front().type != event_type::kTaskCreated) {
    return InvalidArgument("a replay needs a task's events from task.created on");
  }
  Recording recording = ReadRecording(recorded);
  ManualClock clock(recorded.front().at);

  ReplayEhr ehr_client(recording);
  fhir::EhrConnection recorded_ehr;
  recorded_ehr.origin = kReplayEhrBase;
  ASSIGN_OR_RETURN(
      std::unique_ptr<fhir::EhrAdapter> ehr,
      fhir::MakeEhrAdapter(ReplayEhrProfile(recording), recorded_ehr, ehr_client, clock));
  fhir::EhrDirectory ehrs(std::move(ehr));
  ASSIGN_OR_RETURN(auth::GrantIssuer grants,
                   auth::GrantIssuer::Generate(auth::JwsAlgorithm::kEs256, clock));
  ASSIGN_OR_RETURN(auth::GrantVerifier grant_verifier,
                   auth::GrantVerifier::FromJwks(grants.Jwks(), clock));
  ASSIGN_OR_RETURN(std::unique_ptr<policy::PolicyStore> policy,
                   policy::PolicyStore::Open({options.policy_path}));
  ReplayStore store(clock);
  fhir::IntegrationOptions integration_options;
  integration_options.retry.max_attempts = 1;
  fhir::IntegrationService integration(ehrs, store, grant_verifier, *policy, nullptr, clock,
                                       integration_options, [](std::chrono::milliseconds) {});
  ASSIGN_OR_RETURN(tools::ToolRegistry registry,
                   tools::ToolRegistry::Create(tools::BuiltinTools()));
  ASSIGN_OR_RETURN(
      agents::PromptSet prompts,
      agents::LoadPromptSet(options.prompt_version.empty() ? RecordedPromptVersion(recorded)
                                                           : options.prompt_version));
  agents::AgentCatalog agents(prompts);
  RecordedModel recorded_model(recording);
  std::unique_ptr<model::Provider> offline;
  if (!options.prompt_version.empty()) {
    RETURN_IF_ERROR(RequireOfflineAnswers(recording));
    offline = model::MakeOfflineProvider();
  }
  model::Provider& model = offline ? *offline : static_cast<model::Provider&>(recorded_model);

  orchestrator::Services services{.store = &store,
                                  .agents = &agents,
                                  .tools = &registry,
                                  .model = &model,
                                  .ehrs = &ehrs,
                                  .integration = &integration,
                                  .grants = &grants,
                                  .policy = policy.get(),
                                  .run_tool = RecordedTools(recording),
                                  .clock = &clock};
  const store::Event& created = recorded.front();
  RETURN_IF_ERROR(store
                      .CreateTask({created.task_id,
                                   created.tenant,
                                   std::nullopt,
                                   {created.type, created.actor, created.payload}})
                      .status());
  ASSIGN_OR_RETURN(std::optional<store::Lease> lease, store.Claim("replay", std::chrono::hours(1)));
  orchestrator::Router router(agents, registry, model);
  if (!lease)
    return Internal("the replayed task could not be claimed");
  RETURN_IF_ERROR(orchestrator::RunTask(services, router, *lease).status());

  ReplayReport report;
  report.recorded = DecisionTrace(recorded);
  ASSIGN_OR_RETURN(std::vector<store::Event> replayed, store.ReadTask(created.task_id));
  report.replayed = DecisionTrace(replayed);
  for (size_t i = 0; i < std::max(report.recorded.size(), report.replayed.size()); ++i) {
    bool differs = i >= report.recorded.size() || i >= report.replayed.size() ||
                   report.recorded[i] != report.replayed[i];
    if (differs) {
      report.first_divergence = i;
      break;
    }
  }
  if (!report.same())
    report.changes = Diff(report.recorded, report.replayed);
  return report;
}

}  // namespace medulla::replay
