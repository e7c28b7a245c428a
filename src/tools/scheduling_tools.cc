#include <chrono>

#include "tools/builtin_tools.h"

namespace medulla::tools {
namespace {

constexpr int kFollowUpMinutes = 20;

// The first weekday at or after `at`, at 09:00 UTC. Medulla books in UTC because the shipped
// EHR data carries no clinic time zone; a clinic's hours belong in its scheduling profile.
TimePoint ClinicMorning(TimePoint at) {
  using namespace std::chrono;
  auto day = floor<days>(at);
  weekday week_day{sys_days(day)};
  if (week_day == Saturday)
    day += days(2);
  if (week_day == Sunday)
    day += days(1);
  return day + hours(9);
}

Result<nlohmann::json> BookFollowUp(ToolContext& context, const nlohmann::json& arguments) {
  RETURN_IF_ERROR(RequireTaskReference(arguments["patient"], context.patient, "patient"));
  if (context.encounter.empty())
    return FailedPrecondition("the task has no encounter");

  const int after_days = arguments["after_days"];
  TimePoint start = ClinicMorning(context.clock->Now() + std::chrono::days(after_days));
  TimePoint end = start + std::chrono::minutes(kFollowUpMinutes);

  fhir::WriteIntent intent = NewIntent(context, fhir::IntentKind::kFollowUpAppointment);
  intent.content = {{"start", FormatTimestamp(start)},
                    {"end", FormatTimestamp(end)},
                    {"minutes", kFollowUpMinutes},
                    {"after_days", after_days},
                    {"reason", arguments["reason"]}};
  context.intents.push_back(intent);

  return nlohmann::json{{"intent_id", intent.intent_id}, {"start", FormatTimestamp(start)}};
}

}  // namespace

ToolDefinition BookFollowUpTool() {
  ToolDefinition tool;
  tool.name = "book_follow_up";
  tool.description = "Book the follow-up visit the plan asks for, after the given number of days.";
  tool.risk = RiskClass::kClinicalWrite;
  tool.scopes = {"user/Appointment.c"};
  tool.parameters = {
      {"type", "object"},
      {"required", {"patient", "after_days", "reason"}},
      {"additionalProperties", false},
      {"properties",
       {{"patient", {{"type", "string"}, {"pattern", "^Patient/[A-Za-z0-9.-]{1,64}$"}}},
        {"after_days", {{"type", "integer"}, {"minimum", 1}, {"maximum", 730}}},
        {"reason", {{"type", "string"}, {"minLength", 1}, {"maxLength", 500}}}}}};
  tool.run = BookFollowUp;
  return tool;
}

}  // namespace medulla::tools
