#include <filesystem>
#include <fstream>
#include <iostream>

#include "auth/jwt.h"
#include "cli/commands.h"
#include "cli/config.h"
#include "clinic/clinic_day.h"
#include "http/client.h"

namespace medulla::cli {
namespace {

// The clinic day acts as one clinician of a demonstration tenant who may do every step of a
// visit: read the chart, write draft notes, book appointments and draft claims.
Result<std::string> ClinicianToken(const Config& config) {
  ASSIGN_OR_RETURN(
      auth::DevIssuer issuer,
      auth::DevIssuer::LoadOrCreate(config.dev_issuer_key, config.issuer, config.audience));
  auth::TokenRequest request;
  request.subject = "clinician-demo";
  request.tenant = "clinic-demo";
  request.roles = {"clinician"};
  request.scopes = {"user/Patient.r",           "user/Encounter.r",   "user/Condition.r",
                    "user/DocumentReference.c", "user/Appointment.c", "user/Claim.cr"};
  request.ttl = std::chrono::hours(2);
  return issuer.Issue(request);
}

Status WriteReport(const std::string& path, const nlohmann::json& report) {
  std::filesystem::path target(path);
  if (target.has_parent_path())
    std::filesystem::create_directories(target.parent_path());
  std::filesystem::path partial = target;
  partial += ".partial";

  // Written beside the target and renamed over it, so a reader never sees half a report.
  std::ofstream out(partial);
  out << report.dump(2) << "\n";
  out.close();
  if (!out)
    return Unavailable("cannot write " + path);
  std::filesystem::rename(partial, target);
  return Status::Ok();
}

}  // namespace

int RunClinicDayCommand(const ClinicDayCommandOptions& options) {
  Result<Config> config = LoadConfig(options.config_path);
  if (!config.ok())
    return Fail(config.status().message());
  Result<std::string> token = ClinicianToken(*config);
  if (!token.ok())
    return Fail(token.status().message());

  clinic::ClinicDayOptions run;
  run.server_url = options.server_url;
  run.ehr_url = options.ehr_url;
  run.token = *token;
  run.data_dir = options.data_dir;
  run.timeout = std::chrono::seconds(options.timeout_seconds);

  std::unique_ptr<http::Client> client = http::MakeClient();
  Result<nlohmann::json> report = clinic::RunClinicDay(run, *client, std::cout);
  if (!report.ok())
    return Fail("clinic day failed: " + report.status().message());

  std::cout << "\n" << clinic::SummaryTable(*report);
  if (!options.report_path.empty()) {
    Status written = WriteReport(options.report_path, *report);
    if (!written.ok())
      return Fail(written.message());
    std::cout << "report written to " << options.report_path << "\n";
  }
  bool clean =
      (*report)["ehr_duplicates"].get<int>() == 0 && (*report)["status"].value("failed", 0) == 0;
  return clean ? 0 : 2;
}

}  // namespace medulla::cli
