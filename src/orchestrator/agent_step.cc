#include "orchestrator/agent_step.h"

#include <algorithm>

#include "common/log.h"
#include "common/metrics.h"
#include "fhir/clinical_data.h"
#include "fhir/consent.h"
#include "store/event.h"

namespace medulla::orchestrator {
namespace {

using nlohmann::json;
namespace event_type = store::event_type;

bool IsOffered(const std::vector<model::ToolOffer>& offers, const std::string& name) {
  return std::any_of(offers.begin(), offers.end(),
                     [&](const model::ToolOffer& offer) { return offer.name == name; });
}

class StepLoop {
 public:
  StepLoop(const Services& services, const agents::Agent& agent, const agents::TaskContext& task,
           const auth::Principal& principal, EventWriter& events)
      : services_(services),
        agent_(agent),
        task_(task),
        principal_(principal),
        events_(events),
        chart_(services.ehrs->For(task.tenant).fhir()),
        consent_checker_(services.ehrs->For(task.tenant).fhir(), *services.clock) {}

  Result<StepResult> Run() {
    Result<json> context = agent_.BuildContext(task_);
    if (!context.ok()) {
      return StepResult{{agents::Outcome::kEscalated, context.status().message(), {}}, {}};
    }

    model::ChatRequest request;
    request.purpose = agent_.purpose();
    request.tools = PolicyPermitted(services_.tools->OffersFor(agent_.tools(), principal_));
    for (const model::ToolOffer& offer : request.tools)
      record_.offered.push_back(offer.name);
    request.messages = {{"system", agent_.instructions(), {}, ""},
                        {"user", context->dump(), {}, ""}};

    for (int turn = 1; turn <= kMaxModelTurns; ++turn) {
      Result<model::ChatResponse> response = services_.model->Complete(request);
      if (!response.ok())
        return ModelFailure(response.status());
      RETURN_IF_ERROR(RecordResponse(*response));
      if (response->tool_calls.empty())
        return Conclude();

      request.messages.push_back({"assistant", response->content, response->tool_calls, ""});
      for (const model::ToolCall& call : response->tool_calls) {
        ASSIGN_OR_RETURN(json result, CallTool(call, request.tools));
        RETURN_IF_ERROR(events_.Flush());
        request.messages.push_back({"tool", result.dump(), {}, call.id});
      }
    }
    return StepResult{{agents::Outcome::kEscalated, "the step needed too many model turns", {}},
                      std::move(record_)};
  }

 private:
  Result<StepResult> ModelFailure(const Status& status) {
    log::Warn("orchestrator", "model.failed",
              {{"task", task_.task_id},
               {"agent", agent_.name()},
               {"code", StatusCodeName(status.code())}});
    return StepResult{{agents::Outcome::kFailed, "the model could not be reached", {}},
                      std::move(record_)};
  }

  Status RecordResponse(const model::ChatResponse& response) {
    metrics::Increment("medulla_model_calls_total", "Model completions by provider and agent.",
                       {{"provider", response.provider}, {"agent", agent_.name()}});
    record_.responses.push_back(response);

    json payload = response.ToJson();
    payload["agent"] = agent_.name();
    payload["purpose"] = agent_.purpose();
    payload["prompt_version"] = agent_.prompt_version();
    return events_.Append(event_type::kModelResponded, std::move(payload), agent_.name());
  }

  Result<StepResult> Conclude() {
    agents::Conclusion conclusion = agent_.Conclude(task_, record_);
    return StepResult{std::move(conclusion), std::move(record_)};
  }

