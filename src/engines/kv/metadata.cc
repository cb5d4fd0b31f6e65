#include "engines/kv/metadata.h"

#include <algorithm>

#include "base/duration.h"

namespace coffer::engines::kv {

namespace {

constexpr int kFormatVersion = 1;
constexpr size_t kMaxCustomMetadataKeys = 64;
constexpr size_t kMaxCustomMetadataKeyLength = 128;
constexpr size_t kMaxCustomMetadataValueLength = 512;
constexpr const char* kCustomMetadataPrefix = "custom_metadata validation failed";

int64_t ToNanos(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

TimePoint FromNanos(int64_t ns) {
  return TimePoint(std::chrono::duration_cast<TimePoint::duration>(std::chrono::nanoseconds(ns)));
}

// Go's strutil.Printable, bytewise: no ASCII control characters.
bool Printable(std::string_view s) {
  return std::none_of(s.begin(), s.end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7f;
  });
}

// Go's %q for the ASCII strings these messages quote.
std::string Quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

// hashicorp/go-multierror's rendering, which clients see verbatim.
std::string MultiError(const std::vector<std::string>& errs) {
  std::string out = std::to_string(errs.size()) +
                    (errs.size() == 1 ? " error occurred:\n" : " errors occurred:\n");
  for (const auto& e : errs) out += "\t* " + e + "\n";
  return out + "\n";
}

Result<int64_t> GetInt(const Json& j, const char* name) {
  if (!j.contains(name)) return 0;
  if (!j[name].is_number_integer()) return Err(Corruption(std::string("kv: bad field ") + name));
  return j[name].get<int64_t>();
}

}  // namespace

std::string KvConfig::Serialize() const {
  Json j = {{"v", kFormatVersion},
            {"max_versions", max_versions},
            {"cas_required", cas_required},
            {"delete_version_after", delete_version_after.count()}};
  return j.dump();
}

Result<KvConfig> KvConfig::Parse(std::string_view stored) {
  auto j = ParseJson(stored);
  if (!j || !j->is_object()) return Err(Corruption("kv: unreadable mount config"));
  KvConfig c;
  COFFER_ASSIGN_OR_RETURN(int64_t max_versions, GetInt(*j, "max_versions"));
  COFFER_ASSIGN_OR_RETURN(int64_t dva, GetInt(*j, "delete_version_after"));
  c.max_versions = static_cast<uint32_t>(max_versions);
  c.cas_required = j->value("cas_required", false);
  c.delete_version_after = std::chrono::seconds(dva);
  return c;
}

Json VersionMetadata::ToJson() const {
  return {{"created_time", TimeString(created_time)},
          {"deletion_time", TimeString(deletion_time)},
          {"destroyed", destroyed}};
}

const VersionMetadata* KeyMetadata::Find(uint64_t version) const {
  auto it = versions.find(version);
  return it == versions.end() ? nullptr : &it->second;
}

VersionMetadata* KeyMetadata::Find(uint64_t version) {
  auto it = versions.find(version);
  return it == versions.end() ? nullptr : &it->second;
}

std::vector<uint64_t> KeyMetadata::AddVersion(TimePoint created, std::optional<TimePoint> deletion,
                                              uint32_t config_max_versions) {
  ++current_version;
  versions[current_version] = VersionMetadata{created, deletion, false};
  updated_time = created;
  if (created_time == TimePoint()) created_time = created;

  uint32_t keep = std::max(max_versions, config_max_versions);
  if (keep == 0) keep = kDefaultMaxVersions;
  std::vector<uint64_t> pruned;
  if (current_version - oldest_version < keep) return pruned;
  uint64_t last_to_delete = current_version - keep;
  for (uint64_t v = oldest_version; v <= last_to_delete; ++v) {
    if (versions.erase(v) > 0) pruned.push_back(v);
  }
  oldest_version = last_to_delete + 1;
  return pruned;
}

Json KeyMetadata::CustomMetadataJson() const {
  if (custom_metadata.empty()) return nullptr;
  Json out = Json::object();
  for (const auto& [k, v] : custom_metadata) out[k] = v;
  return out;
}

Json KeyMetadata::ToJson() const {
  Json vs = Json::object();
  for (const auto& [n, v] : versions) vs[std::to_string(n)] = v.ToJson();
  return {{"versions", vs},
          {"current_version", current_version},
          {"oldest_version", oldest_version},
          {"created_time", TimeString(created_time)},
          {"updated_time", TimeString(updated_time)},
          {"max_versions", max_versions},
          {"cas_required", cas_required},
          {"delete_version_after", FormatDuration(delete_version_after)},
          {"custom_metadata", CustomMetadataJson()}};
}

std::string KeyMetadata::Serialize() const {
  Json vs = Json::object();
  for (const auto& [n, v] : versions) {
    Json e = {{"created", ToNanos(v.created_time)}, {"destroyed", v.destroyed}};
    if (v.deletion_time) e["deleted"] = ToNanos(*v.deletion_time);
    vs[std::to_string(n)] = e;
  }
  Json j = {{"v", kFormatVersion},
            {"key", key},
            {"versions", vs},
            {"current_version", current_version},
            {"oldest_version", oldest_version},
            {"max_versions", max_versions},
            {"cas_required", cas_required},
            {"delete_version_after", delete_version_after.count()},
            {"custom_metadata", custom_metadata},
            {"created", ToNanos(created_time)},
            {"updated", ToNanos(updated_time)}};
  return j.dump();
}

Result<KeyMetadata> KeyMetadata::Parse(std::string_view stored) {
  auto parsed = ParseJson(stored);
  if (!parsed || !parsed->is_object()) return Err(Corruption("kv: unreadable key metadata"));
  const Json& j = *parsed;
  KeyMetadata m;
  try {
    m.key = j.at("key").get<std::string>();
    for (const auto& [n, e] : j.at("versions").items()) {
      VersionMetadata v;
      v.created_time = FromNanos(e.at("created").get<int64_t>());
      if (e.contains("deleted")) v.deletion_time = FromNanos(e["deleted"].get<int64_t>());
      v.destroyed = e.value("destroyed", false);
      m.versions[std::stoull(n)] = v;
    }
    m.current_version = j.at("current_version").get<uint64_t>();
    m.oldest_version = j.at("oldest_version").get<uint64_t>();
    m.max_versions = j.at("max_versions").get<uint32_t>();
    m.cas_required = j.at("cas_required").get<bool>();
    m.delete_version_after = std::chrono::seconds(j.at("delete_version_after").get<int64_t>());
    m.custom_metadata = j.at("custom_metadata").get<std::map<std::string, std::string>>();
    m.created_time = FromNanos(j.at("created").get<int64_t>());
    m.updated_time = FromNanos(j.at("updated").get<int64_t>());
  } catch (const std::exception& e) {
    return Err(Corruption(std::string("kv: bad key metadata: ") + e.what()));
  }
  return m;
}

std::optional<TimePoint> ScheduledDeletion(TimePoint created, const KvConfig& config,
                                           const KeyMetadata& meta) {
  if (config.DeleteVersionAfterDisabled()) return std::nullopt;
  auto mount = config.delete_version_after;
  auto key = meta.delete_version_after;
  if (mount.count() <= 0 && key.count() <= 0) return std::nullopt;
  std::chrono::seconds after = key;
  if ((mount.count() > 0 && mount < after) || after.count() <= 0) after = mount;
  return created + after;
}

std::string TimeString(const std::optional<TimePoint>& t) {
  if (!t || *t == TimePoint()) return "";
  return FormatTime(*t);
}

Result<std::map<std::string, std::string>> ParseCustomMetadata(const Json& raw, bool drop_nulls) {
  std::map<std::string, std::string> out;
  if (raw.is_null()) return out;
  if (!raw.is_object()) return Err(InvalidArgument("custom_metadata must be a map"));
  for (const auto& [k, v] : raw.items()) {
    if (v.is_null()) {
      if (!drop_nulls) out[k] = "";
      continue;
    }
    if (v.is_string())
      out[k] = v.get<std::string>();
    else if (v.is_number() || v.is_boolean())
      out[k] = v.is_boolean() ? (v.get<bool>() ? "1" : "0") : v.dump();
    else
      return Err(InvalidArgument(std::string(kCustomMetadataPrefix) + ": value for key " +
                                 Quote(k) + " must be a string"));
  }
  return out;
}

Status ValidateCustomMetadata(const std::map<std::string, std::string>& custom_metadata) {
  const std::string prefix = kCustomMetadataPrefix;
  if (custom_metadata.size() > kMaxCustomMetadataKeys) {
    return InvalidArgument(MultiError({prefix + ": payload must contain at most " +
                                       std::to_string(kMaxCustomMetadataKeys) + " keys, provided " +
                                       std::to_string(custom_metadata.size())}));
  }
  std::vector<std::string> errs;
  for (const auto& [k, v] : custom_metadata) {
    if (k.empty() || k.size() > kMaxCustomMetadataKeyLength)
      errs.push_back(prefix + ": length of key " + Quote(k) + " is " + std::to_string(k.size()) +
                     " but must be 0 < len(key) <= " + std::to_string(kMaxCustomMetadataKeyLength));
    if (v.empty() || v.size() > kMaxCustomMetadataValueLength)
      errs.push_back(
          prefix + ": length of value for key " + Quote(k) + " is " + std::to_string(v.size()) +
          " but must be 0 < len(value) <= " + std::to_string(kMaxCustomMetadataValueLength));
    if (!Printable(k))
      errs.push_back(prefix + ": key " + Quote(k) + " contains unprintable characters");
    if (!Printable(v))
      errs.push_back(prefix + ": value for key " + Quote(k) + " contains unprintable characters");
  }
  if (errs.empty()) return Status::Ok();
  return InvalidArgument(MultiError(errs));
}

Result<std::chrono::seconds> ParseSignedDuration(const Json& raw) {
  if (raw.is_number_integer()) return std::chrono::seconds(raw.get<int64_t>());
  if (raw.is_number_float()) return std::chrono::seconds(static_cast<int64_t>(raw.get<double>()));
  if (!raw.is_string()) return Err(InvalidArgument("expected a duration"));
  std::string s = raw.get<std::string>();
  bool negative = !s.empty() && s[0] == '-';
  COFFER_ASSIGN_OR_RETURN(auto d, ParseDuration(negative ? s.substr(1) : s));
  return negative ? -d : d;
}

}  // namespace coffer::engines::kv
