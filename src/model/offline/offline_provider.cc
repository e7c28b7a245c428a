#include "model/offline/offline_provider.h"

#include <functional>
#include <map>

#include "common/log.h"
#include "model/offline/conversation.h"
#include "model/offline/purposes.h"

namespace medulla::model {
namespace offline {
namespace {

using PurposeRule = std::function<Result<ChatResponse>(const Conversation&)>;

const std::map<std::string, PurposeRule, std::less<>>& Rules() {
  static const auto* rules = new std::map<std::string, PurposeRule, std::less<>>{
      {"router.classify", ClassifyForRouter}, {"intake.check", CheckIntake},
      {"scribe.draft_note", DraftNote},       {"scheduling.follow_up", BookFollowUp},
      {"billing.claim", DraftClaim},
  };
  return *rules;
}

}  // namespace

Result<ChatResponse> OfflineProvider::Complete(const ChatRequest& request) {
  const auto rule = Rules().find(request.purpose);
  if (rule == Rules().end())
    return InvalidArgument("unknown purpose");

  ASSIGN_OR_RETURN(const Conversation conversation, ReadConversation(request));
  ASSIGN_OR_RETURN(ChatResponse response, rule->second(conversation));

  log::Debug("model", "model.offline.answered",
             {{"purpose", request.purpose},
              {"turn", conversation.turn},
              {"tool_calls", response.tool_calls.size()}});
  return response;
}

}  // namespace offline

std::unique_ptr<Provider> MakeOfflineProvider() {
  return std::make_unique<offline::OfflineProvider>();
}

}  // namespace medulla::model
