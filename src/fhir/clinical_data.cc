#include "fhir/clinical_data.h"

#include "fhir/read_retry.h"

namespace medulla::fhir {

nlohmann::json Project(const nlohmann::json& resource, const std::vector<std::string>& elements) {
  nlohmann::json projected = nlohmann::json::object();
  if (!resource.is_object())
    return projected;

  projected["resourceType"] = resource.value("resourceType", "");
  if (resource.contains("id"))
    projected["id"] = resource["id"];
  for (const std::string& element : elements) {
    if (resource.contains(element))
      projected[element] = resource[element];
  }
  return projected;
}

Result<nlohmann::json> ClinicalData::Read(const std::string& reference,
                                          const std::vector<std::string>& elements,
                                          std::vector<DataView>& views) {
  ASSIGN_OR_RETURN(nlohmann::json resource, RetryRead([&] { return ehr_->Read(reference); }));
  views.push_back({reference, elements});
  return Project(resource, elements);
}

Result<std::vector<nlohmann::json>> ClinicalData::Search(
    const std::string& type, const std::map<std::string, std::string>& params,
    const std::vector<std::string>& elements, std::vector<DataView>& views) {
  ASSIGN_OR_RETURN(std::vector<nlohmann::json> found,
                   RetryRead([&] { return ehr_->Search(type, params); }));

  std::vector<nlohmann::json> projected;
  for (const nlohmann::json& resource : found) {
    views.push_back({type + "/" + resource.value("id", ""), elements});
    projected.push_back(Project(resource, elements));
  }
  return projected;
}

}  // namespace medulla::fhir
