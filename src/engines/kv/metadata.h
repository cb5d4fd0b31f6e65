#pragma once
// The records of a versioned (v2) K/V mount: the mount configuration, each key's metadata
// with its version map, and the rules Vault applies to them (max_versions pruning,
// delete_version_after, custom_metadata limits). Pure values: no storage, no locking.
// The stored JSON shapes are documented in docs/formats/kv-v2.md.

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/json.h"
#include "base/status.h"

namespace coffer::engines::kv {

// Versions kept per key when neither the mount nor the key sets max_versions.
inline constexpr uint32_t kDefaultMaxVersions = 10;

// Mount-wide settings (the "config" path).
struct KvConfig {
  uint32_t max_versions = 0;  // 0: unset
  bool cas_required = false;
  // 0: unset; negative: delete_version_after is disabled for every key of the mount.
  std::chrono::seconds delete_version_after{0};

  bool DeleteVersionAfterDisabled() const { return delete_version_after.count() < 0; }
  std::string Serialize() const;
  static Result<KvConfig> Parse(std::string_view stored);
};

struct VersionMetadata {
  TimePoint created_time;
  std::optional<TimePoint> deletion_time;  // soft delete, possibly scheduled in the future
  bool destroyed = false;

  // Soft-deleted as of `now`: a deletion time at or before it.
  bool DeletedAt(TimePoint now) const { return deletion_time && *deletion_time <= now; }
  // {"created_time", "deletion_time" ("" when none), "destroyed"} as Vault prints them.
  Json ToJson() const;
};

struct KeyMetadata {
  std::string key;
  std::map<uint64_t, VersionMetadata> versions;  // the versions still kept
  uint64_t current_version = 0;
  uint64_t oldest_version = 0;
  uint32_t max_versions = 0;  // 0: unset
  bool cas_required = false;
  std::chrono::seconds delete_version_after{0};  // 0: unset
  std::map<std::string, std::string> custom_metadata;
  TimePoint created_time;
  TimePoint updated_time;

  const VersionMetadata* Find(uint64_t version) const;
  VersionMetadata* Find(uint64_t version);

  // Appends version current_version + 1 and slides the window of kept versions: the
  // larger of the key's and the mount's max_versions (kDefaultMaxVersions when both are
  // unset), as Vault does. Returns the version numbers dropped from the map, whose data
  // the caller must delete in the same batch.
  std::vector<uint64_t> AddVersion(TimePoint created, std::optional<TimePoint> deletion,
                                   uint32_t config_max_versions);

  // custom_metadata as Vault returns it: null when empty.
  Json CustomMetadataJson() const;
  // The metadata/<path> read response.
  Json ToJson() const;

  std::string Serialize() const;
  static Result<KeyMetadata> Parse(std::string_view stored);
};

// When a version created at `created` is to be soft-deleted: created plus the smaller of
// the mount's and the key's non-zero delete_version_after; nullopt when neither applies
// or the mount disabled the feature.
std::optional<TimePoint> ScheduledDeletion(TimePoint created, const KvConfig& config,
                                           const KeyMetadata& meta);

// RFC 3339 with nanoseconds, or "" for no time.
std::string TimeString(const std::optional<TimePoint>& t);

// Converts a request's custom_metadata object to strings (numbers and booleans are
// stringified like Go's weak decoding). With `drop_nulls`, null values are skipped (a
// PATCH uses null to remove a key); otherwise a null becomes "".
Result<std::map<std::string, std::string>> ParseCustomMetadata(const Json& raw, bool drop_nulls);

// Vault's limits: at most 64 keys; each key 1..128 bytes, each value 1..512 bytes, both
// printable. The error lists every violation, prefixed "custom_metadata validation failed".
Status ValidateCustomMetadata(const std::map<std::string, std::string>& custom_metadata);

// A signed duration ("-1s", "1h", 3600, "-5"): the mount config's delete_version_after.
Result<std::chrono::seconds> ParseSignedDuration(const Json& raw);

}  // namespace coffer::engines::kv
