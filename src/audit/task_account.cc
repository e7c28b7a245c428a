#include "audit/task_account.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <optional>
#include <regex>
#include <sstream>

#include "store/task_state.h"

namespace medulla::audit {
namespace {

using nlohmann::json;
using store::Event;
namespace event_type = store::event_type;

constexpr size_t kMaxCellWidth = 60;
constexpr size_t kModelExcerpt = 60;

std::string Cut(std::string text, size_t width) {
  std::replace(text.begin(), text.end(), '\n', ' ');
  if (text.size() <= width)
    return text;
  return text.substr(0, width - 3) + "...";
}

// Reads a field for display: strings as they are, anything else as compact JSON.
std::string Field(const json& object, const char* key) {
  if (!object.is_object() || !object.contains(key) || object.at(key).is_null())
    return "";
  const json& value = object.at(key);
  if (value.is_string())
    return WithholdTokens(value.get<std::string>());
  if (value.is_array()) {
    std::string joined;
    for (const json& item : value) {
      if (!joined.empty())
        joined += ", ";
      joined += item.is_string() ? item.get<std::string>() : item.dump();
    }
    return WithholdTokens(joined);
  }
  return WithholdTokens(value.dump());
}

std::string Confidence(const json& payload) {
  if (!payload.contains("confidence") || !payload.at("confidence").is_number())
    return "-";
  char text[16];
  std::snprintf(text, sizeof(text), "%.2f", payload.at("confidence").get<double>());
  return text;
}

// A plain-text table: columns as wide as their widest cell, cells cut to a readable width.
class TextTable {
 public:
  explicit TextTable(std::vector<std::string> headers) { rows_.push_back(std::move(headers)); }

  void AddRow(std::vector<std::string> cells) {
    for (std::string& cell : cells)
      cell = Cut(std::move(cell), kMaxCellWidth);
    rows_.push_back(std::move(cells));
  }

  bool empty() const { return rows_.size() == 1; }

  std::string Render() const {
    std::vector<size_t> widths(rows_.front().size(), 0);
    for (const auto& row : rows_) {
      for (size_t column = 0; column < row.size() && column < widths.size(); ++column)
        widths[column] = std::max(widths[column], row[column].size());
    }

    std::ostringstream out;
    for (const auto& row : rows_) {
      std::string line = " ";
      for (size_t column = 0; column < widths.size(); ++column) {
        std::string cell = column < row.size() ? row[column] : "";
        line += " " + cell + std::string(widths[column] - cell.size(), ' ') + " ";
      }
      line.erase(line.find_last_not_of(' ') + 1);
      out << line << "\n";
    }
    return out.str();
  }

 private:
  std::vector<std::vector<std::string>> rows_;
};

struct ToolRun {
  int64_t task_seq = 0;
  std::string agent;
  std::string call_id;
  std::string tool;
  std::string policy;
  std::string grant;
  std::string result = "no outcome recorded";
};

// Everything the account shows, gathered in one pass over the events.
class AccountBuilder {
 public:
  explicit AccountBuilder(const std::vector<Event>& events)
      : events_(events), state_(store::Fold(events)) {}

  std::string Render() {
    for (const Event& event : events_)
      Take(event);

    std::ostringstream out;
    out << Header() << "\n";
    out << Section("Who asked", WhoAsked());
    out << Section("Agents", Agents());
    out << Section("Data viewed", OrNone(viewed_, "no data viewed"));
    out << Section("Tools", Tools());
    out << Section("Model responses", OrNone(model_, "no model responses"));
    out << Section("Consent", OrNone(consent_, "no consent checks recorded"));
    out << Section("Write-back", WriteBack());
    out << Section("Other policy decisions", OrNone(policy_, "none"));
    out << Section("Approvals", "  no approvals recorded\n");
    return out.str();
  }

