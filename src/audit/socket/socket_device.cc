#include "audit/socket/socket_device.h"

#include <mutex>

#include "audit/device.h"
#include "audit/net.h"
#include "base/json.h"

namespace coffer::audit {
namespace {

class SocketDevice final : public LineDevice {
 public:
  SocketDevice(const core::AuditDeviceConfig& config, EntryFormatter formatter, Transport transport,
               std::string address, std::chrono::milliseconds timeout)
      : LineDevice(config, std::move(formatter)),
        transport_(transport),
        address_(std::move(address)),
        timeout_(timeout) {}

  Status Reload() override {
    std::lock_guard<std::mutex> lock(mu_);
    fd_.Reset();  // reconnect on the next entry
    return Status::Ok();
  }

 protected:
  Status WriteLine(std::string_view line) override {
    std::lock_guard<std::mutex> lock(mu_);
    bool stream = transport_ != Transport::kUdp;
    if (fd_.valid() && stream && PeerClosed(fd_.get())) fd_.Reset();
    if (fd_.valid()) {
      if (SendAll(fd_.get(), line).ok()) return Status::Ok();
      fd_.Reset();
    }
    auto fd = Dial(transport_, address_, timeout_);
    if (!fd) return Unavailable("audit socket: " + fd.error().message());
    fd_ = std::move(*fd);
    Status st = SendAll(fd_.get(), line);
    if (!st.ok()) {
      fd_.Reset();
      return Unavailable("audit socket " + address_ + ": " + st.message());
    }
    return st;
  }

 private:
  const Transport transport_;
  const std::string address_;
  const std::chrono::milliseconds timeout_;
  std::mutex mu_;
  UniqueFd fd_;  // guarded by mu_; invalid until the first entry
};

}  // namespace

Result<std::unique_ptr<core::AuditDevice>> NewSocketDevice(const core::AuditDeviceConfig& config) {
  std::string address = TrimSpace(OptionOr(config, "address", ""));
  if (address.empty()) return Err(InvalidArgument("address is required"));
  std::string type = OptionOr(config, "socket_type", "tcp");
  Transport transport;
  if (type == "tcp" || type.empty()) {
    transport = Transport::kTcp;
  } else if (type == "udp") {
    transport = Transport::kUdp;
  } else if (type == "unix") {
    transport = Transport::kUnixStream;
  } else {
    return Err(InvalidArgument("socket_type: unknown socket type \"" + type +
                               "\" (expected tcp, udp or unix)"));
  }
  COFFER_ASSIGN_OR_RETURN(auto timeout,
                          ParseTimeout("write_timeout", OptionOr(config, "write_timeout", "2s")));
  if (timeout.count() <= 0) return Err(InvalidArgument("write_timeout: must be positive"));
  COFFER_ASSIGN_OR_RETURN(EntryFormatter formatter, MakeFormatter(config));
  return std::unique_ptr<core::AuditDevice>(std::make_unique<SocketDevice>(
      config, std::move(formatter), transport, std::move(address), timeout));
}

}  // namespace coffer::audit
