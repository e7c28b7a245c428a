// One function per purpose the offline provider answers; offline_provider.h states what each
// does. Each reads the conversation so far and returns the next answer. Internal.
#pragma once

#include "common/status.h"
#include "model/model.h"
#include "model/offline/conversation.h"

namespace medulla::model::offline {

Result<ChatResponse> ClassifyForRouter(const Conversation& conversation);
Result<ChatResponse> CheckIntake(const Conversation& conversation);
Result<ChatResponse> DraftNote(const Conversation& conversation);
Result<ChatResponse> BookFollowUp(const Conversation& conversation);
Result<ChatResponse> DraftClaim(const Conversation& conversation);

}  // namespace medulla::model::offline