 private:
  void Take(const Event& event) {
    const json& p = event.payload;
    if (event.type == event_type::kDataViewed) {
      viewed_.AddRow({std::to_string(event.task_seq), Field(p, "agent"), Field(p, "resource"),
                      Field(p, "elements")});
    } else if (event.type == event_type::kModelResponded) {
      TakeModel(event);
    } else if (event.type == event_type::kConsentChecked) {
      bool permitted = p.value("permitted", false);
      consent_.AddRow({Field(p, "agent"), Field(p, "patient"), Field(p, "purpose"),
                       permitted ? "permitted" : "refused",
                       permitted ? Field(p, "consent") : Field(p, "reason")});
    } else if (event.type == event_type::kToolCalled) {
      ToolRun run;
      run.task_seq = event.task_seq;
      run.agent = Field(p, "agent");
      run.call_id = Field(p, "call_id");
      run.tool = Field(p, "tool");
      tools_.push_back(std::move(run));
    } else if (event.type == event_type::kGrantIssued) {
      if (ToolRun* run = FindRun(Field(p, "call_id")))
        run->grant = Field(p, "grant_id");
    } else if (event.type == event_type::kToolCompleted) {
      SetResult(p, "completed");
    } else if (event.type == event_type::kToolFailed) {
      SetResult(p, "failed: " + Field(p, "reason"));
    } else if (event.type == event_type::kToolRefused) {
      SetResult(p, "refused: " + Field(p, "reason"));
    } else if (event.type == event_type::kPolicyDecided) {
      TakePolicy(event);
    }
  }

  void TakeModel(const Event& event) {
    const json& p = event.payload;
    std::string calls;
    for (const json& call : p.value("tool_calls", json::array())) {
      calls += (calls.empty() ? "" : ", ") + Field(call, "name");
    }
    model_.AddRow({std::to_string(event.task_seq), Field(p, "agent"),
                   Field(p, "provider") + "/" + Field(p, "model"), calls.empty() ? "-" : calls,
                   Confidence(p), Cut(Field(p, "content"), kModelExcerpt)});
  }

  // Decisions at the orchestrator name the tool's action, not its call: each belongs to the
  // latest call of that tool by that agent still waiting for one. Decisions at the
  // integration service name the intent they gate.
  void TakePolicy(const Event& event) {
    const json& p = event.payload;
    std::string decision = Field(p, "effect") + " (" + Field(p, "statement") + ")";
    if (p.contains("intent_id")) {
      write_policy_[Field(p, "intent_id")] = decision;
      return;
    }
    std::string action = Field(p, "action");
    for (auto run = tools_.rbegin(); run != tools_.rend(); ++run) {
      if (run->policy.empty() && run->agent == Field(p, "agent") && action == "tool:" + run->tool) {
        run->policy = decision;
        return;
      }
    }
    policy_.AddRow({std::to_string(event.task_seq), Field(p, "agent"), Field(p, "point"), action,
                    Field(p, "resource"), decision});
  }

  ToolRun* FindRun(const std::string& call_id) {
    for (auto run = tools_.rbegin(); run != tools_.rend(); ++run) {
      if (run->call_id == call_id)
        return &*run;
    }
    return nullptr;
  }

  void SetResult(const json& payload, std::string result) {
    if (ToolRun* run = FindRun(Field(payload, "call_id")))
      run->result = std::move(result);
  }

  std::string Header() const {
    std::ostringstream out;
    out << "Task " << state_.task_id << "\n";
    out << "  status   " << store::TaskStatusName(state_.status);
    if (!state_.reason.empty())
      out << " (" << WithholdTokens(state_.reason) << ")";
    out << "\n  created  " << FormatTimestamp(state_.created_at) << "\n";
    out << "  updated  " << FormatTimestamp(state_.updated_at) << "\n";
    out << "  events   " << events_.size() << "\n";
    return out.str();
  }

