// What the orchestrator works with. Every member must outlive the orchestrator's use of it.
#pragma once

#include <functional>

#include "agents/agent.h"
#include "auth/grant.h"
#include "common/time.h"
#include "fhir/ehr_directory.h"
#include "fhir/integration_service.h"
#include "model/model.h"
#include "policy/policy.h"
#include "store/store.h"
#include "tools/tool_registry.h"

namespace medulla::orchestrator {

// Runs a tool call. Normally the tool's own function; replay substitutes the recorded result.
using ToolRunner = std::function<Result<nlohmann::json>(
    const tools::ToolDefinition& tool, tools::ToolContext& context, const model::ToolCall& call)>;

struct Services {
  store::Store* store = nullptr;
  const agents::AgentCatalog* agents = nullptr;
  const tools::ToolRegistry* tools = nullptr;
  model::Provider* model = nullptr;
  // Each tenant's EHR: tools read the chart and consent is checked there.
  fhir::EhrDirectory* ehrs = nullptr;
  fhir::IntegrationService* integration = nullptr;
  const auth::GrantIssuer* grants = nullptr;
  const policy::PolicyStore* policy = nullptr;
  ToolRunner run_tool;  // empty: run the tool itself
  const Clock* clock = nullptr;
  // How long a worker's claim lasts; it is renewed before every step. A crashed worker's
  // tasks wait this long before another worker takes them over.
  std::chrono::milliseconds lease_for{std::chrono::seconds(60)};
};

}  // namespace medulla::orchestrator
