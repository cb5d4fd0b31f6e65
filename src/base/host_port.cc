#include "base/host_port.h"

#include <charconv>

namespace coffer {

Result<HostPort> ParseHostPort(std::string_view address, std::string_view what) {
  const std::string prefix = std::string(what) + " " + std::string(address) + ": ";
  size_t colon = address.rfind(':');
  if (colon == std::string_view::npos) return Err(InvalidArgument(prefix + "missing port"));
  HostPort out;
  out.host = std::string(address.substr(0, colon));
  out.port_text = std::string(address.substr(colon + 1));
  if (out.host.size() >= 2 && out.host.front() == '[' && out.host.back() == ']') {
    out.host = out.host.substr(1, out.host.size() - 2);
  }
  unsigned port = 0;
  const char* first = out.port_text.data();
  const char* last = first + out.port_text.size();
  auto [end, ec] = std::from_chars(first, last, port);
  if (out.port_text.empty() || ec != std::errc() || end != last || port > 65535) {
    return Err(InvalidArgument(prefix + "invalid port"));
  }
  out.port = static_cast<uint16_t>(port);
  if (out.host.empty()) out.host = "0.0.0.0";
  return out;
}

}  // namespace coffer
