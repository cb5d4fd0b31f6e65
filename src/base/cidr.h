#pragma once
// IP addresses and CIDR blocks (IPv4 and IPv6) for bound_cidrs checks: auth methods
// validate what operators write, Core checks a token's token_bound_cidrs on every use.
//
// Thread-safety: pure functions.

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace coffer {

// Checks each entry is an IP address or CIDR block (IPv4 or IPv6); InvalidArgument naming
// the first bad one.
Status ValidateCidrs(const std::vector<std::string>& cidrs);

// Whether `remote_addr` ("ip", "ip:port" or "[ipv6]:port") falls in any of `cidrs`. True
// when `cidrs` is empty; false when the address cannot be parsed.
bool RemoteAddrAllowed(std::string_view remote_addr, const std::vector<std::string>& cidrs);

}  // namespace coffer
