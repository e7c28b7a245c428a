// Process-wide metrics in the Prometheus data model. Parts count what operators watch
// (tasks by outcome, writes by result, requests by status) instead of logging each one.
// Label values must be bounded enums and names, never ids or patient data. Thread-safe.
#pragma once

#include <map>
#include <string>

namespace medulla::metrics {

using Labels = std::map<std::string, std::string>;

// Adds `by` to the counter `name` (which should end in _total) with `labels`.
void Increment(const std::string& name, const std::string& help, const Labels& labels = {},
               double by = 1);

// Records `value` seconds in the histogram `name` with `labels`.
void ObserveSeconds(const std::string& name, const std::string& help, const Labels& labels,
                    double value);

// Sets the gauge `name`.
void Set(const std::string& name, const std::string& help, const Labels& labels, double value);

// Renders every metric in the Prometheus text exposition format, version 0.0.4.
std::string RenderText();

}  // namespace medulla::metrics
