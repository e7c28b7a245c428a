#include "orchestrator/task_runner.h"

#include <set>

#include "common/log.h"
#include "common/metrics.h"
#include "orchestrator/agent_step.h"
#include "orchestrator/event_writer.h"
#include "store/task_state.h"

namespace medulla::orchestrator {
namespace {

using nlohmann::json;
namespace event_type = store::event_type;

std::vector<std::string> Strings(const json& array) {
  std::vector<std::string> out;
  if (!array.is_array())
    return out;
  for (const json& item : array) {
    if (item.is_string())
      out.push_back(item.get<std::string>());
  }
  return out;
}

Result<agents::Outcome> ParseOutcome(const std::string& name) {
  if (name == "done")
    return agents::Outcome::kDone;
  if (name == "escalated")
    return agents::Outcome::kEscalated;
  if (name == "failed")
    return agents::Outcome::kFailed;
  return Internal("unknown step outcome recorded");
}

// What the task's events say has happened so far.
struct Progress {
  std::vector<std::string> route;
  std::map<std::string, agents::Outcome> concluded;
  std::set<std::string> skipped;
  std::map<std::string, json> handoff;
};

Progress ReadProgress(const std::vector<store::Event>& events) {
  Progress progress;
  for (const store::Event& event : events) {
    if (event.type == event_type::kTaskRouted)
      progress.route = Strings(event.payload["route"]);
    if (event.type == event_type::kHandoff && event.payload.contains("skipped")) {
      progress.skipped.insert(event.payload["skipped"].get<std::string>());
    }
    if (event.type == event_type::kAgentCompleted) {
      std::string agent = event.payload.value("agent", "");
      Result<agents::Outcome> outcome = ParseOutcome(event.payload.value("outcome", ""));
      if (outcome.ok())
        progress.concluded[agent] = *outcome;
      progress.handoff[agent] = event.payload.value("output", json::object());
    }
  }
  return progress;
}

agents::TaskContext ContextFrom(const store::Event& created, const Progress& progress) {
  agents::TaskContext task;
  task.task_id = created.task_id;
  task.tenant = created.tenant;
  task.patient = created.payload.value("patient", "");
  task.input = created.payload.value("input", json());
  if (task.input.is_object())
    task.encounter = task.input.value("encounter", "");
  task.handoff = progress.handoff;
  return task;
}

class TaskRun {
 public:
  TaskRun(const Services& services, const Router& router, const store::Lease& lease,
          const std::vector<store::Event>& events)
      : services_(services),
        router_(router),
        principal_(PrincipalFromTaskCreated(events.front())),
        progress_(ReadProgress(events)),
        task_(ContextFrom(events.front(), progress_)),
        requested_agent_(events.front().payload.contains("agent")
                             ? std::optional<std::string>(events.front().payload["agent"])
                             : std::nullopt),
        writer_(*services.store, lease, events.back().task_seq, principal_.ToActorJson()) {}

  Result<store::TaskStatus> Run() {
    if (progress_.route.empty()) {
      ASSIGN_OR_RETURN(bool routed, Route());
      if (!routed)
        return store::TaskStatus::kEscalated;
    }

    for (size_t i = 0; i < progress_.route.size(); ++i) {
      const std::string& agent = progress_.route[i];
      if (progress_.skipped.count(agent) > 0)
        continue;
      if (progress_.concluded.count(agent) == 0)
        RETURN_IF_ERROR(RunStep(agent));

      agents::Outcome outcome = progress_.concluded[agent];
      if (router_.EndsTask(agent, outcome))
        break;
      if (i + 1 < progress_.route.size() && !Reached(progress_.route[i + 1])) {
        RETURN_IF_ERROR(HandOff(agent, progress_.route[i + 1]));
      }
    }
    return Complete();
  }

 private:
  // Returns false when no agent can take the task, which then ends escalated.
  Result<bool> Route() {
    Result<RouteDecision> decision = router_.Plan(task_, requested_agent_, principal_);
    if (!decision.ok())
      return decision.status();

    if (decision->model_response) {
      json payload = decision->model_response->ToJson();
      payload["agent"] = "router";
      payload["purpose"] = "router.classify";
      RETURN_IF_ERROR(writer_.Append(event_type::kModelResponded, std::move(payload), "router"));
    }
    RETURN_IF_ERROR(
        writer_.Append(event_type::kTaskRouted, {{"route", decision->agents},
                                                 {"reason", decision->reason},
                                                 {"confidence", decision->confidence}}));
    progress_.route = decision->agents;
    if (!progress_.route.empty())
      return true;

    RETURN_IF_ERROR(Finish(store::TaskStatus::kEscalated, decision->reason));
    return false;
  }

