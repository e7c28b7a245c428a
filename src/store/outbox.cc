#include "store/outbox.h"

#include <array>
#include <utility>

#include "store/outbox_internal.h"

namespace medulla::store {
namespace {

constexpr std::array<std::pair<WritebackStatus, const char*>, 6> kStatusNames = {{
    {WritebackStatus::kPending, "pending"},
    {WritebackStatus::kRetrying, "retrying"},
    {WritebackStatus::kHeld, "held"},
    {WritebackStatus::kFailed, "failed"},
    {WritebackStatus::kConfirmed, "confirmed"},
    {WritebackStatus::kReconciled, "reconciled"},
}};

constexpr std::array<std::pair<WritebackRoute, const char*>, 3> kRouteNames = {{
    {WritebackRoute::kFhir, "fhir"},
    {WritebackRoute::kVendorApi, "vendor_api"},
    {WritebackRoute::kWorkItem, "work_item"},
}};

}  // namespace

const char* WritebackStatusName(WritebackStatus status) {
  for (const auto& [known, name] : kStatusNames) {
    if (known == status)
      return name;
  }
  return "unknown";
}

Result<WritebackStatus> ParseWritebackStatus(const std::string& name) {
  for (const auto& [status, known] : kStatusNames) {
    if (name == known)
      return status;
  }
  return InvalidArgument("unknown write-back status \"" + name +
                         "\"; expected pending, retrying, held, failed, confirmed or reconciled");
}

const char* WritebackRouteName(WritebackRoute route) {
  for (const auto& [known, name] : kRouteNames) {
    if (known == route)
      return name;
  }
  return "unknown";
}

Result<WritebackRoute> ParseWritebackRoute(const std::string& name) {
  for (const auto& [route, known] : kRouteNames) {
    if (name == known)
      return route;
  }
  return InvalidArgument("unknown write-back route \"" + name +
                         "\"; expected fhir, vendor_api or work_item");
}

namespace outbox {

int64_t ToMillis(TimePoint at) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(at.time_since_epoch()).count();
}

TimePoint FromMillis(int64_t millis) {
  return TimePoint(
      std::chrono::duration_cast<TimePoint::duration>(std::chrono::milliseconds(millis)));
}

Status CheckNewEntry(const WritebackEntry& entry) {
  if (entry.tenant.empty())
    return InvalidArgument("write-back tenant is empty");
  if (entry.intent_id.empty())
    return InvalidArgument("write-back intent id is empty");
  if (entry.task_id.empty())
    return InvalidArgument("write-back task id is empty");
  if (entry.patient.empty())
    return InvalidArgument("write-back patient reference is empty");
  return Status::Ok();
}

Status CheckClaim(const std::string& worker, std::chrono::milliseconds lease_for) {
  if (worker.empty())
    return InvalidArgument("worker name is empty");
  if (lease_for.count() <= 0)
    return InvalidArgument("lease duration must be positive");
  return Status::Ok();
}

Result<std::string> StoredIntent(const nlohmann::json& intent) {
  try {
    return intent.dump();
  } catch (const nlohmann::json::exception&) {
    return InvalidArgument("write-back intent holds text that is not valid UTF-8");
  }
}

Result<nlohmann::json> LoadedIntent(const std::string& text, const std::string& intent_id) {
  nlohmann::json intent = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (intent.is_discarded())
    return Internal("stored write-back " + intent_id + " holds unreadable JSON");
  return intent;
}

}  // namespace outbox
}  // namespace medulla::store
