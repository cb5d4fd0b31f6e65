#include "audit/entry.h"

#include <time.h>

#include <cstdio>

#include "audit/format.h"

namespace coffer::audit::internal {

std::string FormatRfc3339Seconds(int64_t unix_seconds) {
  time_t t = static_cast<time_t>(unix_seconds);
  struct tm tm {};
  gmtime_r(&t, &tm);
  char buf[32];
  strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

RemoteAddress SplitRemoteAddress(const std::string& remote) {
  RemoteAddress out;
  out.host = remote;
  std::string port;
  if (!remote.empty() && remote.front() == '[') {
    auto close = remote.find(']');
    if (close != std::string::npos) {
      out.host = remote.substr(1, close - 1);
      if (close + 1 < remote.size() && remote[close + 1] == ':') port = remote.substr(close + 2);
    }
  } else if (auto colon = remote.find(':');
             colon != std::string::npos && remote.find(':', colon + 1) == std::string::npos) {
    out.host = remote.substr(0, colon);
    port = remote.substr(colon + 1);
  }
  if (!port.empty() && port.size() <= 5 &&
      port.find_first_not_of("0123456789") == std::string::npos) {
    out.port = std::stoll(port);
  }
  return out;
}

std::string FormatRfc3339Nano(std::chrono::system_clock::time_point t) {
  using namespace std::chrono;
  auto ns = duration_cast<nanoseconds>(t.time_since_epoch()).count();
  int64_t secs = ns / 1'000'000'000;
  int64_t frac = ns % 1'000'000'000;
  if (frac < 0) {
    frac += 1'000'000'000;
    --secs;
  }
  std::string out = FormatRfc3339Seconds(secs);
  out.pop_back();  // 'Z'
  if (frac != 0) {
    char buf[16];
    std::snprintf(buf, sizeof buf, ".%09lld", static_cast<long long>(frac));
    std::string f = buf;
    while (f.back() == '0') f.pop_back();
    out += f;
  }
  out += 'Z';
  return out;
}

}  // namespace coffer::audit::internal
