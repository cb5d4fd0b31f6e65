#pragma once
// Builds the JSON value of one audit entry (before serialisation). Internal to audit/;
// format.h is the interface devices use.

#include <chrono>
#include <functional>
#include <string>

#include "base/json.h"
#include "core/audit.h"

namespace coffer::audit {

struct FormatOptions;

namespace internal {

// Go's time.RFC3339Nano in UTC: "2026-12-05T10:00:16.123456789Z", trailing zeros of the
// fraction dropped (and the dot when the fraction is zero).
std::string FormatRfc3339Nano(std::chrono::system_clock::time_point t);

// "2026-12-05T10:00:16Z" (Go's RFC3339 in UTC, whole seconds).
std::string FormatRfc3339Seconds(int64_t unix_seconds);

// remote_addr as http/ gives it ("ip", "ip:port" or "[v6]:port"); port 0 when absent.
struct RemoteAddress {
  std::string host;
  int64_t port = 0;
};
RemoteAddress SplitRemoteAddress(const std::string& remote);

// `hash` maps a plaintext string to what the entry holds.
using Hasher = std::function<std::string(const std::string&)>;

// entry_writer.cc: the entry as one JSON object appended to `out` ("time" first, then the
// members in name order; omitempty), every secret through `hash`.
void WriteEntry(std::string& out, const core::AuditInput& in, bool response_entry,
                const FormatOptions& options, const Hasher& hash);

// Vault's JSONx rendering of a JSON object (jefferai/jsonx EncodeJSONBytes): the object's
// members as <json:TYPE name="..."> elements sorted by name, without the XML header or a
// root element. Names and string values are XML-escaped.
std::string ToJsonx(const Json& object);

}  // namespace internal
}  // namespace coffer::audit
