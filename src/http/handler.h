#pragma once
// Handler: one HTTP request in, one HTTP response out. Routes the sealed-state
// endpoints (sys_handlers.h) and sends everything else through Core::HandleRequest.
// Blocking (Core is blocking): call it on a worker thread, never on an I/O thread.
// Thread-safe; holds no state of its own.

#include "http/message.h"

namespace coffer::core {
class Core;
}
namespace coffer::crypto {
class Random;
}

namespace coffer::http {

class Handler {
 public:
  // Both must outlive the handler.
  Handler(core::Core& core, crypto::Random& random) : core_(core), random_(random) {}

  HttpResponse Handle(const HttpRequest& request);

 private:
  core::Core& core_;
  crypto::Random& random_;
};

}  // namespace coffer::http
