#include "http/metrics_handler.h"

#include "core/core.h"
#include "http/response.h"
#include "http/url.h"
#include "telemetry/reply.h"

namespace coffer::http {

namespace {

HttpResponse Unauthenticated(const HttpRequest& http, const ParsedTarget& target) {
  if (http.method != "GET") return ErrorResponse(405, "");
  std::string format = QueryValue(target.query, "format").value_or("");
  if (format.empty()) {
    if (const std::string* accept = FindHeader(http.headers, "Accept")) {
      format = telemetry::FormatFromAccept(*accept);
    }
  }
  telemetry::MetricsReply reply = telemetry::ReplyForFormat(format);
  HttpResponse r;
  r.status = reply.http_status;
  r.headers.emplace_back("Content-Type", std::move(reply.content_type));
  r.body = std::move(reply.body);
  return r;
}

// Vault's respondStandby: the same path and query on the active node.
HttpResponse RedirectToActive(core::Core& core, const HttpRequest& http) {
  core::HaState ha = core.GetHaState();
  if (ha.leader_address.empty()) return ErrorResponse(503, "no active Vault instance found");
  std::string base = ha.leader_address;
  if (base.find("://") == std::string::npos) base = "https://" + base;
  // Keep scheme://host[:port] only.
  if (size_t slash = base.find('/', base.find("://") + 3); slash != std::string::npos) {
    base.resize(slash);
  }
  HttpResponse r;
  r.status = 307;
  r.headers.emplace_back("Location", base + http.target);
  return r;
}

}  // namespace

std::optional<HttpResponse> HandleSysMetrics(core::Core& core, const HttpRequest& http,
                                             const ParsedTarget& target) {
  if (target.path != "sys/metrics") return std::nullopt;
  if (http.unauthenticated_metrics_access) return Unauthenticated(http, target);
  if (core.Standby() && !core.Sealed()) return RedirectToActive(core, http);
  return std::nullopt;
}

}  // namespace coffer::http
