// A write intent: what an agent wants written to the chart, said in Medulla's words rather
// than FHIR's. Tools emit intents; only the integration service (this part) turns them into
// resources and sends them to the EHR, so no agent or tool ever talks to an EHR directly.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "common/status.h"

namespace medulla::fhir {

// The identifier system under which Medulla marks every resource it writes. Its value is a
// digest of the tenant, the encounter and the kind of write, so a retried or repeated write
// of the same thing always carries the same identifier and a conditional create finds it.
inline constexpr char kWritebackIdentifierSystem[] = "urn:medulla:writeback";

enum class IntentKind { kDraftNote, kFollowUpAppointment, kClaim };

const char* IntentKindName(IntentKind kind);
Result<IntentKind> ParseIntentKind(const std::string& name);

// The FHIR resource type an intent of `kind` becomes.
const char* ResourceTypeFor(IntentKind kind);

struct Identifier {
  std::string system;
  std::string value;
};

struct WriteIntent {
  std::string intent_id;  // the business identifier's value; stable across retries
  IntentKind kind = IntentKind::kDraftNote;
  std::string tenant;
  std::string task_id;
  std::string patient;    // "Patient/<id>"
  std::string encounter;  // "Encounter/<id>"
  // The kind's fields: a draft note's sections, an appointment's delay and reason, a claim's
  // codes. Each kind's mapping in resource_mapping.h lists what it reads.
  nlohmann::json content;
  // The grant minted for the tool call that made this intent. It is a bearer credential, so it
  // is never serialised into events; a replayed intent must be granted anew.
  std::string grant;

  Identifier identifier() const { return {kWritebackIdentifierSystem, intent_id}; }

  nlohmann::json ToJson() const;
  static Result<WriteIntent> FromJson(const nlohmann::json& json);
};

// Returns the stable intent id for one kind of write about one encounter of one tenant.
std::string MakeIntentId(const std::string& tenant, const std::string& encounter, IntentKind kind);

}  // namespace medulla::fhir
