#include "telemetry/reply.h"

#include "telemetry/metrics.h"

namespace coffer::telemetry {

MetricsReply ReplyForFormat(std::string_view format) {
  if (format.empty()) return {200, "application/json", RenderJson()};
  if (format == "prometheus") {
    if (!PrometheusEnabled()) return {400, "text/plain", "prometheus is not enabled"};
    return {200, std::string(kPrometheusContentType), RenderPrometheus()};
  }
  return {400, "text/plain", "metric response format \"" + std::string(format) + "\" unknown"};
}

std::string FormatFromAccept(std::string_view accept) {
  if (accept.rfind("application/openmetrics-text", 0) == 0) return "prometheus";
  if (accept.find("prometheus/telemetry") != std::string_view::npos) return "prometheus";
  return "";
}

}  // namespace coffer::telemetry
