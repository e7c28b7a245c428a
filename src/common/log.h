// Structured JSON logging. Every line is one JSON object naming an event ("task.created"),
// the part that logged it, and ids of the task, intent or request it concerns.
//
// Log lines must never carry PHI: pass ids, codes, counts and states, never names, dates of
// birth, identifiers or clinical free text. As a second line of defence, string values are
// scrubbed of shapes that look like dates, phone numbers and long digit runs before writing.
// Thread-safe.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace medulla::log {

enum class Level { kDebug, kInfo, kWarn, kError };

// Sets the lowest level written. Defaults to kInfo, or to MEDULLA_LOG_LEVEL when set.
void SetLevel(Level level);

// Sends log lines to `path` (appended) instead of standard error. Empty restores stderr.
void SetFile(const std::string& path);

void Write(Level level, std::string_view part, std::string_view event, nlohmann::json fields);

inline void Debug(std::string_view part, std::string_view event, nlohmann::json fields = {}) {
  Write(Level::kDebug, part, event, std::move(fields));
}
inline void Info(std::string_view part, std::string_view event, nlohmann::json fields = {}) {
  Write(Level::kInfo, part, event, std::move(fields));
}
inline void Warn(std::string_view part, std::string_view event, nlohmann::json fields = {}) {
  Write(Level::kWarn, part, event, std::move(fields));
}
inline void Error(std::string_view part, std::string_view event, nlohmann::json fields = {}) {
  Write(Level::kError, part, event, std::move(fields));
}

// Replaces PHI-shaped substrings (dates, phone numbers, runs of 6+ digits, e-mail addresses)
// in `text` with "[redacted]". Exposed for tests.
std::string ScrubPhiShapes(std::string_view text);

}  // namespace medulla::log