  std::string WhoAsked() const {
    const Event& created = events_.front();
    json principal = created.payload.value("principal", json::object());
    auto either = [&](const char* key) {
      std::string recorded = Field(principal, key);
      return recorded.empty() ? Field(created.actor, key) : recorded;
    };
    TextTable table({"field", "value"});
    table.AddRow({"subject", either("sub")});
    table.AddRow({"tenant", created.tenant});
    table.AddRow({"roles", either("roles")});
    table.AddRow({"session", either("sid")});
    table.AddRow({"purpose of use", either("purpose_of_use")});
    table.AddRow({"patient", state_.patient.value_or("-")});
    table.AddRow({"agent asked for", state_.requested_agent.value_or("-")});
    table.AddRow({"request text", std::to_string(Field(created.payload, "input").size()) +
                                      " characters (not shown)"});
    return table.Render();
  }

  std::string Agents() const {
    std::string route;
    for (const std::string& agent : state_.route)
      route += (route.empty() ? "" : " -> ") + agent;
    TextTable table({"agent", "outcome", "reason"});
    for (const store::AgentStep& step : state_.steps)
      table.AddRow({step.agent, step.outcome, WithholdTokens(step.reason)});
    std::string out = "  route: " + (route.empty() ? std::string("none recorded") : route) + "\n";
    return out + (table.empty() ? "  no agent ran\n" : table.Render());
  }

  std::string Tools() const {
    TextTable table({"task_seq", "agent", "tool", "policy", "grant", "result"});
    for (const ToolRun& run : tools_) {
      table.AddRow({std::to_string(run.task_seq), run.agent, run.tool,
                    run.policy.empty() ? "-" : run.policy, run.grant.empty() ? "-" : run.grant,
                    run.result});
    }
    return table.empty() ? "  no tools ran\n" : table.Render();
  }

  std::string WriteBack() const {
    TextTable table({"intent", "agent", "kind", "status", "reference / reason", "policy"});
    for (const auto& [id, intent] : state_.intents) {
      std::string status = intent.status;
      if (intent.status == "confirmed")
        status += " (" + intent.outcome + ")";
      std::string detail = intent.status == "confirmed" ? intent.reference : intent.reason;
      auto policy = write_policy_.find(id);
      table.AddRow({id, intent.agent, intent.kind, status, WithholdTokens(detail),
                    policy == write_policy_.end() ? "-" : policy->second});
    }
    return table.empty() ? "  nothing written back\n" : table.Render();
  }

  static std::string OrNone(const TextTable& table, const char* none) {
    return table.empty() ? std::string("  ") + none + "\n" : table.Render();
  }

  static std::string Section(const char* title, const std::string& body) {
    return std::string(title) + "\n" + body + "\n";
  }

  const std::vector<Event>& events_;
  store::TaskState state_;
  TextTable viewed_{{"task_seq", "agent", "resource", "elements"}};
  TextTable model_{{"task_seq", "agent", "provider/model", "tool calls", "confidence", "content"}};
  TextTable consent_{{"agent", "patient", "purpose", "answer", "consent / reason"}};
  TextTable policy_{{"task_seq", "agent", "point", "action", "resource", "decision"}};
  std::vector<ToolRun> tools_;
  std::map<std::string, std::string> write_policy_;  // by intent id
};

}  // namespace

std::string WithholdTokens(std::string_view text) {
  static const std::regex kJwt(R"(eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*)");
  static const std::regex kBearer(R"([Bb]earer\s+[A-Za-z0-9._~+/=-]+)");
  std::string out = std::regex_replace(std::string(text), kBearer, "[token withheld]");
  return std::regex_replace(out, kJwt, "[token withheld]");
}

std::string RenderTaskAccount(const std::vector<store::Event>& events) {
  return AccountBuilder(events).Render();
}

Result<std::string> RenderTaskAccount(store::Store& store, const std::string& task_id) {
  ASSIGN_OR_RETURN(std::vector<store::Event> events, store.ReadTask(task_id));
  return RenderTaskAccount(events);
}

}  // namespace medulla::audit
