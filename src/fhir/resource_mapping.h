// Maps write intents to FHIR R4 resources. Each mapping is pure: the same intent always gives
// the same resource, so what was written can be rebuilt from the event log.
//
// What each kind reads from WriteIntent::content:
//   draft_note:            subjective, objective, assessment, plan (strings), date (instant)
//   follow_up_appointment: start (instant), minutes (int), reason (string)
//   claim:                 created (date), provider (reference), payer (display text),
//                          period {start, end}, diagnoses [{system, code, display}],
//                          services [{system, code, display}]
#pragma once

#include <nlohmann/json.hpp>

#include "common/status.h"
#include "fhir/intent.h"

namespace medulla::fhir {

// Returns the resource for `intent`, or kInvalidArgument naming the first missing field.
Result<nlohmann::json> ToResource(const WriteIntent& intent);

// What a resource says clinically: without the EHR's id and meta, and without the instants that
// only record when it was drafted (a note's date, a claim's created), so that the same visit
// drafted again is the same write, while a changed plan or code is a revision.
nlohmann::json ClinicalContentOf(nlohmann::json resource);

// The resource's meta.versionId, or "" when the EHR does not version it.
std::string VersionIdOf(const nlohmann::json& resource);

// True while a resource Medulla wrote is still its own draft in the EHR: a note not yet signed
// (docStatus preliminary), an appointment not yet confirmed (proposed), a claim not yet
// submitted (draft). Once the EHR's people have taken it over, Medulla no longer changes it.
bool IsStillMedullaDraft(const nlohmann::json& resource);

// The plain-text body of a draft note, with its four headed sections.
std::string NoteText(const nlohmann::json& sections);

}  // namespace medulla::fhir
