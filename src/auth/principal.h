// The person on whose behalf Medulla acts. An agent is never the actor of record: every
// task, tool call and write carries the principal that asked for it.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/time.h"

namespace medulla::auth {

struct Principal {
  std::string subject;
  std::string tenant;
  std::vector<std::string> roles;
  std::vector<std::string> scopes;  // SMART v2 style: "user/DocumentReference.c"
  std::string session_id;
  std::string token_id;  // the token's jti
  TimePoint expires_at;
  // Why the data is being used (the token's "purpose_of_use" claim), recorded with every
  // access; "treatment" when the token does not say.
  std::string purpose_of_use = "treatment";

  bool HasRole(const std::string& role) const;

  // True when a held scope covers `wanted`. A held "user/*.cruds" covers
  // "user/DocumentReference.c"; "user/Patient.rs" covers "user/Patient.r".
  bool HasScope(const std::string& wanted) const;

  // The fields that go into every event's actor: subject, tenant, roles, session and
  // purpose of use.
  nlohmann::json ToActorJson() const;
};

}  // namespace medulla::auth
