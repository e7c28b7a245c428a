#include "orchestrator/ehr_changes.h"

#include "common/log.h"
#include "fhir/intent.h"
#include "fhir/resource_mapping.h"
#include "orchestrator/late_events.h"
#include "store/event.h"

namespace medulla::orchestrator {
namespace {

using nlohmann::json;
namespace event_type = store::event_type;

// The intent id under which Medulla wrote `resource`, or empty when it did not write it.
std::string WritebackIntentId(const json& resource) {
  for (const json& identifier : resource.value("identifier", json::array())) {
    if (identifier.value("system", "") == fhir::kWritebackIdentifierSystem)
      return identifier.value("value", "");
  }
  return "";
}

bool AlreadyRecorded(const std::vector<store::Event>& events, const std::string& intent_id,
                     const std::string& version, const std::string& change) {
  for (const store::Event& event : events) {
    if (event.type != event_type::kEhrChanged)
      continue;
    if (event.payload.value("intent_id", "") != intent_id)
      continue;
    if (version.empty() ? event.payload.value("change", "") == change
                        : event.payload.value("version", "") == version) {
      return true;
    }
  }
  return false;
}

}  // namespace

std::string ChangeShownBy(const json& resource) {
  const std::string type = resource.value("resourceType", "");
  const std::string status = resource.value("status", "");
  if (status == "entered-in-error")
    return "entered_in_error";
  if (type == "DocumentReference") {
    const std::string doc_status = resource.value("docStatus", "");
    if (doc_status == "final")
      return "signed";
    if (doc_status == "amended")
      return "amended";
  }
  if (type == "Appointment") {
    if (status == "booked")
      return "confirmed";
    if (status == "cancelled" || status == "noshow" || status == "fulfilled")
      return status;
  }
  if (type == "Claim") {
    if (status == "active")
      return "submitted";
    if (status == "cancelled")
      return "cancelled";
  }
  return "updated";
}

EhrChangeObserver::EhrChangeObserver(store::Store& store) : store_(&store) {}

Result<bool> EhrChangeObserver::Observe(const std::vector<std::string>& tenants,
                                        const json& resource, const std::string& via) {
  if (!resource.is_object())
    return false;
  const std::string intent_id = WritebackIntentId(resource);
  if (intent_id.empty())
    return false;
  std::optional<store::WritebackEntry> entry;
  for (const std::string& tenant : tenants) {
    ASSIGN_OR_RETURN(entry, store_->FindWriteback(tenant, intent_id));
    if (entry)
      break;
  }
  if (!entry)
    return false;
  const std::string& tenant = entry->tenant;

  const std::string version = fhir::VersionIdOf(resource);
  // Medulla's own write seen again (a notification of its create) is no change; what differs
  // from it clinically is, whatever its version.
  const json written = entry->intent.value("resource", json::object());
  if (fhir::ClinicalContentOf(resource) == fhir::ClinicalContentOf(written))
    return false;
  const std::string change = ChangeShownBy(resource);
  ASSIGN_OR_RETURN(std::vector<store::Event> events, store_->ReadTask(entry->task_id));
  if (AlreadyRecorded(events, intent_id, version, change))
    return false;

  json payload = {
      {"intent_id", intent_id},
      {"reference", resource.value("resourceType", "") + "/" + resource.value("id", "")},
      {"resource_type", resource.value("resourceType", "")},
      {"change", change},
      {"via", via}};
  if (!version.empty())
    payload["version"] = version;
  RETURN_IF_ERROR(
      AppendLate(*store_, entry->task_id,
                 {{event_type::kEhrChanged, ServiceActor("integration", tenant), payload}}));
  log::Info("orchestrator", "ehr.changed",
            {{"task", entry->task_id}, {"intent", intent_id}, {"change", change}, {"via", via}});
  return true;
}

Result<int> EhrChangeObserver::ObserveNotification(const std::vector<std::string>& tenants,
                                                   const json& body) {
  std::vector<json> resources;
  if (body.is_object() && body.value("resourceType", "") == "Bundle") {
    for (const json& entry : body.value("entry", json::array())) {
      if (entry.contains("resource"))
        resources.push_back(entry["resource"]);
    }
  } else if (body.is_object()) {
    resources.push_back(body);
  }

  int recorded = 0;
  for (const json& resource : resources) {
    ASSIGN_OR_RETURN(bool observed, Observe(tenants, resource, "subscription"));
    recorded += observed ? 1 : 0;
  }
  return recorded;
}

EhrPoller::EhrPoller(std::vector<PolledEhr> ehrs, EhrChangeObserver& observer, const Clock& clock,
                     PollOptions options)
    : ehrs_(std::move(ehrs)), observer_(&observer), clock_(&clock), options_(std::move(options)) {
  for (const PolledEhr& polled : ehrs_)
    polled_until_[polled.name] = clock_->Now() - options_.overlap;
}

EhrPoller::~EhrPoller() {
  Stop();
}

void EhrPoller::Start() {
  thread_ = std::thread([this] {
    while (!stopping_) {
      Result<int> polled = PollOnce();
      if (!polled.ok())
        log::Warn("orchestrator", "ehr.poll_failed", {{"reason", polled.status().message()}});
      std::unique_lock<std::mutex> lock(wait_mutex_);
      wake_.wait_for(lock, options_.interval, [this] { return stopping_.load(); });
    }
  });
}

void EhrPoller::Stop() {
  {
    std::lock_guard<std::mutex> lock(wait_mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable())
    thread_.join();
}

Result<int> EhrPoller::PollOnce() {
  int recorded = 0;
  for (const PolledEhr& polled : ehrs_) {
    Result<int> changes = PollEhr(polled);
    if (!changes.ok()) {
      log::Warn("orchestrator", "ehr.poll_failed",
                {{"ehr", polled.name}, {"reason", changes.status().message()}});
      continue;
    }
    recorded += *changes;
  }
  return recorded;
}

Result<int> EhrPoller::PollEhr(const PolledEhr& polled) {
  std::lock_guard<std::mutex> lock(poll_mutex_);
  const TimePoint started = clock_->Now();
  const std::string since = "gt" + FormatTimestamp(polled_until_[polled.name]);
  const std::string ours = std::string(fhir::kWritebackIdentifierSystem) + "|";
  const std::vector<std::string> tenants = polled.tenants();

  int recorded = 0;
  for (const std::string& type : options_.resource_types) {
    ASSIGN_OR_RETURN(
        std::vector<json> changed,
        polled.ehr->fhir().Search(type, {{"_lastUpdated", since}, {"identifier", ours}}));
    for (const json& resource : changed) {
      ASSIGN_OR_RETURN(bool observed, observer_->Observe(tenants, resource, "poll"));
      recorded += observed ? 1 : 0;
    }
  }
  polled_until_[polled.name] = started - options_.overlap;
  return recorded;
}

}  // namespace medulla::orchestrator
