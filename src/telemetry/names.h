#pragma once
// Metric names as go-metrics' sinks write them. Pure functions; thread-safe.

#include <string>
#include <string_view>

namespace coffer::telemetry {

// A Prometheus metric name: every character outside [a-zA-Z0-9_:] becomes '_' (go-metrics
// replaces ' ', '.', '=', '-', '/'; we also cover the rest so the output always parses),
// and a leading digit gets a '_' in front.
std::string PrometheusName(std::string_view name);
// A Prometheus label name: as PrometheusName, without ':'.
std::string PrometheusLabelName(std::string_view name);
// A label value inside double quotes: \ → \\, " → \", newline → \n.
std::string EscapeLabelValue(std::string_view value);
// A sample value: shortest round-trip form; NaN, +Inf, -Inf as the text format spells them.
std::string FormatValue(double value);
// statsd keys and tags: ':' ' ' '|' ',' and newlines become '_' (go-metrics maps ':' and ' ';
// the rest would break the line protocol).
std::string StatsdSafe(std::string_view s);

}  // namespace coffer::telemetry
