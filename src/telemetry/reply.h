#pragma once
// The sys/metrics answer, shared by the system backend (token-checked, through Core) and
// http/ (listeners with unauthenticated_metrics_access): Vault's metricsutil
// ResponseForFormat and FormatFromRequest.

#include <string>
#include <string_view>

namespace coffer::telemetry {

inline constexpr std::string_view kPrometheusContentType =
    "text/plain; version=0.0.4; charset=utf-8";

struct MetricsReply {
  int http_status = 200;
  std::string content_type;
  std::string body;
};

// format "" → 200 application/json RenderJson(); "prometheus" → 200 text RenderPrometheus(),
// or 400 text/plain "prometheus is not enabled"; anything else → 400 text/plain
// `metric response format "<f>" unknown`. Uses the process-wide registry.
MetricsReply ReplyForFormat(std::string_view format);

// "prometheus" when the Accept header starts with application/openmetrics-text or
// mentions prometheus/telemetry (as Prometheus scrapers send), else "".
std::string FormatFromAccept(std::string_view accept);

}  // namespace coffer::telemetry
