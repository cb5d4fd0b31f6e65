#pragma once
// GET /v1/sys/metrics as Vault's http/ routes it:
//  - on a listener with telemetry { unauthenticated_metrics_access = true }: answered here,
//    without a token, on any node (sealed or standby too) — Vault's
//    handleMetricsUnauthenticated; other methods are 405;
//  - otherwise on an unsealed standby: not forwarded (Vault's handleLogicalNoForward) but
//    redirected with 307 to the active node's api_addr (503 "no active Vault instance
//    found" when there is none), as Vault's respondStandby;
//  - otherwise: nullopt, and the request goes through Core (token with read on
//    sys/metrics) like any other.
// Blocking only as far as collectors are; run on a worker thread.

#include <optional>

#include "http/message.h"
#include "http/request_builder.h"

namespace coffer::core {
class Core;
}

namespace coffer::http {

std::optional<HttpResponse> HandleSysMetrics(core::Core& core, const HttpRequest& http,
                                             const ParsedTarget& target);

}  // namespace coffer::http
