#pragma once
// Listen addresses as Vault's configuration writes them: "host:port", "[v6]:port", or
// ":port" (every IPv4 interface). Shared by the API listeners (http/) and the cluster
// port (cluster/), which resolve the host with Asio.

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"

namespace coffer {

struct HostPort {
  std::string host;  // brackets removed; "0.0.0.0" for ":port"
  std::string port_text;
  uint16_t port = 0;
};

// `what` names the address in errors ("listener address", "cluster address").
Result<HostPort> ParseHostPort(std::string_view address, std::string_view what);

}  // namespace coffer
