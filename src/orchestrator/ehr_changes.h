// Both directions: what happens inside the EHR to what Medulla wrote comes back to the task that
// wrote it. A clinician signing a draft note, or staff confirming a proposed appointment, arrives
// as an EHR rest-hook Subscription notification or, for vendors without subscriptions, from
// polling with _lastUpdated, and becomes an ehr.changed event on the writing task.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "common/time.h"
#include "fhir/ehr_directory.h"
#include "store/store.h"

namespace medulla::orchestrator {

// The change a resource's current state shows, in Medulla's words: "signed", "amended",
// "confirmed", "cancelled", "submitted", "entered_in_error" or "updated".
std::string ChangeShownBy(const nlohmann::json& resource);

class EhrChangeObserver {
 public:
  explicit EhrChangeObserver(store::Store& store);  // `store` must outlive the observer

  // Records what `resource`, as an EHR now holds it, shows changed, on the task whose write it
  // is. `tenants` are the tenants whose charts that EHR holds; the write is looked up among
  // theirs only. Returns false, recording nothing, for a resource Medulla did not write, for
  // Medulla's own write seen again, and for a version already recorded. `via` is
  // "subscription" or "poll". Thread-safe.
  Result<bool> Observe(const std::vector<std::string>& tenants, const nlohmann::json& resource,
                       const std::string& via);

  // Observes every resource in a notification body: one resource, or a Bundle of them. Returns
  // how many changes were recorded.
  Result<int> ObserveNotification(const std::vector<std::string>& tenants,
                                  const nlohmann::json& body);

 private:
  store::Store* store_;
};

struct PollOptions {
  std::chrono::milliseconds interval{std::chrono::seconds(30)};
  // How far back the first poll looks, and how much each poll overlaps the last, so that a
  // change stamped just before a poll's cut-off is not missed.
  std::chrono::milliseconds overlap{std::chrono::seconds(5)};
  std::vector<std::string> resource_types = {"DocumentReference", "Appointment"};
};

// An EHR to poll, and the tenants whose charts it holds (asked at every poll, since the tenants
// of a shared EHR are those seen so far).
struct PolledEhr {
  std::string name;  // for logs: the tenant it serves, or "default"
  fhir::EhrAdapter* ehr = nullptr;
  std::function<std::vector<std::string>()> tenants;
};

// Polls EHRs without subscriptions with _lastUpdated=gt<last poll>. The last poll's time is held
// in memory: a restarted node looks back `overlap` from its start.
class EhrPoller {
 public:
  EhrPoller(std::vector<PolledEhr> ehrs, EhrChangeObserver& observer, const Clock& clock,
            PollOptions options = {});
  ~EhrPoller();

  void Start();
  void Stop();  // idempotent

  // Polls every EHR once; returns how many changes were recorded.
  Result<int> PollOnce();

 private:
  Result<int> PollEhr(const PolledEhr& polled);

  std::vector<PolledEhr> ehrs_;
  EhrChangeObserver* observer_;
  const Clock* clock_;
  PollOptions options_;
  std::map<std::string, TimePoint> polled_until_;  // guarded by poll_mutex_
  std::mutex poll_mutex_;
  std::mutex wait_mutex_;
  std::condition_variable wake_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

}  // namespace medulla::orchestrator
