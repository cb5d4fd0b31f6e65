#include "http/handler.h"

#include "core/core.h"
#include "core/ha.h"
#include "http/metrics_handler.h"
#include "http/request_builder.h"
#include "http/response.h"
#include "http/sys_handlers.h"
#include "telemetry/metrics.h"

namespace coffer::http {

namespace {

HttpResponse Route(core::Core& core, crypto::Random& random, const Forwarder& forward,
                   const HttpRequest& http) {
  auto target = ParseTarget(http.target);
  if (!target) return ErrorResponse(target.error());
  if (auto sys = HandleSysEndpoint(core, random, http, *target)) return std::move(*sys);
  if (auto metrics = HandleSysMetrics(core, http, *target)) return std::move(*metrics);
  if (core.Standby() && !core.Sealed()) {
    // Vault's standbys forward every other request to the active node.
    if (forward && FindHeader(http.headers, kForwardedHeader) == nullptr) {
      HttpRequest copy = http;
      copy.headers.emplace_back(kForwardedHeader, "1");
      if (auto r = forward(copy)) return std::move(*r);
    }
    return ErrorResponse(503, core::kNotActive);
  }
  auto req = BuildRequest(http, random);
  if (!req) return ErrorResponse(req.error());
  Result<core::Response> result = core.HandleRequest(*req);
  return RenderLogical(*req, result);
}

}  // namespace

HttpResponse Handler::Handle(const HttpRequest& request) {
  HttpResponse response = Route(core_, random_, forward_, request);
  // Vault 1.20's vault.core.response_status_code: every answer by status (what the
  // error-rate alert in deploy/prometheus/alerts.yml divides).
  if (telemetry::Enabled()) {
    std::string code = std::to_string(response.status);
    telemetry::IncrCounter("core.response_status_code", 1,
                           {{"code", code}, {"type", code.substr(0, 1) + "xx"}});
  }
  if (request.method == "HEAD") response.body.clear();
  return response;
}

}  // namespace coffer::http
