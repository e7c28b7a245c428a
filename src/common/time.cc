#include "common/time.h"

#include <cstdio>
#include <ctime>
#include <regex>

namespace medulla {

std::string FormatTimestamp(TimePoint at) {
  auto seconds = std::chrono::time_point_cast<std::chrono::seconds>(at);
  auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(at - seconds).count();
  std::time_t epoch = std::chrono::system_clock::to_time_t(seconds);
  std::tm utc{};
  gmtime_r(&epoch, &utc);

  char buffer[96];
  std::snprintf(buffer, sizeof(buffer), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900,
                utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                static_cast<int>(millis));
  return buffer;
}

Result<TimePoint> ParseTimestamp(const std::string& text) {
  static const std::regex kShape(
      R"((\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?)"
      R"((Z|[+-]\d{2}:\d{2})?)?)");
  std::smatch match;
  if (!std::regex_match(text, match, kShape)) {
    return InvalidArgument("timestamp is not RFC 3339 or a FHIR date");
  }

  std::tm utc{};
  utc.tm_year = std::stoi(match[1]) - 1900;
  utc.tm_mon = std::stoi(match[2]) - 1;
  utc.tm_mday = std::stoi(match[3]);
  if (match[4].matched) {
    utc.tm_hour = std::stoi(match[4]);
    utc.tm_min = std::stoi(match[5]);
    utc.tm_sec = std::stoi(match[6]);
  }
  TimePoint at = std::chrono::system_clock::from_time_t(timegm(&utc));

  if (match[7].matched) {
    std::string fraction = match[7].str();
    fraction.resize(3, '0');
    at += std::chrono::milliseconds(std::stoi(fraction));
  }
  if (match[8].matched && match[8].str() != "Z") {
    const std::string offset = match[8].str();
    int minutes = std::stoi(offset.substr(1, 2)) * 60 + std::stoi(offset.substr(4, 2));
    at -= std::chrono::minutes(offset[0] == '+' ? minutes : -minutes);
  }
  return at;
}

const SystemClock& SystemClock::Instance() {
  static const SystemClock clock;
  return clock;
}

}  // namespace medulla
