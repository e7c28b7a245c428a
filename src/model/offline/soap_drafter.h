// Drafts a SOAP note from a doctor-patient transcript by sorting its sentences into sections
// with the lexicons: what the patient reports goes to Subjective, findings the doctor states to
// Objective, impressions to Assessment and orders and follow-up to Plan. Sentences that carry
// no cue (pleasantries, questions, steering of the visit) are left out.
//
// This is sentence sorting, not summarisation: the draft keeps the speakers' words (cleaned of
// transcript tokenisation) and second person ("your knee"). A clinician edits it. Transcripts
// whose speaker tags are swapped, as some ASR ones are, end up with sections mixed up.
// Pure function; thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace medulla::model::offline {

struct SoapDraft {
  std::string subjective;
  std::string objective;
  std::string assessment;
  std::string plan;
  double confidence = 0;  // in [0, 1]; below 0.5 when any section is empty
  int sentences_kept = 0;
  int sentences_with_clear_cue = 0;
};

SoapDraft DraftSoapNote(std::string_view dialogue);

}  // namespace medulla::model::offline
