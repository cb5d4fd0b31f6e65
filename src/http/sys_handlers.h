#pragma once
// The endpoints that work while sealed or uninitialised, answered against core::Core
// directly as Vault's http/sys_*.go do: sys/init, sys/seal-status, sys/unseal, sys/seal,
// sys/step-down, sys/health and sys/leader. Everything else goes through
// Core::HandleRequest. Blocking (they call Core); run on a worker thread.

#include <optional>

#include "http/message.h"
#include "http/request_builder.h"

namespace coffer::core {
class Core;
}
namespace coffer::crypto {
class Random;
}

namespace coffer::http {

// The answer when target.path is one of the endpoints above, else nullopt.
std::optional<HttpResponse> HandleSysEndpoint(core::Core& core, crypto::Random& random,
                                              const HttpRequest& http, const ParsedTarget& target);

// GET/HEAD sys/health. Status: uninitcode (501) if not initialised, else sealedcode
// (503) if sealed, else drsecondarycode (472) on a DR secondary, else
// performancestandbycode (473) on a performance standby unless perfstandbyok, else
// standbycode (429) on a standby unless standbyok, else activecode (200). A malformed
// parameter is 400. HEAD answers the status without a body.
HttpResponse HandleSysHealth(core::Core& core, const HttpRequest& http, const QueryList& query);

}  // namespace coffer::http
