// What a task's recorded events say the outside world answered: the model's responses, each
// tool call's outcome, the consent checks and the EHR's answers to writes. Replay serves these
// back instead of asking a model or an EHR.
#pragma once

#include <deque>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "fhir/clinical_data.h"
#include "fhir/intent.h"
#include "model/model.h"
#include "store/event.h"

namespace medulla::replay {

struct RecordedToolOutcome {
  nlohmann::json arguments;  // what the model asked the tool for
  bool ok = false;
  nlohmann::json result;
  std::string code;  // status code name when it failed
  std::string reason;
  std::vector<fhir::DataView> views;
  std::vector<fhir::WriteIntent> intents;
};

struct RecordedWrite {
  std::string status;  // confirmed | failed | held
  std::string route;   // fhir | vendor_api | work_item, as the write was queued
  std::string reference;
  std::string outcome;  // created | existing
  std::string reason;
  bool retryable = false;
};

struct Recording {
  std::deque<model::ChatResponse> model_responses;
  std::deque<std::string> model_purposes;
  std::set<std::string> model_providers;
  // By agent and call id: model call ids repeat from one agent's step to the next.
  std::map<std::pair<std::string, std::string>, RecordedToolOutcome> tools;
  std::map<std::string, std::vector<std::string>> permitted_purposes;  // by patient
  std::set<std::string> consent_unanswered;     // patients whose consent check got no answer
  std::map<std::string, RecordedWrite> writes;  // by intent id
};

// Reads the recording out of a task's events, in order.
Recording ReadRecording(const std::vector<store::Event>& events);

StatusCode StatusCodeFromName(const std::string& name);

}  // namespace medulla::replay
