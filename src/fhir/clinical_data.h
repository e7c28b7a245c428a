// The clinical data service: how agents' tools read the chart. Every read names the elements
// its workflow needs, and the resource is cut down to those before anything else sees it, so
// an agent or model never holds more of a patient's record than its step requires.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/status.h"
#include "fhir/fhir_client.h"

namespace medulla::fhir {

// What was read and which elements of it were kept: the event log records one per read.
struct DataView {
  std::string reference;
  std::vector<std::string> elements;
};

// Keeps `resourceType`, `id` and the listed top-level elements of `resource`.
nlohmann::json Project(const nlohmann::json& resource, const std::vector<std::string>& elements);

class ClinicalData {
 public:
  explicit ClinicalData(FhirClient& ehr) : ehr_(&ehr) {}

  // Reads "Type/id" projected to `elements` and appends what was viewed to `views`.
  Result<nlohmann::json> Read(const std::string& reference,
                              const std::vector<std::string>& elements,
                              std::vector<DataView>& views);

  // Searches and projects each match, appending one view per resource returned.
  Result<std::vector<nlohmann::json>> Search(const std::string& type,
                                             const std::map<std::string, std::string>& params,
                                             const std::vector<std::string>& elements,
                                             std::vector<DataView>& views);

 private:
  FhirClient* ehr_;
};

}  // namespace medulla::fhir
