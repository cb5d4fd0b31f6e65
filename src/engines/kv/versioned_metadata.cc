// VersionedBackend: metadata/<path>, delete/<path>, undelete/<path>, destroy/<path>.

#include <mutex>

#include "engines/kv/layout.h"
#include "engines/kv/util.h"
#include "engines/kv/versioned.h"
#include "storage/backend.h"

namespace coffer::engines::kv {

namespace {

constexpr const char* kCasMandatedWarning =
    "\"cas_required\" set to false, but is mandated by backend config. This value will be "
    "ignored.";

Result<uint32_t> MaxVersionsField(const Json& v) {
  int64_t n = v.get<int64_t>();
  if (n < 0 || n > static_cast<int64_t>(UINT32_MAX))
    return Err(InvalidArgument("max_versions must be between 0 and 4294967295"));
  return static_cast<uint32_t>(n);
}

// custom_metadata from the request, parsed and checked against Vault's limits.
Result<std::map<std::string, std::string>> CustomMetadataField(const framework::FieldData& d,
                                                               bool drop_nulls) {
  auto parsed = ParseCustomMetadata(d.raw().at("custom_metadata"), drop_nulls);
  if (!parsed) return Err(parsed.error());
  COFFER_RETURN_IF_ERROR(ValidateCustomMetadata(*parsed));
  return parsed;
}

std::vector<std::string> CasWarnings(const framework::FieldData& d, const KvConfig& config) {
  auto cas = d.GetOk("cas_required");
  if (cas && config.cas_required && !cas->get<bool>()) return {kCasMandatedWarning};
  return {};
}

core::Response WarningsOnly(std::vector<std::string> warnings) {
  core::Response r;
  r.warnings = std::move(warnings);
  return r;
}

}  // namespace

Result<core::Response> VersionedBackend::ReadMetadata(Request& req, FieldData& d) {
  COFFER_ASSIGN_OR_RETURN(auto meta, LoadMetadata(*req.storage, d.GetString("path")));
  if (!meta) return NoResponse();
  return Response::WithData(meta->ToJson());
}

Result<core::Response> VersionedBackend::ListMetadata(Request& req, FieldData& d) {
  COFFER_ASSIGN_OR_RETURN(auto keys, req.storage->List(MetadataKey(AsFolder(d.GetString("path")))));
  return Response::ListResponse(std::move(keys));
}

Result<core::Response> VersionedBackend::WriteMetadata(Request& req, FieldData& d) {
  const std::string key = d.GetString("path");
  if (key.empty()) return Err(InvalidArgument("missing path"));
  auto max_versions = d.GetOk("max_versions");
  auto cas_required = d.GetOk("cas_required");
  auto dva = d.GetOk("delete_version_after");
  if (!max_versions && !cas_required && !dva && !d.Has("custom_metadata")) return Response();
  std::optional<std::map<std::string, std::string>> custom;
  if (d.Has("custom_metadata")) {
    COFFER_ASSIGN_OR_RETURN(custom, CustomMetadataField(d, /*drop_nulls=*/false));
  }
  std::optional<uint32_t> max;
  if (max_versions) {
    COFFER_ASSIGN_OR_RETURN(max, MaxVersionsField(*max_versions));
  }
  COFFER_ASSIGN_OR_RETURN(KvConfig config, LoadConfig(*req.storage));

  std::unique_lock lock(locks_.For(key));
  COFFER_ASSIGN_OR_RETURN(auto loaded, LoadMetadata(*req.storage, key));
  KeyMetadata meta;
  if (loaded) {
    meta = std::move(*loaded);
  } else {
    meta.key = key;
    meta.created_time = meta.updated_time = clock_->Now();
  }
  if (max) meta.max_versions = *max;
  if (cas_required) meta.cas_required = cas_required->get<bool>();
  if (dva) meta.delete_version_after = std::chrono::seconds(dva->get<int64_t>());
  if (custom) meta.custom_metadata = std::move(*custom);
  COFFER_RETURN_IF_ERROR(req.storage->Put(MetadataKey(key), meta.Serialize()));
  return WarningsOnly(CasWarnings(d, config));
}

Result<core::Response> VersionedBackend::PatchMetadata(Request& req, FieldData& d) {
  const std::string key = d.GetString("path");
  if (key.empty()) return Err(InvalidArgument("missing path"));
  std::optional<std::map<std::string, std::string>> custom_set;
  if (d.Has("custom_metadata")) {
    COFFER_ASSIGN_OR_RETURN(custom_set, CustomMetadataField(d, /*drop_nulls=*/true));
  }
  std::optional<uint32_t> max;
  if (auto mv = d.GetOk("max_versions")) {
    COFFER_ASSIGN_OR_RETURN(max, MaxVersionsField(*mv));
  }
  COFFER_ASSIGN_OR_RETURN(KvConfig config, LoadConfig(*req.storage));

  std::unique_lock lock(locks_.For(key));
  COFFER_ASSIGN_OR_RETURN(auto meta, LoadMetadata(*req.storage, key));
  if (!meta) return NoResponse();
  if (max) meta->max_versions = *max;
  if (auto cas = d.GetOk("cas_required")) meta->cas_required = cas->get<bool>();
  if (auto dva = d.GetOk("delete_version_after"))
    meta->delete_version_after = std::chrono::seconds(dva->get<int64_t>());
  if (custom_set) {
    // A JSON merge patch of the map: null removes a key, a value sets it.
    const Json& raw = d.raw().at("custom_metadata");
    if (raw.is_object()) {
      for (const auto& [k, v] : raw.items())
        if (v.is_null()) meta->custom_metadata.erase(k);
    }
    for (auto& [k, v] : *custom_set) meta->custom_metadata[k] = v;
    COFFER_RETURN_IF_ERROR(ValidateCustomMetadata(meta->custom_metadata));
  }
  COFFER_RETURN_IF_ERROR(req.storage->Put(MetadataKey(key), meta->Serialize()));
  return WarningsOnly(CasWarnings(d, config));
}

Result<core::Response> VersionedBackend::DeleteMetadata(Request& req, FieldData& d) {
  const std::string key = d.GetString("path");
  std::unique_lock lock(locks_.For(key));
  COFFER_ASSIGN_OR_RETURN(auto meta, LoadMetadata(*req.storage, key));
  if (!meta) return Response();
  // Every stored version of the key, whatever the map says, and the metadata: one batch.
  const std::string folder = VersionFolder(key);
  COFFER_ASSIGN_OR_RETURN(auto stored, req.storage->List(folder));
  std::vector<storage::Op> ops;
  for (const auto& name : stored) ops.push_back(storage::Op::Delete(folder + name));
  ops.push_back(storage::Op::Delete(MetadataKey(key)));
  COFFER_RETURN_IF_ERROR(req.storage->Batch(ops));
  return Response();
}

Result<core::Response> VersionedBackend::DeleteVersions(Request& req, FieldData& d) {
  const std::string key = d.GetString("path");
  COFFER_ASSIGN_OR_RETURN(auto versions, ParseVersionList(d.Get("versions")));
  if (versions.empty()) return Err(InvalidArgument("No version number provided"));
  std::unique_lock lock(locks_.For(key));
  COFFER_ASSIGN_OR_RETURN(auto meta, LoadMetadata(*req.storage, key));
  if (!meta) return Response();
  const TimePoint now = clock_->Now();
  for (uint64_t v : versions) {
    VersionMetadata* vm = meta->Find(v);
    if (vm == nullptr || vm->destroyed || vm->DeletedAt(now)) continue;
    vm->deletion_time = now;
  }
  COFFER_RETURN_IF_ERROR(req.storage->Put(MetadataKey(key), meta->Serialize()));
  return Response();
}

Result<core::Response> VersionedBackend::UndeleteVersions(Request& req, FieldData& d) {
  const std::string key = d.GetString("path");
  COFFER_ASSIGN_OR_RETURN(auto versions, ParseVersionList(d.Get("versions")));
  if (versions.empty()) return Err(InvalidArgument("No version number provided"));
  COFFER_ASSIGN_OR_RETURN(KvConfig config, LoadConfig(*req.storage));
  std::unique_lock lock(locks_.For(key));
  COFFER_ASSIGN_OR_RETURN(auto meta, LoadMetadata(*req.storage, key));
  if (!meta) return Response();
  const TimePoint now = clock_->Now();
  for (uint64_t v : versions) {
    VersionMetadata* vm = meta->Find(v);
    if (vm == nullptr || vm->destroyed) continue;
    // Restored, and rescheduled for deletion if delete_version_after applies.
    vm->deletion_time = ScheduledDeletion(now, config, *meta);
  }
  COFFER_RETURN_IF_ERROR(req.storage->Put(MetadataKey(key), meta->Serialize()));
  return Response();
}

Result<core::Response> VersionedBackend::DestroyVersions(Request& req, FieldData& d) {
  const std::string key = d.GetString("path");
  COFFER_ASSIGN_OR_RETURN(auto versions, ParseVersionList(d.Get("versions")));
  if (versions.empty()) return Err(InvalidArgument("no version number provided"));
  std::unique_lock lock(locks_.For(key));
  COFFER_ASSIGN_OR_RETURN(auto meta, LoadMetadata(*req.storage, key));
  if (!meta) return Response();
  std::vector<storage::Op> ops;
  for (uint64_t v : versions) {
    if (VersionMetadata* vm = meta->Find(v)) vm->destroyed = true;
    ops.push_back(storage::Op::Delete(VersionKey(key, v)));
  }
  // The flag and the data removal land together.
  ops.push_back(storage::Op::Put(MetadataKey(key), meta->Serialize()));
  COFFER_RETURN_IF_ERROR(req.storage->Batch(ops));
  return Response();
}

}  // namespace coffer::engines::kv
