#include "fhir/work_item_document.h"

#include <array>
#include <nlohmann/json.hpp>
#include <utility>

namespace medulla::fhir {
namespace {

using nlohmann::json;

constexpr char kStyle[] = R"css(
body { font-family: sans-serif; margin: 2em; color: #111; }
h1 { font-size: 1.4em; margin-bottom: 0.2em; }
h2 { font-size: 1.1em; border-bottom: 1px solid #999; margin-top: 1.5em; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; vertical-align: top; padding: 0.25em 0.5em; border: 1px solid #ccc; }
th { width: 12em; background: #f2f2f2; }
.section { white-space: pre-wrap; border-left: 3px solid #999; padding-left: 0.75em; }
.done { margin-top: 2em; font-size: 0.9em; }
@page { margin: 18mm; }
@media print {
  body { margin: 0; }
  .done { page-break-inside: avoid; }
  th { background: none; }
}
)css";

// A value as display text: strings as they are, anything else as JSON. Invalid UTF-8 is
// replaced rather than thrown over, so no entry can stop its page from rendering.
std::string Display(const json& value) {
  if (value.is_string())
    return value.get<std::string>();
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

// A field of `object` as display text; missing fields as empty.
std::string Field(const json& object, const char* name) {
  if (!object.is_object() || !object.contains(name))
    return "";
  return Display(object[name]);
}

std::string Row(const std::string& heading, const std::string& value) {
  return "<tr><th>" + EscapeHtml(heading) + "</th><td>" + EscapeHtml(value) + "</td></tr>\n";
}

std::string Table(const std::string& rows) {
  return "<table>\n" + rows + "</table>\n";
}

// What staff are asked to create, by intent kind.
std::string TaskTitle(const std::string& kind) {
  if (kind == "draft_note")
    return "Enter a draft visit note";
  if (kind == "follow_up_appointment")
    return "Book a follow-up appointment";
  if (kind == "claim")
    return "Enter a claim";
  return "Enter a " + kind;
}

std::string NoteContent(const json& content) {
  static constexpr std::array<std::pair<const char*, const char*>, 4> kSections = {{
      {"Subjective", "subjective"},
      {"Objective", "objective"},
      {"Assessment", "assessment"},
      {"Plan", "plan"},
  }};

  std::string html = Table(Row("Note date", Field(content, "date")));
  for (const auto& [heading, field] : kSections) {
    html += "<h3>" + std::string(heading) + "</h3>\n<div class=\"section\">" +
            EscapeHtml(Field(content, field)) + "</div>\n";
  }
  return html;
}

std::string AppointmentContent(const json& content) {
  return Table(Row("Start", Field(content, "start")) + Row("End", Field(content, "end")) +
               Row("Minutes", Field(content, "minutes")) + Row("Reason", Field(content, "reason")));
}

std::string CodeTable(const json& codes) {
  std::string rows = "<tr><th>Code</th><th>System</th><th>Meaning</th></tr>\n";
  for (const json& code : codes.is_array() ? codes : json::array()) {
    rows += "<tr><td>" + EscapeHtml(Field(code, "code")) + "</td><td>" +
            EscapeHtml(Field(code, "system")) + "</td><td>" + EscapeHtml(Field(code, "display")) +
            "</td></tr>\n";
  }
  return Table(rows);
}

std::string ClaimContent(const json& content) {
  json period = content.value("period", json::object());
  std::string html =
      Table(Row("Created", Field(content, "created")) +
            Row("Provider", Field(content, "provider")) + Row("Payer", Field(content, "payer")) +
            Row("Period start", Field(period, "start")) + Row("Period end", Field(period, "end")));
  html += "<h3>Services</h3>\n" + CodeTable(content.value("services", json::array()));
  html += "<h3>Diagnoses</h3>\n" + CodeTable(content.value("diagnoses", json::array()));
  return html;
}

std::string OtherContent(const json& content) {
  if (!content.is_object())
    return "";
  std::string rows;
  for (const auto& [name, value] : content.items())
    rows += Row(name, Display(value));
  return Table(rows);
}

std::string Content(const std::string& kind, const json& content) {
  if (kind == "draft_note")
    return NoteContent(content);
  if (kind == "follow_up_appointment")
    return AppointmentContent(content);
  if (kind == "claim")
    return ClaimContent(content);
  return OtherContent(content);
}

std::string Summary(const store::WritebackEntry& entry) {
  return Table(Row("Patient", entry.patient) + Row("Encounter", Field(entry.intent, "encounter")) +
               Row("Create in the EHR", entry.resource_type) + Row("Work item", entry.intent_id) +
               Row("Task", entry.task_id) +
               Row("Status", store::WritebackStatusName(entry.status)) +
               Row("Queued", FormatTimestamp(entry.created_at)) +
               Row("Why by hand",
                   entry.reason.empty() ? "the EHR takes this entry from staff" : entry.reason));
}

std::string Completion(const store::WritebackEntry& entry) {
  return "<p class=\"done\">When it is entered, mark this work item complete with the reference "
         "the EHR gave it: <code>medulla writeback complete " +
         EscapeHtml(entry.intent_id) + " --tenant " + EscapeHtml(entry.tenant) +
         " --by YOUR-ID --reference " + EscapeHtml(entry.resource_type) +
         "/ID</code>, or POST to <code>/v1/writebacks/" + EscapeHtml(entry.intent_id) +
         "/complete</code>.</p>\n";
}

}  // namespace

std::string EscapeHtml(const std::string& text) {
  std::string escaped;
  escaped.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        escaped += "&amp;";
        break;
      case '<':
        escaped += "&lt;";
        break;
      case '>':
        escaped += "&gt;";
        break;
      case '"':
        escaped += "&quot;";
        break;
      case '\'':
        escaped += "&#39;";
        break;
      default:
        escaped += c;
    }
  }
  return escaped;
}

std::string RenderWorkItemDocument(const store::WritebackEntry& entry) {
  std::string title = TaskTitle(entry.kind);
  json content =
      entry.intent.is_object() ? entry.intent.value("content", json::object()) : json::object();

  std::string html = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
  html += "<title>" + EscapeHtml(title) + "</title>\n<style>" + kStyle + "</style>\n</head>\n";
  html += "<body>\n<h1>" + EscapeHtml(title) + "</h1>\n";
  html += "<p>Medulla could not write this to the EHR itself. Enter it in the chart by hand.</p>\n";

  html += "<h2>For</h2>\n" + Summary(entry);
  html += "<h2>What to enter</h2>\n" + Content(entry.kind, content);
  html += Completion(entry);
  html += "</body>\n</html>\n";
  return html;
}

}  // namespace medulla::fhir
