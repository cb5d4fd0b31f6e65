#pragma once
// Audit devices as Core sees them (DESIGN.md request path, steps 4 and 8).
//
// Core hands every audited request to AuditBroker::LogRequest before the backend runs and
// the outcome to AuditBroker::LogResponse after it. An AuditInput carries plaintext (the
// client token, request data, response secrets); a device never writes it as such: every
// string under auth, request data and response data is replaced by
// "hmac-sha256:<hex>" = HMAC-SHA256(device salt, value) unless the device has log_raw.
//
// Devices are implemented in src/audit/ and registered by type name ("file", "syslog",
// "socket") in core::Registry. Core owns the audit table (which devices are enabled), each
// device's salt (kept in the barrier) and the broker.
//
// Thread-safety: LogRequest/LogResponse/Hash are called concurrently from request workers;
// Reload may run concurrently with them (SIGHUP). Implementations serialise their writes.

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "base/secret_bytes.h"
#include "base/status.h"
#include "core/logical.h"

namespace coffer::core {

// One audit entry's input. Pointers are non-owning and valid for the call only.
struct AuditInput {
  const Request* request = nullptr;    // never null; path is the full path ("secret/data/x")
  const Response* response = nullptr;  // null for request entries and failed requests
  // The caller's token as Core resolved it; null for unauthenticated requests or when the
  // token was refused (the entry then still carries request->client_token, hashed).
  const TokenInfo* token = nullptr;
  std::string error;  // the error text returned to the client, "" on success
  std::chrono::system_clock::time_point time;
  // Seconds the token has left / its TTL when known (Vault's auth.token_ttl), 0 otherwise.
  int64_t token_ttl = 0;
  int64_t token_issue_time = 0;  // unix seconds, 0 when unknown
  int64_t remaining_uses = 0;
};

// What `sys/audit/<path>` was enabled with.
struct AuditDeviceConfig {
  std::string path;  // "file/" (always with a trailing slash)
  std::string type;  // "file", "syslog", "socket"
  std::string description;
  // Every option as a string, as Vault passes them: file_path, mode, format, prefix,
  // log_raw, hmac_accessor, elide_list_responses, facility, tag, address, socket_type, ...
  std::map<std::string, std::string> options;
  bool local = false;
  // This device's HMAC key (32 random bytes generated when the device is first enabled and
  // kept in the barrier by Core). Never written anywhere by the device.
  const SecretBytes* salt = nullptr;
};

class AuditDevice {
 public:
  virtual ~AuditDevice() = default;

  // Formats and writes one entry. Not ok when the entry could not be written completely
  // (the broker then refuses the request if no other device wrote it).
  virtual Status LogRequest(const AuditInput& in) = 0;
  virtual Status LogResponse(const AuditInput& in) = 0;

  // "hmac-sha256:<hex>" of `input` with this device's salt (sys/audit-hash/<path>).
  virtual std::string Hash(std::string_view input) const = 0;

  // SIGHUP: reopen the file (after log rotation), reconnect a socket. Ok if nothing to do.
  virtual Status Reload() = 0;
};

// Builds a device from its configuration; invalid options give InvalidArgument with a
// message naming the option (returned to the client as 400).
using AuditFactory =
    std::function<Result<std::unique_ptr<AuditDevice>>(const AuditDeviceConfig& config)>;

}  // namespace coffer::core
