#include "auth/principal.h"

#include <algorithm>
#include <optional>
#include <string_view>

namespace medulla::auth {
namespace {

// One bit per SMART v2 permission, in the order the scope syntax requires: c r u d s.
constexpr std::string_view kPermissionOrder = "cruds";
constexpr unsigned kRead = 1u << 1;
constexpr unsigned kCreateUpdateDelete = (1u << 0) | (1u << 2) | (1u << 3);
constexpr unsigned kSearch = 1u << 4;
constexpr unsigned kAll = (1u << kPermissionOrder.size()) - 1;

// A parsed "<context>/<Type>.<permissions>" scope.
struct SmartScope {
  std::string_view context;
  std::string_view type;
  unsigned permissions = 0;
};

bool IsContext(std::string_view text) {
  return text == "patient" || text == "user" || text == "system";
}

bool IsResourceType(std::string_view text) {
  if (text == "*") {
    return true;
  }
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
  });
}

// SMART v1 spells permissions as words; v2 as letters that must appear in "cruds" order.
std::optional<unsigned> ParsePermissions(std::string_view text) {
  if (text == "read") {
    return kRead | kSearch;
  }
  if (text == "write") {
    return kCreateUpdateDelete;
  }
  if (text == "*") {
    return kAll;
  }
  if (text.empty()) {
    return std::nullopt;
  }

  unsigned permissions = 0;
  size_t next = 0;
  for (char letter : text) {
    size_t position = kPermissionOrder.find(letter, next);
    if (position == std::string_view::npos) {
      return std::nullopt;
    }
    permissions |= 1u << position;
    next = position + 1;
  }
  return permissions;
}

std::optional<SmartScope> ParseSmartScope(std::string_view text) {
  size_t slash = text.find('/');
  size_t dot = text.rfind('.');
  if (slash == std::string_view::npos || dot == std::string_view::npos || dot < slash) {
    return std::nullopt;
  }

  SmartScope scope;
  scope.context = text.substr(0, slash);
  scope.type = text.substr(slash + 1, dot - slash - 1);
  std::optional<unsigned> permissions = ParsePermissions(text.substr(dot + 1));
  if (!IsContext(scope.context) || !IsResourceType(scope.type) || !permissions) {
    return std::nullopt;
  }
  scope.permissions = *permissions;
  return scope;
}

// Contexts never widen one another: a "system" grant is not read as covering "user" work,
// so that a token's context always says on whose authority Medulla acts.
bool Covers(const SmartScope& held, const SmartScope& wanted) {
  return held.context == wanted.context && (held.type == "*" || held.type == wanted.type) &&
         (held.permissions & wanted.permissions) == wanted.permissions;
}

}  // namespace

bool Principal::HasRole(const std::string& role) const {
  return std::find(roles.begin(), roles.end(), role) != roles.end();
}

bool Principal::HasScope(const std::string& wanted) const {
  std::optional<SmartScope> wanted_smart = ParseSmartScope(wanted);
  if (!wanted_smart) {
    return std::find(scopes.begin(), scopes.end(), wanted) != scopes.end();
  }

  return std::any_of(scopes.begin(), scopes.end(), [&](const std::string& held) {
    std::optional<SmartScope> held_smart = ParseSmartScope(held);
    return held_smart && Covers(*held_smart, *wanted_smart);
  });
}

nlohmann::json Principal::ToActorJson() const {
  return {{"sub", subject},
          {"tenant", tenant},
          {"roles", roles},
          {"sid", session_id},
          {"purpose_of_use", purpose_of_use}};
}

}  // namespace medulla::auth
