// The offline provider: deterministic rules and lexicons that stand in for a language model,
// with no network, shipped inside the binary. It answers the same ChatRequest shape a remote
// model gets, so agents cannot tell the difference in kind, only in quality.
//
// Contract with the agents:
//  - Messages are [system (text), user (a JSON object as text: the "context"), then assistant
//    and tool turns]. The FIRST user message is parsed as the context; the provider dispatches
//    on ChatRequest::purpose.
//  - Every response has provider "offline", model "medulla-offline-1" and a confidence in
//    [0, 1]. Tool call ids are "call_<turn>", where turn is 1 + the number of assistant
//    messages so far, so a replayed conversation gets the same ids.
//  - Only tools in ChatRequest::tools are called. When the tool a step needs is not offered,
//    the response has no tool calls, content saying it cannot proceed and confidence 0.
//  - Which step comes next is read from the tool messages present (matched to the assistant
//    tool call that asked for them by tool_call_id), never from hidden state.
//
// Purposes:
//  "router.classify"   context {"input"}; calls route_to_agent {agent: intake|scribe|scheduling|
//                      billing, confidence, reason} from lexicon hits; no hit -> intake, 0.2.
//                      After its tool message: content "request routed".
//  "intake.check"      context {"patient": "Patient/<id>"}; calls lookup_patient {patient};
//                      after its tool message: a one-line summary, confidence 1.
//  "scribe.draft_note" context {"dialogue"} in "[doctor] ..." or "Doctor: ..." turns; calls
//                      draft_note {subjective, objective, assessment, plan, confidence}
//                      (see soap_drafter.h); after its tool message: content "note drafted".
//  "scheduling.follow_up" context {"plan", "patient"}; calls book_follow_up {patient,
//                      after_days >= 1, reason} when the plan names an interval (see
//                      follow_up_extractor.h), else content "no follow-up requested" with
//                      confidence 0.9; after its tool message: content "follow-up booked".
//  "billing.claim"     context {"encounter", "patient"}; turn 1 calls read_encounter
//                      {encounter}; given its result {"type": [coding], "reasons": [coding],
//                      "conditions": [coding]} calls draft_claim {encounter, diagnoses:
//                      conditions (or reasons when there are none), services: type}; a result
//                      with no codable type gets content explaining so and confidence 0.2;
//                      after draft_claim's tool message: content "claim drafted".
//
// Errors: an unknown purpose is InvalidArgument("unknown purpose"); a missing or unparseable
// context, or one lacking a field the purpose needs, is InvalidArgument naming the field.
// Messages never quote the context, which may hold patient data.
//
// Thread safety: stateless; Complete may be called from any number of threads.
#pragma once

#include <string>

#include "model/model.h"

namespace medulla::model::offline {

inline constexpr char kProviderName[] = "offline";
inline constexpr char kModelName[] = "medulla-offline-1";

class OfflineProvider final : public Provider {
 public:
  Result<ChatResponse> Complete(const ChatRequest& request) override;
  std::string name() const override { return kProviderName; }
};

}  // namespace medulla::model::offline
