// The tools Medulla ships. Each file beside this one defines one workflow's tools.
#pragma once

#include <vector>

#include "tools/tool.h"

namespace medulla::tools {

ToolDefinition RouteToAgentTool();
ToolDefinition LookupPatientTool();
ToolDefinition DraftNoteTool();
ToolDefinition BookFollowUpTool();
ToolDefinition ReadEncounterTool();
ToolDefinition DraftClaimTool();

// All of the above.
std::vector<ToolDefinition> BuiltinTools();

// An intent of `kind` about the task's patient and encounter, carrying the call's grant and
// the business identifier every retry of the same write shares.
fhir::WriteIntent NewIntent(const ToolContext& context, fhir::IntentKind kind);

// Refuses any reference other than the task's own: tools act on the task's patient and
// encounter only, whatever the model asks for.
Status RequireTaskReference(const std::string& asked, const std::string& task_reference,
                            const char* what);

}  // namespace medulla::tools