  Status RunStep(const std::string& agent_name) {
    RETURN_IF_ERROR(writer_.Renew(services_.lease_for));
    const agents::Agent* agent = services_.agents->Find(agent_name);
    if (agent == nullptr)
      return Internal("the route names an unknown agent");

    RETURN_IF_ERROR(writer_.Append(event_type::kAgentStarted, {{"agent", agent_name}}, agent_name));
    ASSIGN_OR_RETURN(StepResult step, RunAgentStep(services_, *agent, task_, principal_, writer_));
    RETURN_IF_ERROR(WriteBack(agent_name, step));

    const agents::Conclusion& conclusion = step.conclusion;
    json completed = {{"agent", agent_name},
                      {"outcome", agents::OutcomeName(conclusion.outcome)},
                      {"output", conclusion.output}};
    if (!conclusion.reason.empty())
      completed["reason"] = conclusion.reason;
    RETURN_IF_ERROR(writer_.Append(event_type::kAgentCompleted, completed, agent_name));

    metrics::Increment(
        "medulla_agent_steps_total", "Agent steps by agent and outcome.",
        {{"agent", agent_name}, {"outcome", agents::OutcomeName(conclusion.outcome)}});
    log::Info("orchestrator", "agent.completed",
              {{"task", task_.task_id},
               {"agent", agent_name},
               {"outcome", agents::OutcomeName(conclusion.outcome)}});
    progress_.concluded[agent_name] = conclusion.outcome;
    task_.handoff[agent_name] = conclusion.output;
    return Status::Ok();
  }

  // Hands a concluded step's intents to the integration service, or holds them when the step
  // needs a person. An intent the service accepts is in the durable outbox: it is attempted at
  // once, and when the EHR cannot take it now it drains later, so the task need not wait for
  // an outage to end. A refused or held write turns the step into a failure or an escalation,
  // so nothing is lost without a trace.
  Status WriteBack(const std::string& agent_name, StepResult& step) {
    for (const fhir::WriteIntent& intent : step.record.intents) {
      if (step.conclusion.outcome != agents::Outcome::kDone) {
        const std::string reason = "held for review: " + step.conclusion.reason;
        RETURN_IF_ERROR(writer_.Append(event_type::kWritebackHeld,
                                       {{"intent_id", intent.intent_id}, {"reason", reason}},
                                       agent_name));
        RETURN_IF_ERROR(
            services_.integration->RecordUnsent(intent, store::WritebackStatus::kHeld, reason));
        continue;
      }
      RETURN_IF_ERROR(WriteOne(agent_name, intent, step.conclusion));
    }
    return Status::Ok();
  }

  Status WriteOne(const std::string& agent_name, const fhir::WriteIntent& intent,
                  agents::Conclusion& conclusion) {
    fhir::WriteAudit audit;
    Result<store::WritebackEntry> accepted = services_.integration->Accept(intent, &audit);
    if (audit.policy.is_object()) {
      json decided = audit.policy;
      decided["agent"] = agent_name;
      decided["intent_id"] = intent.intent_id;
      writer_.Stage(event_type::kPolicyDecided, decided, agent_name);
    }
    if (!accepted.ok())
      return RecordRefusedWrite(agent_name, intent, accepted.status(), conclusion);

    json queued = {{"intent_id", intent.intent_id},
                   {"route", store::WritebackRouteName(accepted->route)},
                   {"status", store::WritebackStatusName(accepted->status)},
                   {"resource_type", accepted->resource_type}};
    if (!accepted->reason.empty())
      queued["reason"] = accepted->reason;
    RETURN_IF_ERROR(writer_.Append(event_type::kWritebackQueued, queued, agent_name));

    store::WritebackEntry entry = *accepted;
    if (entry.route != store::WritebackRoute::kWorkItem &&
        entry.status != store::WritebackStatus::kHeld) {
      ASSIGN_OR_RETURN(fhir::AttemptResult attempt, services_.integration->AttemptNow(entry));
      for (const fhir::WritebackTransition& transition : attempt.transitions)
        writer_.Stage(transition.event_type, transition.payload, agent_name);
      RETURN_IF_ERROR(writer_.Flush());
      entry = attempt.entry;
    }
    CountWrite(entry);
    ConcludeByWrite(intent, entry, conclusion);
    return Status::Ok();
  }

  Status RecordRefusedWrite(const std::string& agent_name, const fhir::WriteIntent& intent,
                            const Status& refusal, agents::Conclusion& conclusion) {
    metrics::Increment(
        "medulla_writebacks_total", "Write-backs by resource type and result.",
        {{"resource_type", fhir::ResourceTypeFor(intent.kind)}, {"result", "refused"}});
    RETURN_IF_ERROR(writer_.Append(event_type::kWritebackFailed,
                                   {{"intent_id", intent.intent_id},
                                    {"reason", refusal.message()},
                                    {"retryable", fhir::IsRetryable(refusal)}},
                                   agent_name));
    RETURN_IF_ERROR(services_.integration->RecordUnsent(intent, store::WritebackStatus::kFailed,
                                                        refusal.message()));
    conclusion.outcome = agents::Outcome::kFailed;
    conclusion.reason =
        std::string("write-back of the ") + fhir::IntentKindName(intent.kind) + " was refused";
    return Status::Ok();
  }

  static void CountWrite(const store::WritebackEntry& entry) {
    metrics::Increment("medulla_writebacks_total", "Write-backs by resource type and result.",
                       {{"resource_type", entry.resource_type},
                        {"result", store::WritebackStatusName(entry.status)}});
  }

