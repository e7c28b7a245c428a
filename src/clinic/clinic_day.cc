#include "clinic/clinic_day.h"

#include <fstream>
#include <iomanip>
#include <map>
#include <ostream>
#include <sstream>
#include <thread>

#include "http/client.h"

namespace medulla::clinic {
namespace {

using nlohmann::json;
using SteadyClock = std::chrono::steady_clock;

const std::vector<std::string> kAgents = {"intake", "scribe", "scheduling", "billing"};

Result<json> ReadJsonFile(const std::string& path) {
  std::ifstream file(path);
  if (!file)
    return NotFound("cannot open " + path);
  json parsed = json::parse(file, nullptr, false);
  if (parsed.is_discarded())
    return InvalidArgument(path + " is not valid JSON");
  return parsed;
}

struct SubmittedVisit {
  Appointment appointment;
  std::string task_id;
  bool created = false;
  json state = json::object();
};

Result<json> CallJson(http::Client& client, const ClinicDayOptions& options,
                      const std::string& method, const std::string& path, const json* body) {
  http::ClientRequest request;
  request.method = method;
  request.url = options.server_url + path;
  request.headers["Authorization"] = "Bearer " + options.token;
  request.headers["Accept"] = "application/json";
  if (body != nullptr) {
    request.headers["Content-Type"] = "application/json";
    request.body = body->dump();
  }
  ASSIGN_OR_RETURN(http::ClientResponse response, client.Send(request));

  json parsed = json::parse(response.body, nullptr, false);
  if (response.status >= 300) {
    std::string title = parsed.is_object() ? parsed.value("detail", "") : "";
    return Unavailable(method + " " + path + " answered " + std::to_string(response.status) +
                       (title.empty() ? "" : ": " + title));
  }
  if (parsed.is_discarded())
    return Internal(path + " answered something that is not JSON");
  return parsed;
}

Result<SubmittedVisit> Submit(http::Client& client, const ClinicDayOptions& options,
                              const Appointment& appointment) {
  json body = {
      {"input", {{"dialogue", appointment.dialogue}, {"encounter", appointment.encounter}}},
      {"patient", appointment.patient},
      {"idempotency_key", "clinic-day:" + appointment.visit}};
  ASSIGN_OR_RETURN(json answer, CallJson(client, options, "POST", "/v1/tasks", &body));
  return SubmittedVisit{appointment, answer.value("id", ""), answer.value("created", false),
                        json::object()};
}

bool IsTerminal(const json& state) {
  if (!state.is_object())
    return false;
  std::string status = state.value("status", "");
  return status == "done" || status == "escalated" || status == "failed";
}

std::string StepsLine(const json& state) {
  std::string line;
  for (const json& step : state.value("steps", json::array())) {
    if (!line.empty())
      line += ", ";
    line += step.value("agent", "?") + " " + step.value("outcome", "?");
  }
  return line;
}

Status WaitForAll(http::Client& client, const ClinicDayOptions& options,
                  std::vector<SubmittedVisit>& visits, std::ostream& progress) {
  const auto deadline = SteadyClock::now() + options.timeout;
  size_t finished = 0;
  while (finished < visits.size()) {
    if (SteadyClock::now() > deadline)
      return DeadlineExceeded("the clinic day did not finish");
    for (SubmittedVisit& visit : visits) {
      if (IsTerminal(visit.state))
        continue;
      ASSIGN_OR_RETURN(visit.state,
                       CallJson(client, options, "GET", "/v1/tasks/" + visit.task_id, nullptr));
      if (!IsTerminal(visit.state))
        continue;
      ++finished;
      progress << "[" << std::setw(2) << finished << "/" << visits.size() << "] "
               << visit.appointment.visit << "  " << std::left << std::setw(9)
               << visit.state.value("status", "") << std::right << "  " << StepsLine(visit.state)
               << "\n"
               << std::flush;
    }
    if (finished < visits.size())
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return Status::Ok();
}

Result<json> CountEhrDuplicates(http::Client& client, const ClinicDayOptions& options) {
  std::string admin = options.ehr_url;
  size_t fhir = admin.find("/fhir/");
  if (fhir != std::string::npos)
    admin = admin.substr(0, fhir);

  http::ClientRequest request;
  request.url = admin + "/__admin/duplicates?system=" + http::UrlEncode("urn:medulla:writeback");
  ASSIGN_OR_RETURN(http::ClientResponse response, client.Send(request));
  json parsed = json::parse(response.body, nullptr, false);
  if (response.status != 200 || !parsed.is_object()) {
    return Unavailable("the EHR's duplicate check answered " + std::to_string(response.status));
  }
  return parsed;
}

json AgentCounts(const std::vector<SubmittedVisit>& visits) {
  json agents = json::object();
  for (const std::string& agent : kAgents) {
    agents[agent] = {{"done", 0}, {"escalated", 0}, {"failed", 0}};
  }
  for (const SubmittedVisit& visit : visits) {
    for (const json& step : visit.state.value("steps", json::array())) {
      std::string outcome = step.value("outcome", "");
      std::string agent = step.value("agent", "");
      if (agents.contains(agent) && agents[agent].contains(outcome)) {
        agents[agent][outcome] = agents[agent][outcome].get<int>() + 1;
      }
    }
  }
  return agents;
}

json WriteCounts(const std::vector<SubmittedVisit>& visits) {
  json writes = {{"confirmed", 0}, {"created", 0}, {"already_present", 0},
                 {"held", 0},      {"failed", 0},  {"by_agent", json::object()}};
  for (const SubmittedVisit& visit : visits) {
    for (const json& intent : visit.state.value("intents", json::array())) {
      std::string status = intent.value("status", "");
      std::string agent = intent.value("agent", "");
      if (status == "confirmed") {
        writes["confirmed"] = writes["confirmed"].get<int>() + 1;
        std::string outcome =
            intent.value("outcome", "") == "created" ? "created" : "already_present";
        writes[outcome] = writes[outcome].get<int>() + 1;
        writes["by_agent"][agent] = writes["by_agent"].value(agent, 0) + 1;
      }
      if (status == "held" || status == "failed")
        writes[status] = writes[status].get<int>() + 1;
    }
  }
  return writes;
}

json VisitDetail(const SubmittedVisit& visit) {
  return {{"visit", visit.appointment.visit},
          {"task_id", visit.task_id},
          {"created", visit.created},
          {"status", visit.state.value("status", "")},
          {"reason", visit.state.value("reason", "")},
          {"steps", visit.state.value("steps", json::array())}};
}

}  // namespace

Result<std::vector<Appointment>> LoadClinicDay(const std::string& data_dir) {
  ASSIGN_OR_RETURN(json day, ReadJsonFile(data_dir + "/clinic-day.json"));
  ASSIGN_OR_RETURN(json dialogues, ReadJsonFile(data_dir + "/dialogues/aci-bench.json"));

  std::map<std::string, std::string> dialogue_by_visit;
  for (const json& visit : dialogues.value("visits", json::array())) {
    dialogue_by_visit[visit.value("encounter_id", "")] = visit.value("dialogue", "");
  }

  std::vector<Appointment> appointments;
  for (const json& entry : day) {
    Appointment appointment{entry.value("visit", ""), entry.value("patient", ""),
                            entry.value("encounter", ""), ""};
    auto dialogue = dialogue_by_visit.find(appointment.visit);
    if (dialogue == dialogue_by_visit.end()) {
      return InvalidArgument("clinic-day.json names visit " + appointment.visit +
                             " that has no dialogue");
    }
    appointment.dialogue = dialogue->second;
    appointments.push_back(std::move(appointment));
  }
  if (appointments.empty())
    return InvalidArgument("clinic-day.json lists no visits");
  return appointments;
}

Result<json> RunClinicDay(const ClinicDayOptions& options, http::Client& client,
                          std::ostream& progress) {
  ASSIGN_OR_RETURN(std::vector<Appointment> appointments, LoadClinicDay(options.data_dir));
  const auto started = SteadyClock::now();

  progress << "submitting " << appointments.size() << " visits to " << options.server_url << "\n"
           << std::flush;
  std::vector<SubmittedVisit> visits;
  for (const Appointment& appointment : appointments) {
    ASSIGN_OR_RETURN(SubmittedVisit visit, Submit(client, options, appointment));
    visits.push_back(std::move(visit));
  }
  RETURN_IF_ERROR(WaitForAll(client, options, visits, progress));
  ASSIGN_OR_RETURN(json duplicates, CountEhrDuplicates(client, options));
  const double wall_seconds = std::chrono::duration<double>(SteadyClock::now() - started).count();

  json status_counts = {{"done", 0}, {"escalated", 0}, {"failed", 0}};
  int created = 0;
  json details = json::array();
  for (const SubmittedVisit& visit : visits) {
    std::string status = visit.state.value("status", "");
    status_counts[status] = status_counts.value(status, 0) + 1;
    created += visit.created ? 1 : 0;
    details.push_back(VisitDetail(visit));
  }

  return json{{"encounters", visits.size()},
              {"tasks", {{"created", created}, {"reused", visits.size() - created}}},
              {"status", status_counts},
              {"agents", AgentCounts(visits)},
              {"writes", WriteCounts(visits)},
              {"ehr_duplicates", duplicates.value("count", -1)},
              {"wall_seconds", wall_seconds},
              {"visits", details}};
}

std::string SummaryTable(const json& report) {
  std::ostringstream out;
  const json& agents = report["agents"];
  const json& by_agent = report["writes"]["by_agent"];

  out << "agent        done  escalated  failed  writes confirmed\n";
  out << "-----------  ----  ---------  ------  ----------------\n";
  for (const std::string& agent : kAgents) {
    out << std::left << std::setw(11) << agent << std::right << "  " << std::setw(4)
        << agents[agent].value("done", 0) << "  " << std::setw(9)
        << agents[agent].value("escalated", 0) << "  " << std::setw(6)
        << agents[agent].value("failed", 0) << "  " << std::setw(16) << by_agent.value(agent, 0)
        << "\n";
  }
  const json& writes = report["writes"];
  out << "\nencounters " << report["encounters"].get<int>() << " (tasks created "
      << report["tasks"]["created"].get<int>() << ", reused "
      << report["tasks"]["reused"].get<int>() << ")\n";
  out << "writes confirmed " << writes["confirmed"].get<int>() << " (new "
      << writes["created"].get<int>() << ", already in the EHR "
      << writes["already_present"].get<int>() << "), held " << writes["held"].get<int>()
      << ", failed " << writes["failed"].get<int>() << "\n";
  out << "duplicates found in the EHR " << report["ehr_duplicates"].get<int>() << "\n";
  out << "wall time " << std::fixed << std::setprecision(1) << report["wall_seconds"].get<double>()
      << " s\n";
  return out.str();
}

}  // namespace medulla::clinic
