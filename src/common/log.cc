#include "common/log.h"

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <mutex>
#include <regex>

#include "common/time.h"

namespace medulla::log {
namespace {

std::atomic<Level> g_level{Level::kInfo};
std::once_flag g_level_from_env;
std::mutex g_logger_mutex;
std::shared_ptr<spdlog::logger> g_logger;  // guarded by g_logger_mutex

const char* LevelName(Level level) {
  switch (level) {
    case Level::kDebug:
      return "debug";
    case Level::kInfo:
      return "info";
    case Level::kWarn:
      return "warn";
    case Level::kError:
      return "error";
  }
  return "info";
}

void ReadLevelFromEnvironment() {
  const char* configured = std::getenv("MEDULLA_LOG_LEVEL");
  if (configured == nullptr)
    return;
  std::string value(configured);
  if (value == "debug")
    g_level = Level::kDebug;
  if (value == "warn")
    g_level = Level::kWarn;
  if (value == "error")
    g_level = Level::kError;
}

std::shared_ptr<spdlog::logger> MakeStderrLogger() {
  auto logger = std::make_shared<spdlog::logger>("medulla",
                                                 std::make_shared<spdlog::sinks::stderr_sink_mt>());
  logger->set_pattern("%v");
  return logger;
}

std::shared_ptr<spdlog::logger> CurrentLogger() {
  std::lock_guard lock(g_logger_mutex);
  if (!g_logger)
    g_logger = MakeStderrLogger();
  return g_logger;
}

void ScrubStrings(nlohmann::json& value) {
  if (value.is_string()) {
    value = ScrubPhiShapes(value.get_ref<const std::string&>());
    return;
  }
  if (value.is_structured()) {
    for (auto& child : value)
      ScrubStrings(child);
  }
}

}  // namespace

void SetLevel(Level level) {
  g_level = level;
}

void SetFile(const std::string& path) {
  std::lock_guard lock(g_logger_mutex);
  if (path.empty()) {
    g_logger = MakeStderrLogger();
    return;
  }
  g_logger = std::make_shared<spdlog::logger>(
      "medulla", std::make_shared<spdlog::sinks::basic_file_sink_mt>(path));
  g_logger->set_pattern("%v");
  g_logger->flush_on(spdlog::level::info);
}

std::string ScrubPhiShapes(std::string_view text) {
  // Ids Medulla mints (UUIDs, hex digests) are kept whole: they are how an operator follows a
  // task, and they name no one. Everything else shaped like PHI is replaced.
  static const std::regex kShapes(
      R"([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{32,64})"
      R"(|\d{4}-\d{2}-\d{2}|\d{1,2}/\d{1,2}/\d{2,4}|\(?\d{3}\)?[-. ]\d{3}-\d{4}|\d{6,})"
      R"(|[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,})",
      std::regex::icase);
  static const std::regex kMintedId(
      R"([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{32,64})",
      std::regex::icase);

  std::string input(text);
  std::string out;
  auto last = input.cbegin();
  for (std::sregex_iterator it(input.begin(), input.end(), kShapes), end; it != end; ++it) {
    out.append(last, input.cbegin() + it->position());
    out += std::regex_match(it->str(), kMintedId) ? it->str() : "[redacted]";
    last = input.cbegin() + it->position() + it->length();
  }
  out.append(last, input.cend());
  return out;
}

void Write(Level level, std::string_view part, std::string_view event, nlohmann::json fields) {
  std::call_once(g_level_from_env, ReadLevelFromEnvironment);
  if (level < g_level.load())
    return;

  if (!fields.is_object())
    fields = nlohmann::json::object();
  ScrubStrings(fields);

  nlohmann::json line = {{"ts", FormatTimestamp(std::chrono::system_clock::now())},
                         {"level", LevelName(level)},
                         {"part", part},
                         {"event", event}};
  line.update(fields);
  CurrentLogger()->info(line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

}  // namespace medulla::log