  // A write that waits (for staff, or for the EHR to come back) leaves the step done; one that
  // needs review escalates it; one that will never be made fails it.
  static void ConcludeByWrite(const fhir::WriteIntent& intent, const store::WritebackEntry& entry,
                              agents::Conclusion& conclusion) {
    const std::string kind = fhir::IntentKindName(intent.kind);
    if (entry.status == store::WritebackStatus::kHeld &&
        conclusion.outcome == agents::Outcome::kDone) {
      conclusion.outcome = agents::Outcome::kEscalated;
      conclusion.reason = "write-back of the " + kind + " is held: " + entry.reason;
    }
    if (entry.status == store::WritebackStatus::kFailed) {
      conclusion.outcome = agents::Outcome::kFailed;
      conclusion.reason = "write-back of the " + kind + " failed";
    }
  }

  bool Reached(const std::string& agent) const {
    return progress_.concluded.count(agent) > 0 || progress_.skipped.count(agent) > 0;
  }

  Status HandOff(const std::string& from, const std::string& to) {
    std::optional<std::string> skip = router_.SkipNext(from, progress_.concluded[from], to);
    if (!skip)
      return writer_.Append(event_type::kHandoff, {{"from", from}, {"to", to}});

    progress_.skipped.insert(to);
    return writer_.Append(event_type::kHandoff,
                          {{"from", from}, {"to", to}, {"skipped", to}, {"reason", *skip}});
  }

  Result<store::TaskStatus> Complete() {
    store::TaskStatus status = store::TaskStatus::kDone;
    std::string reason;
    for (const auto& [agent, outcome] : progress_.concluded) {
      if (outcome == agents::Outcome::kFailed) {
        status = store::TaskStatus::kFailed;
        reason = agent + " failed";
      }
      if (outcome == agents::Outcome::kEscalated && status == store::TaskStatus::kDone) {
        status = store::TaskStatus::kEscalated;
        reason = agent + " needs review";
      }
    }
    RETURN_IF_ERROR(Finish(status, reason));
    return status;
  }

  Status Finish(store::TaskStatus status, const std::string& reason) {
    json payload = {{"status", store::TaskStatusName(status)}};
    if (!reason.empty())
      payload["reason"] = reason;
    RETURN_IF_ERROR(writer_.Append(event_type::kTaskCompleted, payload));

    metrics::Increment("medulla_tasks_finished_total", "Tasks finished by final status.",
                       {{"status", store::TaskStatusName(status)}});
    log::Info("orchestrator", "task.completed",
              {{"task", task_.task_id}, {"status", store::TaskStatusName(status)}});
    return Status::Ok();
  }

  const Services& services_;
  const Router& router_;
  auth::Principal principal_;
  Progress progress_;
  agents::TaskContext task_;
  std::optional<std::string> requested_agent_;
  EventWriter writer_;
};

}  // namespace

auth::Principal PrincipalFromTaskCreated(const store::Event& created) {
  const json& recorded = created.payload.value("principal", json::object());
  auth::Principal principal;
  principal.subject = recorded.value("sub", created.actor.value("sub", ""));
  principal.tenant = created.tenant;
  principal.roles = Strings(recorded.value("roles", json::array()));
  principal.scopes = Strings(recorded.value("scopes", json::array()));
  principal.session_id = recorded.value("sid", "");
  principal.token_id = recorded.value("jti", "");
  principal.purpose_of_use = recorded.value("purpose_of_use", "treatment");
  // Grants never outlive the token the task was asked with; a task without a recorded expiry
  // gets none, and its tools are refused.
  Result<TimePoint> expires = ParseTimestamp(recorded.value("exp", ""));
  if (expires.ok())
    principal.expires_at = *expires;
  return principal;
}

Result<store::TaskStatus> RunTask(const Services& services, const Router& router,
                                  const store::Lease& lease) {
  ASSIGN_OR_RETURN(std::vector<store::Event> events, services.store->ReadTask(lease.task_id));
  store::TaskState state = store::Fold(events);
  if (store::IsTerminal(state.status))
    return state.status;
  if (events.empty() || events.front().type != event_type::kTaskCreated) {
    return Internal("task does not begin with task.created");
  }
  return TaskRun(services, router, lease, events).Run();
}

Status AbandonTask(const Services& services, const store::Lease& lease, const std::string& reason) {
  ASSIGN_OR_RETURN(std::vector<store::Event> events, services.store->ReadTask(lease.task_id));
  if (store::IsTerminal(store::Fold(events).status))
    return Status::Ok();

  auth::Principal principal = PrincipalFromTaskCreated(events.front());
  EventWriter writer(*services.store, lease, events.back().task_seq, principal.ToActorJson());
  metrics::Increment("medulla_tasks_finished_total", "Tasks finished by final status.",
                     {{"status", "failed"}});
  return writer.Append(event_type::kTaskCompleted, {{"status", "failed"}, {"reason", reason}});
}

}  // namespace medulla::orchestrator
