#pragma once
// Handler: one HTTP request in, one HTTP response out. Routes the sealed-state
// endpoints (sys_handlers.h) and sends everything else through Core::HandleRequest.
// Blocking (Core is blocking): call it on a worker thread, never on an I/O thread.
// Thread-safe; holds no state of its own.

#include <functional>
#include <optional>

#include "http/message.h"

namespace coffer::core {
class Core;
}
namespace coffer::crypto {
class Random;
}

namespace coffer::http {

// Sends a request a standby cannot serve to the active node; nullopt when there is no
// reachable active node.
using Forwarder = std::function<std::optional<HttpResponse>(const HttpRequest&)>;

// Set on a request forwarded by a standby: the receiver never forwards it again.
inline constexpr char kForwardedHeader[] = "X-Coffer-Forwarded";

class Handler {
 public:
  // Both must outlive the handler.
  Handler(core::Core& core, crypto::Random& random, Forwarder forward = {})
      : core_(core), random_(random), forward_(std::move(forward)) {}

  HttpResponse Handle(const HttpRequest& request);

 private:
  core::Core& core_;
  crypto::Random& random_;
  Forwarder forward_;
};

}  // namespace coffer::http
