#pragma once
// Where a versioned (v2) K/V mount keeps its records in the mount's storage view
// (docs/formats/kv-v2.md):
//
//   config                          KvConfig
//   metadata/<key>                  KeyMetadata (so LIST metadata/<folder>/ lists keys)
//   versions/<hex sha256(key)>/<n>  one version's data
//
// A version's data and its key's metadata always change in one storage Batch.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "base/json.h"
#include "base/status.h"
#include "engines/kv/metadata.h"

namespace coffer::storage {
class Backend;
}

namespace coffer::engines::kv {

inline constexpr std::string_view kConfigKey = "config";
inline constexpr std::string_view kMetadataPrefix = "metadata/";
inline constexpr std::string_view kVersionsPrefix = "versions/";

std::string MetadataKey(std::string_view key);
// The folder holding every version of `key`: "versions/<hex sha256(key)>/".
std::string VersionFolder(std::string_view key);
std::string VersionKey(std::string_view key, uint64_t version);

// The mount config; defaults when never written.
Result<KvConfig> LoadConfig(storage::Backend& s);
// The key's metadata; nullopt when the key does not exist.
Result<std::optional<KeyMetadata>> LoadMetadata(storage::Backend& s, std::string_view key);

// One stored version: the data object and when it was written.
std::string SerializeVersion(const Json& data, TimePoint created);
// The data object of `version`; Internal when metadata lists it but the data is missing.
Result<Json> LoadVersionData(storage::Backend& s, std::string_view key, uint64_t version);

}  // namespace coffer::engines::kv
