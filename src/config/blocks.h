#pragma once
// Internal to config/: parsing of the config's blocks, and value checks shared by parsing
// (which reports the key's line) and Validate (which reports the block's source).

#include <optional>
#include <string>
#include <string_view>

#include "config/config.h"
#include "config/section.h"

namespace coffer::config::internal {

// `kind` is the block name as written: "storage", "ha_storage" or "backend".
Status ParseStorage(const SourceFile& file, const Block& block, std::string_view kind,
                    Storage* out);
Status ParseListener(const SourceFile& file, const Block& block, Listener* out);
Status ParseSeal(const SourceFile& file, const Block& block, Seal* out);
Status ParseServiceRegistration(const SourceFile& file, const Block& block,
                                ServiceRegistration* out);
// Resets *out to a present telemetry block with Vault's in-block defaults, then reads it.
Status ParseTelemetry(const SourceFile& file, const Block& block, Telemetry* out);

// Each returns an error message for a bad value, or nullopt when the value is fine.
std::optional<std::string> CheckTlsVersion(std::string_view v);
std::optional<std::string> CheckLogLevel(std::string_view v);
std::optional<std::string> CheckLogFormat(std::string_view v);
std::optional<std::string> CheckProxyProtocolBehavior(std::string_view v);
// Numeric order of "tls10".."tls13" (0..3); -1 if unknown.
int TlsVersionRank(std::string_view v);

}  // namespace coffer::config::internal
