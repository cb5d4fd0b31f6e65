// sys/metrics: the process metrics as Vault's JSON document or Prometheus text, written
// as the raw response body (no envelope). Vault: pathMetrics / handleMetrics.

#include "engines/sys/system_backend.h"
#include "telemetry/reply.h"

namespace coffer::engines::sys {

using core::Operation;

std::vector<framework::Path> SystemBackend::MetricsPaths() {
  framework::Path p;
  p.pattern = "metrics$";
  p.operations[Operation::kRead] = [this](core::Request& r, FieldData& d) { return Metrics(r, d); };
  p.fields = {{"format", {framework::FieldType::kString}}};
  p.help_synopsis = "Export the metrics aggregated for telemetry purpose.";
  return {std::move(p)};
}

HandlerResult SystemBackend::Metrics(core::Request& req, FieldData&) {
  std::string format;
  if (auto it = req.query.find("format"); it != req.query.end()) format = it->second;
  if (format.empty()) {
    if (auto it = req.headers.find("accept"); it != req.headers.end()) {
      format = telemetry::FormatFromAccept(it->second);
    }
  }
  telemetry::MetricsReply reply = telemetry::ReplyForFormat(format);
  core::Response resp;
  resp.http_status = reply.http_status;
  resp.raw_content_type = std::move(reply.content_type);
  resp.raw_body = std::move(reply.body);
  return resp;
}

}  // namespace coffer::engines::sys
