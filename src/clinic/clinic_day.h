// The clinic day: a day of visits from the shipped data, sent through a running Medulla node
// as a client would send them, then checked against the EHR. `medulla clinic-day` runs it and
// `make demo` wraps it with the sandbox EHR and a node.
#pragma once

#include <chrono>
#include <iosfwd>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/status.h"

namespace medulla::http {
class Client;
}

namespace medulla::clinic {

struct Appointment {
  std::string visit;      // the dialogue's id, such as "D2N004"
  std::string patient;    // "Patient/<id>"
  std::string encounter;  // "Encounter/<id>"
  std::string dialogue;
};

// Reads data/clinic-day.json and the dialogues it names under `data_dir`.
Result<std::vector<Appointment>> LoadClinicDay(const std::string& data_dir);

struct ClinicDayOptions {
  std::string server_url;  // "http://127.0.0.1:8080"
  std::string ehr_url;     // the EHR's FHIR base, whose /__admin/duplicates is checked
  std::string token;       // bearer token for the server
  std::string data_dir = "data";
  std::chrono::seconds timeout{600};
};

// Submits every appointment as a visit task, waits for all to end, and returns the report
// (see docs/architecture.md for its fields). Progress goes to `progress`, a line per visit.
Result<nlohmann::json> RunClinicDay(const ClinicDayOptions& options, http::Client& client,
                                    std::ostream& progress);

// Renders the report's summary table as text.
std::string SummaryTable(const nlohmann::json& report);

}  // namespace medulla::clinic
