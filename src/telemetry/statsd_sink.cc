#include "telemetry/statsd_sink.h"

#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <mutex>

#include "base/host_port.h"
#include "telemetry/names.h"

namespace coffer::telemetry {

namespace {

constexpr size_t kMaxPacket = 1432;
constexpr size_t kMaxBuffered = 256 * 1024;

// "%f", as go-metrics' statsd sink formats values.
std::string FixedSix(double v) {
  char buf[64];
  int n = std::snprintf(buf, sizeof(buf), "%f", v);
  return std::string(buf, n > 0 ? static_cast<size_t>(n) : 0);
}

// Shortest plain decimal, as datadog-go's strconv.FormatFloat(v, 'f', -1, 64).
std::string ShortestFixed(double v) {
  char buf[400];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::fixed);
  if (ec != std::errc()) return FixedSix(v);
  return std::string(buf, end);
}

const char* TypeOf(Kind kind) {
  switch (kind) {
    case Kind::kCounter:
      return "c";
    case Kind::kGauge:
      return "g";
    case Kind::kSample:
      return "ms";
  }
  return "g";
}

class StatsdSink final : public Sink {
 public:
  StatsdSink(Options options, bool dogstatsd, int fd)
      : options_(std::move(options)), dogstatsd_(dogstatsd), fd_(fd) {}
  ~StatsdSink() override {
    Flush();
    ::close(fd_);
  }

  void Emit(Kind kind, std::string_view name, double value, const Labels& labels) override {
    std::string line = StatsdLine(options_, dogstatsd_, kind, name, value, labels);
    std::lock_guard<std::mutex> l(mu_);
    if (pending_.size() + line.size() + 1 > kMaxBuffered) return;  // the receiver is behind
    pending_ += line;
    pending_ += '\n';
  }

  void Flush() override {
    std::string data;
    {
      std::lock_guard<std::mutex> l(mu_);
      data.swap(pending_);
    }
    // Pack whole lines into datagrams of at most kMaxPacket bytes.
    size_t start = 0;
    while (start < data.size()) {
      size_t end = start;
      while (end < data.size()) {
        size_t nl = data.find('\n', end);
        if (nl == std::string::npos) nl = data.size() - 1;
        if (nl + 1 - start > kMaxPacket && end > start) break;
        end = nl + 1;
      }
      // Errors (no receiver: ECONNREFUSED) are ignored, as go-metrics does.
      (void)::send(fd_, data.data() + start, end - start, MSG_DONTWAIT | MSG_NOSIGNAL);
      start = end;
    }
  }

 private:
  const Options options_;
  const bool dogstatsd_;
  const int fd_;
  std::mutex mu_;
  std::string pending_;  // guarded by mu_
};

}  // namespace

std::string StatsdLine(const Options& options, bool dogstatsd, Kind kind, std::string_view name,
                       double value, const Labels& labels) {
  std::string key = options.prefix;
  if (!dogstatsd && kind == Kind::kGauge && !options.hostname.empty() &&
      !options.disable_hostname && !options.enable_hostname_label) {
    key += "." + options.hostname;
  }
  key += ".";
  key.append(name);
  if (!dogstatsd) {
    for (const auto& [k, v] : labels) key += "." + v;
  }
  std::string line = StatsdSafe(key);
  line += ':';
  if (dogstatsd) {
    line +=
        kind == Kind::kCounter ? std::to_string(static_cast<int64_t>(value)) : ShortestFixed(value);
  } else {
    line += FixedSix(value);
  }
  line += '|';
  line += TypeOf(kind);
  if (dogstatsd && (!options.dogstatsd_tags.empty() || !labels.empty())) {
    line += "|#";
    bool first = true;
    for (const std::string& t : options.dogstatsd_tags) {
      if (!first) line += ',';
      first = false;
      line += t;
    }
    for (const auto& [k, v] : labels) {
      if (!first) line += ',';
      first = false;
      line += StatsdSafe(k) + ":" + StatsdSafe(v);
    }
  }
  return line;
}

Result<std::unique_ptr<Sink>> MakeStatsdSink(const Options& options, bool dogstatsd) {
  const std::string& address = dogstatsd ? options.dogstatsd_addr : options.statsd_address;
  COFFER_ASSIGN_OR_RETURN(HostPort hp, ParseHostPort(address, "statsd address"));
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_DGRAM;
  addrinfo* res = nullptr;
  int rc = ::getaddrinfo(hp.host.c_str(), hp.port_text.c_str(), &hints, &res);
  if (rc != 0 || res == nullptr) {
    return Err(InvalidArgument("cannot resolve " + address + ": " + ::gai_strerror(rc)));
  }
  int fd = ::socket(res->ai_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0 || ::connect(fd, res->ai_addr, res->ai_addrlen) != 0) {
    std::string err = std::strerror(errno);
    if (fd >= 0) ::close(fd);
    ::freeaddrinfo(res);
    return Err(InvalidArgument("cannot open UDP socket to " + address + ": " + err));
  }
  ::freeaddrinfo(res);
  return std::unique_ptr<Sink>(new StatsdSink(options, dogstatsd, fd));
}

}  // namespace coffer::telemetry
