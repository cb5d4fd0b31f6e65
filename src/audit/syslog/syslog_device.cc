#include "audit/syslog/syslog_device.h"

#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <mutex>

#include "audit/device.h"
#include "audit/net.h"

namespace coffer::audit {
namespace {

constexpr int kSeverityInfo = 6;
constexpr std::chrono::milliseconds kSendTimeout{2000};

Result<int> ParseFacility(std::string name) {
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  static const std::pair<const char*, int> kFacilities[] = {
      {"KERN", 0},      {"USER", 1},    {"MAIL", 2},    {"DAEMON", 3},  {"AUTH", 4},
      {"SYSLOG", 5},    {"LPR", 6},     {"NEWS", 7},    {"UUCP", 8},    {"CRON", 9},
      {"AUTHPRIV", 10}, {"FTP", 11},    {"LOCAL0", 16}, {"LOCAL1", 17}, {"LOCAL2", 18},
      {"LOCAL3", 19},   {"LOCAL4", 20}, {"LOCAL5", 21}, {"LOCAL6", 22}, {"LOCAL7", 23}};
  for (const auto& [n, code] : kFacilities) {
    if (name == n) return code;
  }
  return Err(InvalidArgument("facility: unknown syslog facility \"" + name + "\""));
}

std::string Hostname() {
  char buf[256] = {};
  if (gethostname(buf, sizeof buf - 1) != 0 || buf[0] == '\0') return "localhost";
  return buf;
}

class SyslogDevice final : public LineDevice {
 public:
  SyslogDevice(const core::AuditDeviceConfig& config, EntryFormatter formatter, int facility,
               std::string tag, Transport transport, std::string address)
      : LineDevice(config, std::move(formatter)),
        pri_(facility * 8 + kSeverityInfo),
        tag_(std::move(tag)),
        transport_(transport),
        address_(std::move(address)),
        hostname_(Hostname()),
        pid_(getpid()) {}

  Status Connect() {
    std::lock_guard<std::mutex> lock(mu_);
    return ConnectLocked();
  }

  Status Reload() override { return Connect(); }

 protected:
  Status WriteLine(std::string_view line) override {
    std::string datagram = Header() + std::string(line);
    std::lock_guard<std::mutex> lock(mu_);
    if (fd_.valid() && SendAll(fd_.get(), datagram).ok()) return Status::Ok();
    // The syslog daemon may have restarted (a new /dev/log): reconnect once.
    COFFER_RETURN_IF_ERROR(ConnectLocked());
    Status st = SendAll(fd_.get(), datagram);
    if (!st.ok()) return Unavailable("syslog " + address_ + ": " + st.message());
    return st;
  }

 private:
  Status ConnectLocked() {
    fd_.Reset();
    COFFER_ASSIGN_OR_RETURN(fd_, Dial(transport_, address_, kSendTimeout));
    return Status::Ok();
  }

  // "<PRI>Mmm dd hh:mm:ss host tag[pid]: " in local time, as RFC 3164 and syslog(3).
  std::string Header() const {
    time_t now = time(nullptr);
    struct tm tm {};
    localtime_r(&now, &tm);
    char stamp[32];
    strftime(stamp, sizeof stamp, "%b %e %H:%M:%S", &tm);
    return "<" + std::to_string(pri_) + ">" + stamp + " " + hostname_ + " " + tag_ + "[" +
           std::to_string(pid_) + "]: ";
  }

  const int pri_;
  const std::string tag_;
  const Transport transport_;
  const std::string address_;
  const std::string hostname_;
  const pid_t pid_;
  std::mutex mu_;
  UniqueFd fd_;  // guarded by mu_
};

}  // namespace

Result<std::unique_ptr<core::AuditDevice>> NewSyslogDevice(const core::AuditDeviceConfig& config) {
  COFFER_ASSIGN_OR_RETURN(int facility, ParseFacility(OptionOr(config, "facility", "AUTH")));
  std::string tag = OptionOr(config, "tag", "vault");
  if (tag.empty()) tag = "vault";
  std::string address = OptionOr(config, "address", "/dev/log");
  if (address.empty()) address = "/dev/log";
  Transport transport = address.front() == '/' ? Transport::kUnixDatagram : Transport::kUdp;
  COFFER_ASSIGN_OR_RETURN(EntryFormatter formatter, MakeFormatter(config));
  auto device = std::make_unique<SyslogDevice>(config, std::move(formatter), facility,
                                               std::move(tag), transport, std::move(address));
  COFFER_RETURN_IF_ERROR(device->Connect());
  return std::unique_ptr<core::AuditDevice>(std::move(device));
}

}  // namespace coffer::audit
