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

// Refuses any reference other than the task's own: tools act on the task's patient and
// encounter only, whatever the model asks for.
Status RequireTaskReference(const std::string& asked, const std::string& task_reference,
                            const char* what);

}  // namespace medulla::tools
