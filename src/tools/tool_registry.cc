#include "tools/tool_registry.h"

#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validator.hpp>

namespace medulla::tools {

struct ToolRegistry::Entry {
  ToolDefinition definition;
  valijson::Schema schema;
};

ToolRegistry::ToolRegistry() = default;
ToolRegistry::ToolRegistry(ToolRegistry&&) noexcept = default;
ToolRegistry& ToolRegistry::operator=(ToolRegistry&&) noexcept = default;
ToolRegistry::~ToolRegistry() = default;

const char* RiskClassName(RiskClass risk) {
  switch (risk) {
    case RiskClass::kNone:
      return "none";
    case RiskClass::kRead:
      return "read";
    case RiskClass::kDraftWrite:
      return "draft_write";
    case RiskClass::kClinicalWrite:
      return "clinical_write";
    case RiskClass::kFinancialWrite:
      return "financial_write";
  }
  return "none";
}

Result<ToolRegistry> ToolRegistry::Create(std::vector<ToolDefinition> tools) {
  ToolRegistry registry;
  for (ToolDefinition& tool : tools) {
    if (registry.tools_.count(tool.name) > 0) {
      return InvalidArgument("tool '" + tool.name + "' is registered twice");
    }
    auto entry = std::make_unique<Entry>();
    try {
      valijson::SchemaParser parser;
      valijson::adapters::NlohmannJsonAdapter schema_document(tool.parameters);
      parser.populateSchema(schema_document, entry->schema);
    } catch (const std::exception& error) {
      return InvalidArgument("tool '" + tool.name + "' has an invalid schema: " + error.what());
    }
    std::string name = tool.name;
    entry->definition = std::move(tool);
    registry.tools_.emplace(std::move(name), std::move(entry));
  }
  return registry;
}

const ToolDefinition* ToolRegistry::Find(const std::string& name) const {
  auto found = tools_.find(name);
  return found == tools_.end() ? nullptr : &found->second->definition;
}

Status ToolRegistry::ValidateArguments(const std::string& name,
                                       const nlohmann::json& arguments) const {
  auto found = tools_.find(name);
  if (found == tools_.end())
    return NotFound("no tool named '" + name + "'");

  valijson::Validator validator;
  valijson::ValidationResults results;
  valijson::adapters::NlohmannJsonAdapter target(arguments);
  if (validator.validate(found->second->schema, target, &results))
    return Status::Ok();

  std::string reasons;
  valijson::ValidationResults::Error error;
  while (results.popError(error) && reasons.size() < 300) {
    std::string where;
    for (const std::string& step : error.context)
      where += step;
    if (!reasons.empty())
      reasons += "; ";
    reasons += where + ": " + error.description;
  }
  return InvalidArgument("arguments for '" + name + "' do not match its schema: " + reasons);
}

bool ToolRegistry::Permits(const ToolDefinition& tool, const auth::Principal& principal) const {
  for (const std::string& scope : tool.scopes) {
    if (!principal.HasScope(scope))
      return false;
  }
  return true;
}

std::vector<model::ToolOffer> ToolRegistry::OffersFor(const std::vector<std::string>& names,
                                                      const auth::Principal& principal) const {
  std::vector<model::ToolOffer> offers;
  for (const std::string& name : names) {
    const ToolDefinition* tool = Find(name);
    if (tool == nullptr || !Permits(*tool, principal))
      continue;
    offers.push_back({tool->name, tool->description, tool->parameters});
  }
  return offers;
}

}  // namespace medulla::tools
