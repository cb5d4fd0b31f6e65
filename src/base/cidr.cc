#include "base/cidr.h"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cctype>

namespace coffer {

namespace {

// An IP address in network byte order: 4 bytes (IPv4) or 16 (IPv6).
struct Address {
  std::array<uint8_t, 16> bytes{};
  int len = 0;
};

bool ParseIp(const std::string& text, Address* out) {
  if (inet_pton(AF_INET, text.c_str(), out->bytes.data()) == 1) {
    out->len = 4;
    return true;
  }
  if (inet_pton(AF_INET6, text.c_str(), out->bytes.data()) == 1) {
    out->len = 16;
    return true;
  }
  return false;
}

// "a.b.c.d/n", "a.b.c.d", "v6::/n", "v6::" → network address and prefix length.
bool ParseCidr(const std::string& text, Address* net, int* prefix) {
  size_t slash = text.find('/');
  if (!ParseIp(text.substr(0, slash), net)) return false;
  if (slash == std::string::npos) {
    *prefix = net->len * 8;
    return true;
  }
  std::string bits = text.substr(slash + 1);
  if (bits.empty() || bits.size() > 3 ||
      !std::all_of(bits.begin(), bits.end(), [](unsigned char c) { return std::isdigit(c); }))
    return false;
  *prefix = std::stoi(bits);
  return *prefix <= net->len * 8;
}

bool Contains(const Address& net, int prefix, const Address& ip) {
  if (net.len != ip.len) return false;
  for (int i = 0; i < net.len && prefix > 0; ++i, prefix -= 8) {
    uint8_t mask = prefix >= 8 ? 0xff : static_cast<uint8_t>(0xff << (8 - prefix));
    if ((net.bytes[i] & mask) != (ip.bytes[i] & mask)) return false;
  }
  return true;
}

// The host part of "ip", "ip:port" or "[ipv6]:port".
std::string HostOf(std::string_view addr) {
  if (!addr.empty() && addr.front() == '[') {
    size_t end = addr.find(']');
    return std::string(addr.substr(1, end == std::string_view::npos ? end : end - 1));
  }
  size_t colon = addr.find(':');
  if (colon != std::string_view::npos && addr.find(':', colon + 1) == std::string_view::npos)
    return std::string(addr.substr(0, colon));  // exactly one ':' → IPv4 with a port
  return std::string(addr);
}

}  // namespace

Status ValidateCidrs(const std::vector<std::string>& cidrs) {
  for (const auto& c : cidrs) {
    Address net;
    int prefix = 0;
    if (!ParseCidr(c, &net, &prefix))
      return InvalidArgument("failed to parse \"" + c + "\" as an IP address or CIDR block");
  }
  return Status::Ok();
}

bool RemoteAddrAllowed(std::string_view remote_addr, const std::vector<std::string>& cidrs) {
  if (cidrs.empty()) return true;
  Address ip;
  if (!ParseIp(HostOf(remote_addr), &ip)) return false;
  for (const auto& c : cidrs) {
    Address net;
    int prefix = 0;
    if (ParseCidr(c, &net, &prefix) && Contains(net, prefix, ip)) return true;
  }
  return false;
}

}  // namespace coffer
