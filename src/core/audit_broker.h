#pragma once
// AuditBroker: the enabled audit devices as the request path sees them (DESIGN.md request
// path, steps 4 and 8), and AuditEntry, one row of the audit table ("core/audit").
//
// Semantics (Vault's AuditBroker): with no device enabled LogRequest/LogResponse succeed;
// otherwise they succeed when at least one device wrote the entry. Every device failure is
// logged (path and error, never the entry) and counted.
//
// Thread-safety: the set of devices is an immutable snapshot published with an atomic
// swap (as the route table), so logging never takes a lock. Set/Clear are called by Core
// with its audit table mutex held. With no device enabled a call costs one atomic load.

#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/json.h"
#include "base/secret_bytes.h"
#include "base/status.h"
#include "core/audit.h"

namespace coffer::core {

// One enabled audit device as persisted in the audit table.
struct AuditEntry {
  std::string path;  // "file/" (always with a trailing slash)
  std::string type;
  std::string description;
  std::map<std::string, std::string> options;
  bool local = false;
  std::string uuid;      // names the device's salt in the barrier
  std::string accessor;  // "audit_file_1a2b3c4d"

  Json ToJson() const;  // storage form
  static Result<AuditEntry> FromJson(const Json& j);
  // The entry as sys/audit lists it: type, description, options, local, path.
  Json ToApiJson() const;
};

// A running device with its configuration and salt. The salt's address is stable (the
// device may keep AuditDeviceConfig::salt).
struct AuditBackend {
  AuditEntry entry;
  SecretBytes salt;
  std::unique_ptr<AuditDevice> device;
};

class AuditBroker {
 public:
  using DeviceSet = std::vector<std::shared_ptr<AuditBackend>>;

  AuditBroker();

  // True when at least one device is enabled (one atomic load).
  bool Enabled() const { return count_.load(std::memory_order_acquire) != 0; }

  // Writes a request / response entry to every device. Ok when no device is enabled or
  // at least one device wrote it; otherwise Internal with the last device error.
  Status LogRequest(const AuditInput& in) const;
  Status LogResponse(const AuditInput& in) const;

  // "hmac-sha256:<hex>" of `input` by the device at `path` ("file" or "file/");
  // InvalidArgument "unknown audit backend <path>" when none is there.
  Result<std::string> Hash(std::string path, std::string_view input) const;

  // Reloads every device (SIGHUP). Each failure is logged; the last one is returned.
  Status Reload() const;

  // Replaces the set of devices (Core, under its audit table mutex).
  void Set(DeviceSet devices);
  void Clear() { Set({}); }
  std::shared_ptr<const DeviceSet> Devices() const { return devices_.load(); }

 private:
  template <class Fn>
  Status LogToAll(const char* what, Fn&& fn) const;

  std::atomic<size_t> count_{0};
  std::atomic<std::shared_ptr<const DeviceSet>> devices_;
};

}  // namespace coffer::core
