#include "common/metrics.h"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <memory>
#include <mutex>

namespace medulla::metrics {
namespace {

struct Metrics {
  std::mutex mutex;
  std::shared_ptr<prometheus::Registry> registry = std::make_shared<prometheus::Registry>();
  std::map<std::string, prometheus::Family<prometheus::Counter>*> counters;
  std::map<std::string, prometheus::Family<prometheus::Histogram>*> histograms;
  std::map<std::string, prometheus::Family<prometheus::Gauge>*> gauges;
};

Metrics& Global() {
  static Metrics* metrics = new Metrics();  // never destroyed: threads may count at exit
  return *metrics;
}

const prometheus::Histogram::BucketBoundaries& LatencyBuckets() {
  static const prometheus::Histogram::BucketBoundaries kBuckets = {
      0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
  return kBuckets;
}

}  // namespace

void Increment(const std::string& name, const std::string& help, const Labels& labels, double by) {
  Metrics& metrics = Global();
  std::lock_guard lock(metrics.mutex);
  auto& family = metrics.counters[name];
  if (family == nullptr) {
    family = &prometheus::BuildCounter().Name(name).Help(help).Register(*metrics.registry);
  }
  family->Add(labels).Increment(by);
}

void ObserveSeconds(const std::string& name, const std::string& help, const Labels& labels,
                    double value) {
  Metrics& metrics = Global();
  std::lock_guard lock(metrics.mutex);
  auto& family = metrics.histograms[name];
  if (family == nullptr) {
    family = &prometheus::BuildHistogram().Name(name).Help(help).Register(*metrics.registry);
  }
  family->Add(labels, LatencyBuckets()).Observe(value);
}

void Set(const std::string& name, const std::string& help, const Labels& labels, double value) {
  Metrics& metrics = Global();
  std::lock_guard lock(metrics.mutex);
  auto& family = metrics.gauges[name];
  if (family == nullptr) {
    family = &prometheus::BuildGauge().Name(name).Help(help).Register(*metrics.registry);
  }
  family->Add(labels).Set(value);
}

std::string RenderText() {
  Metrics& metrics = Global();
  std::lock_guard lock(metrics.mutex);
  return prometheus::TextSerializer().Serialize(metrics.registry->Collect());
}

}  // namespace medulla::metrics
