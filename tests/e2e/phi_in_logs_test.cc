// Runs the clinic day with Medulla's log captured, then looks in every line for what would
// identify the shipped patients: names, medical record numbers, other identifiers and birth
// dates. None may appear.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "clinic/clinic_day.h"
#include "common/log.h"
#include "support/running_node.h"
#include "support/sandbox_environment.h"

namespace medulla::testing {
namespace {

using nlohmann::json;

const auto* const kEnvironment = SandboxEnvironment::Register();

// Names, identifier values and birth dates of every Patient in the shipped bundles.
std::set<std::string> ShippedPatientIdentifiers() {
  std::set<std::string> identifiers;
  for (const auto& file : std::filesystem::directory_iterator("data/patients")) {
    if (file.path().extension() != ".json")
      continue;
    std::ifstream in(file.path());
    json bundle = json::parse(in, nullptr, false);
    for (const json& entry : bundle.value("entry", json::array())) {
      const json& patient = entry.value("resource", json::object());
      if (patient.value("resourceType", "") != "Patient")
        continue;
      identifiers.insert(patient.value("birthDate", ""));
      for (const json& name : patient.value("name", json::array())) {
        identifiers.insert(name.value("family", ""));
        for (const json& given : name.value("given", json::array()))
          identifiers.insert(given);
      }
      for (const json& identifier : patient.value("identifier", json::array())) {
        identifiers.insert(identifier.value("value", ""));
      }
    }
  }
  identifiers.erase("");
  return identifiers;
}

TEST(PhiInLogs, ClinicDayLogsNameNoPatientIdentifierOrBirthDate) {
  TempDir dir;
  const std::string log_path = dir.File("medulla.log");
  log::SetFile(log_path);
  {
    RunningNode node(SandboxEnvironment::ehr().fhir_base());
    clinic::ClinicDayOptions options;
    options.server_url = node.base_url();
    options.ehr_url = SandboxEnvironment::ehr().fhir_base();
    options.token = node.Token("phi-check");
    std::unique_ptr<http::Client> client = http::MakeClient();
    std::ostringstream progress;
    ASSERT_TRUE(clinic::RunClinicDay(options, *client, progress).ok());
  }
  log::SetFile("");

  std::set<std::string> identifiers = ShippedPatientIdentifiers();
  ASSERT_GT(identifiers.size(), 40u);
  std::ifstream log_file(log_path);
  std::string line;
  size_t lines = 0;
  while (std::getline(log_file, line)) {
    ++lines;
    ASSERT_TRUE(json::accept(line)) << "log line is not JSON";
    for (const std::string& identifier : identifiers) {
      EXPECT_EQ(line.find(identifier), std::string::npos)
          << "log line " << lines << " names a patient identifier";
    }
  }
  EXPECT_GT(lines, 50u) << "the clinic day should have been logged";
}

}  // namespace
}  // namespace medulla::testing
