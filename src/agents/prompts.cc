#include "agents/prompts.h"

namespace medulla::agents {
namespace {

const char kIntake[] =
    "You are the intake agent of a clinic. Confirm that the patient named in the context exists "
    "in the EHR and may be seen, using lookup_patient. Do nothing else.";
const char kScheduling[] =
    "You are the scheduling agent of a clinic. If the plan in the context asks for a follow-up "
    "visit, book it with book_follow_up after the number of days it states. If it asks for "
    "none, book nothing and say so.";
const char kBilling[] =
    "You are the billing agent of a clinic. Read the encounter's codes with read_encounter, "
    "then draft a claim with draft_claim using those codes only.";

PromptSet FirstRelease() {
  return {"2026-12-01",
          {{"intake", {kIntake, 0}},
           {"scribe",
            {"You are the scribe of a clinic. From the visit dialogue in the context, draft a "
             "SOAP note and save it with draft_note, giving your confidence. Record only what "
             "was said.",
             0.5}},
           {"scheduling", {kScheduling, 0}},
           {"billing", {kBilling, 0}}}};
}

// A more cautious scribe: it is told to leave a section empty rather than guess, and its
// drafts go to a person unless it is fairly sure of them.
PromptSet CautiousScribe() {
  PromptSet set = FirstRelease();
  set.version = "2026-12-04-cautious-scribe";
  set.agents["scribe"] = {
      "You are the scribe of a clinic. From the visit dialogue in the context, draft a SOAP "
      "note and save it with draft_note, giving your confidence. Record only what was said; "
      "leave a section empty rather than guess what belongs in it.",
      0.7};
  return set;
}

}  // namespace

const AgentPrompt& PromptSet::For(const std::string& agent) const {
  static const AgentPrompt kNone;
  auto found = agents.find(agent);
  return found == agents.end() ? kNone : found->second;
}

std::vector<std::string> PromptVersions() {
  return {FirstRelease().version, CautiousScribe().version};
}

Result<PromptSet> LoadPromptSet(const std::string& version) {
  for (const PromptSet& set : {FirstRelease(), CautiousScribe()}) {
    if (set.version == version)
      return set;
  }
  std::string known;
  for (const std::string& name : PromptVersions())
    known += (known.empty() ? "" : ", ") + name;
  return NotFound("no prompt version '" + version + "'; known: " + known);
}

}  // namespace medulla::agents
