#include "engines/kv/layout.h"

#include "crypto/hash.h"
#include "storage/backend.h"

namespace coffer::engines::kv {

std::string MetadataKey(std::string_view key) {
  return std::string(kMetadataPrefix) + std::string(key);
}

std::string VersionFolder(std::string_view key) {
  return std::string(kVersionsPrefix) + crypto::HexEncode(crypto::Sha256(key)) + "/";
}

std::string VersionKey(std::string_view key, uint64_t version) {
  return VersionFolder(key) + std::to_string(version);
}

Result<KvConfig> LoadConfig(storage::Backend& s) {
  COFFER_ASSIGN_OR_RETURN(auto raw, s.Get(kConfigKey));
  if (!raw) return KvConfig{};
  return KvConfig::Parse(*raw);
}

Result<std::optional<KeyMetadata>> LoadMetadata(storage::Backend& s, std::string_view key) {
  COFFER_ASSIGN_OR_RETURN(auto raw, s.Get(MetadataKey(key)));
  if (!raw) return std::optional<KeyMetadata>();
  COFFER_ASSIGN_OR_RETURN(KeyMetadata meta, KeyMetadata::Parse(*raw));
  return std::optional<KeyMetadata>(std::move(meta));
}

std::string SerializeVersion(const Json& data, TimePoint created) {
  auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(created.time_since_epoch());
  Json j = {{"v", 1}, {"created", ns.count()}, {"data", data}};
  return j.dump();
}

Result<Json> LoadVersionData(storage::Backend& s, std::string_view key, uint64_t version) {
  COFFER_ASSIGN_OR_RETURN(auto raw, s.Get(VersionKey(key, version)));
  if (!raw) return Err(Internal("could not find version data"));
  auto j = ParseJson(*raw);
  if (!j || !j->is_object() || !j->contains("data") || !(*j)["data"].is_object())
    return Err(Corruption("kv: unreadable version data"));
  return std::move((*j)["data"]);
}

}  // namespace coffer::engines::kv