  // Runs one tool call and returns what the model is told of it.
  Result<json> CallTool(const model::ToolCall& call, const std::vector<model::ToolOffer>& offers) {
    json called = {{"agent", agent_.name()},
                   {"call_id", call.id},
                   {"tool", call.name},
                   {"arguments", call.arguments}};
    events_.Stage(event_type::kToolCalled, called, agent_.name());

    if (!IsOffered(offers, call.name))
      return Refuse(call);

    Status valid = services_.tools->ValidateArguments(call.name, call.arguments);
    if (!valid.ok())
      return Fail(call, valid);

    const tools::ToolDefinition* tool = services_.tools->Find(call.name);
    ASSIGN_OR_RETURN(bool allowed, DecideAndRecord(call));
    if (!allowed)
      return Fail(call, PermissionDenied("policy denies " + ToolAction(call.name)));
    if (tool->risk != tools::RiskClass::kNone) {
      ASSIGN_OR_RETURN(bool consented, CheckConsent());
      if (!consented)
        return Fail(call, PermissionDenied(consent_reason_));
    }

    tools::ToolContext context = MakeToolContext();
    if (tool->risk != tools::RiskClass::kNone) {
      Result<auth::MintedGrant> grant = MintGrant(call, *tool);
      if (!grant.ok())
        return Fail(call, grant.status());
      context.grant = grant->token;
    }
    // Everything decided about this call is durable before the tool touches the EHR.
    RETURN_IF_ERROR(events_.Flush());
    Result<json> result = services_.run_tool ? services_.run_tool(*tool, context, call)
                                             : tool->run(context, call.arguments);
    RETURN_IF_ERROR(RecordViewsAndIntents(context, *tool));
    if (!result.ok())
      return Fail(call, result.status());

    record_.tool_results.push_back({call.name, true, *result, "", StatusCode::kOk});
    events_.Stage(
        event_type::kToolCompleted,
        {{"agent", agent_.name()}, {"call_id", call.id}, {"tool", call.name}, {"result", *result}},
        agent_.name());
    return *result;
  }

  Result<json> Refuse(const model::ToolCall& call) {
    record_.refused_tool = true;
    log::Warn("orchestrator", "tool.refused",
              {{"task", task_.task_id}, {"agent", agent_.name()}, {"tool", call.name}});
    events_.Stage(event_type::kToolRefused,
                  {{"agent", agent_.name()},
                   {"call_id", call.id},
                   {"tool", call.name},
                   {"reason", "tool not offered"}},
                  agent_.name());
    return json{{"error", "tool not offered to this agent"}};
  }

  Result<json> Fail(const model::ToolCall& call, const Status& status) {
    record_.tool_results.push_back({call.name, false, {}, status.message(), status.code()});
    events_.Stage(event_type::kToolFailed,
                  {{"agent", agent_.name()},
                   {"call_id", call.id},
                   {"tool", call.name},
                   {"code", StatusCodeName(status.code())},
                   {"reason", status.message()}},
                  agent_.name());
    return json{{"error", status.message()}};
  }

  // Asks once per step whether the patient's consent permits the agent's purpose of use, and
  // records the answer. Fails only when the answer cannot be recorded; a consent the EHR
  // cannot be asked about counts as no consent.
  Result<bool> CheckConsent() {
    if (!consent_) {
      consent_ = AskForConsent();

      json checked = {{"agent", agent_.name()},
                      {"patient", task_.patient},
                      {"purpose", agent_.purpose_of_use()},
                      {"permitted", consent_->permitted}};
      if (consent_->permitted)
        checked["consent"] = consent_->consent;
      if (!consent_->permitted)
        checked["reason"] = consent_->reason;
      if (consent_->unanswered)
        checked["unanswered"] = true;
      events_.Stage(event_type::kConsentChecked, checked, agent_.name());
    }
    consent_reason_ = consent_->reason;
    return consent_->permitted;
  }

  fhir::ConsentDecision AskForConsent() const {
    if (task_.patient.empty())
      return {false, "", "the task names no patient"};
    Result<fhir::ConsentDecision> decision =
        consent_checker_.Check(task_.patient, agent_.purpose_of_use());
    if (!decision.ok())
      return {false, "", "consent could not be checked: the EHR did not answer", true};
    return *decision;
  }

  static std::string ToolAction(const std::string& tool) { return "tool:" + tool; }

  policy::Request PolicyRequest(const std::string& tool) const {
    policy::Request request;
    request.principal = principal_;
    request.action = ToolAction(tool);
    request.resource = policy::ResourceFor(task_.tenant, task_.patient);
    request.context = {{"request.purpose_of_use", principal_.purpose_of_use},
                       {"request.agent", agent_.name()},
                       {"principal.scopes", principal_.scopes}};
    return request;
  }

