#include "cli/writeback_commands.h"

#include <algorithm>
#include <array>
#include <filesystem>
#include <iostream>
#include <memory>
#include <vector>

#include "api/writebacks.h"
#include "cli/commands.h"
#include "cli/config.h"
#include "store/outbox.h"
#include "store/store.h"
#include "store/store_factory.h"

namespace medulla::cli {
namespace {

using nlohmann::json;

constexpr size_t kColumns = 7;
using TableRow = std::array<std::string, kColumns>;

// Opens a store that must already exist: a mistyped SQLite path must not create an empty
// store and report an empty outbox.
Result<std::unique_ptr<store::Store>> OpenStoreOf(const WritebackCommandOptions& options) {
  std::string url = options.store;
  if (url.empty()) {
    ASSIGN_OR_RETURN(Config config, LoadConfig(options.config_path));
    url = config.store;
  }
  Result<std::string> path = SqlitePathOf(url);
  if (path.ok() && !std::filesystem::exists(*path))
    return NotFound("no store at " + *path);
  return store::OpenStore(url, SystemClock::Instance());
}

Status CheckTenant(const WritebackCommandOptions& options) {
  if (options.tenant.empty())
    return InvalidArgument("--tenant is required");
  return Status::Ok();
}

Result<store::WritebackFilter> FilterOf(const WritebackCommandOptions& options) {
  RETURN_IF_ERROR(CheckTenant(options));
  if (options.limit < 1)
    return InvalidArgument("--limit must be at least 1");

  store::WritebackFilter filter;
  filter.tenant = options.tenant;
  filter.task_id = options.task_id;
  filter.limit = options.limit;
  if (!options.status.empty()) {
    ASSIGN_OR_RETURN(filter.status, store::ParseWritebackStatus(options.status));
  }
  if (!options.route.empty()) {
    ASSIGN_OR_RETURN(filter.route, store::ParseWritebackRoute(options.route));
  }
  return filter;
}

TableRow RowOf(const store::WritebackEntry& entry) {
  return {entry.intent_id,
          entry.task_id,
          entry.kind,
          store::WritebackRouteName(entry.route),
          store::WritebackStatusName(entry.status),
          std::to_string(entry.attempts),
          entry.reason};
}

// Prints rows in columns as wide as their widest cell; the last column is left ragged.
void PrintTable(const std::vector<TableRow>& rows) {
  std::array<size_t, kColumns> widths{};
  for (const TableRow& row : rows) {
    for (size_t column = 0; column < kColumns; ++column)
      widths[column] = std::max(widths[column], row[column].size());
  }
  for (const TableRow& row : rows) {
    std::string line;
    for (size_t column = 0; column + 1 < kColumns; ++column)
      line += row[column] + std::string(widths[column] - row[column].size() + 2, ' ');
    line += row[kColumns - 1];
    line.erase(line.find_last_not_of(' ') + 1);
    std::cout << line << "\n";
  }
}

void PrintEntry(const store::WritebackEntry& entry) {
  json shown = api::WritebackJson(entry);
  for (const char* field :
       {"intent_id", "task_id", "patient", "kind", "resource_type", "route", "status", "attempts",
        "next_attempt_at", "reason", "reference", "created_at", "updated_at"}) {
    const json& value = shown[field];
    std::cout << field << ": " << (value.is_string() ? value.get<std::string>() : value.dump())
              << "\n";
  }
}

}  // namespace

int RunWritebackList(const WritebackCommandOptions& options) {
  Result<store::WritebackFilter> filter = FilterOf(options);
  if (!filter.ok())
    return Fail(filter.status().message());
  Result<std::unique_ptr<store::Store>> store = OpenStoreOf(options);
  if (!store.ok())
    return Fail(store.status().message());

  Result<std::vector<store::WritebackEntry>> entries = (*store)->ListWritebacks(*filter);
  if (!entries.ok())
    return Fail(entries.status().message());

  if (options.json) {
    json listed = json::array();
    for (const store::WritebackEntry& entry : *entries)
      listed.push_back(api::WritebackJson(entry));
    std::cout << json{{"writebacks", listed}}.dump(2) << "\n";
    return 0;
  }
  std::vector<TableRow> rows = {
      {"INTENT", "TASK", "KIND", "ROUTE", "STATUS", "ATTEMPTS", "REASON"}};
  for (const store::WritebackEntry& entry : *entries)
    rows.push_back(RowOf(entry));
  PrintTable(rows);
  return 0;
}

int RunWritebackShow(const WritebackCommandOptions& options) {
  Status tenant = CheckTenant(options);
  if (!tenant.ok())
    return Fail(tenant.message());
  Result<std::unique_ptr<store::Store>> store = OpenStoreOf(options);
  if (!store.ok())
    return Fail(store.status().message());

  Result<std::optional<store::WritebackEntry>> entry =
      (*store)->FindWriteback(options.tenant, options.intent_id);
  if (!entry.ok())
    return Fail(entry.status().message());
  if (!entry->has_value())
    return Fail("no write-back " + options.intent_id + " in tenant " + options.tenant);

  if (options.json)
    std::cout << api::WritebackJson(**entry).dump(2) << "\n";
  else
    PrintEntry(**entry);
  return 0;
}

int RunWritebackComplete(const WritebackCommandOptions& options) {
  Status tenant = CheckTenant(options);
  if (!tenant.ok())
    return Fail(tenant.message());
  if (options.by.empty())
    return Fail("--by is required: who entered the work item in the EHR");
  Result<std::unique_ptr<store::Store>> store = OpenStoreOf(options);
  if (!store.ok())
    return Fail(store.status().message());

  api::WorkItemCompletion completion{
      options.tenant, options.intent_id, options.reference, options.by,
      json{{"sub", options.by}, {"tenant", options.tenant}, {"channel", "cli"}}};
  Result<store::WritebackEntry> completed = api::CompleteWorkItem(**store, completion);
  if (!completed.ok())
    return Fail(completed.status().message());

  std::cout << "confirmed " << completed->intent_id;
  if (!completed->reference.empty())
    std::cout << " as " << completed->reference;
  std::cout << "\n";
  return 0;
}

}  // namespace medulla::cli
