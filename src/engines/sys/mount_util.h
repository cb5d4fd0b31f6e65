#pragma once
// Helpers shared by sys/mounts, sys/auth and sys/remount: path normalisation, the
// "config" object of an enable request (Vault's APIMountConfig), the API view of a mount
// entry, effective TTLs and the path-conflict rule. Error messages are Vault's.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/json.h"
#include "base/status.h"
#include "core/mount_table.h"

namespace coffer::core {
class CoreImpl;
}

namespace coffer::engines::sys {

// obj[key] as a string: "" when absent or null, numbers and booleans as their JSON text.
// Never throws.
std::string JsonString(const Json& obj, const char* key);

// Vault's sanitizePath: drops one leading '/', appends a trailing '/' when missing.
std::string SanitizeMountPath(std::string path);

// "auth/userpass/" -> "userpass/": auth entries as sys/auth names them.
std::string StripAuthPrefix(const std::string& path);

bool HasAnyPrefix(std::string_view path, const std::vector<std::string_view>& prefixes);

// Secrets mount paths that cannot be mounted, unmounted or remounted (Vault's
// protectedMounts), and those that cannot be tuned (untunableMounts).
const std::vector<std::string_view>& ProtectedMounts();
const std::vector<std::string_view>& UntunableMounts();

// Parses an enable request's "config" (a JSON object; null or {} for none). `auth`
// enables token_type (default "default-service"). Comma-separated strings are accepted
// for the list-valued keys, numbers or duration strings for TTLs.
Result<core::MountConfig> ParseMountConfig(const Json& config, bool auth,
                                           std::chrono::seconds system_max_ttl);

// "" | "hidden" | "unauth", else InvalidArgument("invalid listing_visibility X").
Status CheckListingVisibility(const std::string& visibility);

// "", "default-service", "default-batch", "service", "batch" (auth mounts).
Result<std::string> NormalizeTokenType(const std::string& token_type);

// The entry as sys/mounts, sys/auth and sys/internal/ui/mounts show it.
Json MountInfo(const core::MountEntry& entry);

// A mount's TTLs as its SystemView reports them: its own where set, else the system's.
struct EffectiveTtls {
  std::chrono::seconds default_ttl{0};
  std::chrono::seconds max_ttl{0};
};
EffectiveTtls MountTtls(const core::CoreImpl& core, const core::MountConfig& config);

// The first entry whose path is a prefix of `path` or has `path` as a prefix.
std::optional<core::MountEntry> FindConflict(const std::vector<core::MountEntry>& entries,
                                             const std::string& path);

// The mount entry serving `path` (longest prefix over both tables), if any.
std::optional<core::MountEntry> MatchingMountEntry(const core::CoreImpl& core,
                                                   const std::string& path);

}  // namespace coffer::engines::sys