  // Tools policy would refuse are not offered at all, so the model never sees them.
  std::vector<model::ToolOffer> PolicyPermitted(std::vector<model::ToolOffer> offers) const {
    std::erase_if(offers, [this](const model::ToolOffer& offer) {
      return services_.policy->Evaluate(PolicyRequest(offer.name)).effect != policy::Effect::kAllow;
    });
    return offers;
  }

  // Decides the call against policy at the orchestrator and records the deciding statement.
  Result<bool> DecideAndRecord(const model::ToolCall& call) {
    policy::Request request = PolicyRequest(call.name);
    policy::Decision decision = services_.policy->Evaluate(request);
    json record = policy::DecisionRecord(decision);
    record["agent"] = agent_.name();
    record["point"] = "orchestrator";
    record["action"] = request.action;
    record["resource"] = request.resource;
    events_.Stage(event_type::kPolicyDecided, record, agent_.name());
    return decision.effect == policy::Effect::kAllow;
  }

  // Mints the call's own grant: the user as subject, the agent as actor, only the scopes this
  // tool needs, bound to this task and patient, valid for minutes. Recorded without the token.
  Result<auth::MintedGrant> MintGrant(const model::ToolCall& call,
                                      const tools::ToolDefinition& tool) {
    auth::GrantRequest request;
    request.principal = principal_;
    request.subject_token_id = principal_.token_id;
    request.agent = agent_.name();
    request.tool = tool.name;
    request.scopes = tool.scopes;
    request.task_id = task_.task_id;
    request.patient = task_.patient;
    ASSIGN_OR_RETURN(auth::MintedGrant grant, services_.grants->Mint(request));

    events_.Stage(event_type::kGrantIssued,
                  {{"agent", agent_.name()},
                   {"call_id", call.id},
                   {"tool", tool.name},
                   {"grant_id", grant.grant_id},
                   {"scopes", tool.scopes},
                   {"audience", auth::kGrantAudience},
                   {"expires_at", FormatTimestamp(grant.expires_at)}},
                  agent_.name());
    return grant;
  }

  tools::ToolContext MakeToolContext() const {
    tools::ToolContext context;
    context.task_id = task_.task_id;
    context.tenant = task_.tenant;
    context.principal = &principal_;
    context.agent = agent_.name();
    context.patient = task_.patient;
    context.encounter = task_.encounter;
    context.data = &chart_;
    context.clock = services_.clock;
    return context;
  }

  Status RecordViewsAndIntents(const tools::ToolContext& context,
                               const tools::ToolDefinition& tool) {
    for (const fhir::DataView& view : context.views) {
      events_.Stage(
          event_type::kDataViewed,
          {{"agent", agent_.name()}, {"resource", view.reference}, {"elements", view.elements}},
          agent_.name());
    }
    for (const fhir::WriteIntent& intent : context.intents) {
      events_.Stage(
          event_type::kIntentEmitted,
          {{"intent_id", intent.intent_id},
           {"agent", agent_.name()},
           {"kind", fhir::IntentKindName(intent.kind)},
           {"resource_type", fhir::ResourceTypeFor(intent.kind)},
           {"risk", tools::RiskClassName(tool.risk)},
           {"identifier",
            {{"system", intent.identifier().system}, {"value", intent.identifier().value}}},
           {"intent", intent.ToJson()}},
          agent_.name());
      record_.intents.push_back(intent);
    }
    return Status::Ok();
  }

  const Services& services_;
  const agents::Agent& agent_;
  const agents::TaskContext& task_;
  const auth::Principal& principal_;
  EventWriter& events_;
  // The chart is read from the tenant's own EHR, whichever vendor's it is.
  mutable fhir::ClinicalData chart_;
  const fhir::ConsentChecker consent_checker_;
  agents::StepRecord record_;
  std::optional<fhir::ConsentDecision> consent_;
  std::string consent_reason_;
};

}  // namespace

Result<StepResult> RunAgentStep(const Services& services, const agents::Agent& agent,
                                const agents::TaskContext& task, const auth::Principal& principal,
                                EventWriter& events) {
  return StepLoop(services, agent, task, principal, events).Run();
}

}  // namespace medulla::orchestrator
