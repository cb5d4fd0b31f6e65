// VersionedBackend: data/<path> and subkeys/<path>.

#include <mutex>
#include <shared_mutex>

#include "engines/kv/layout.h"
#include "engines/kv/util.h"
#include "engines/kv/versioned.h"
#include "storage/backend.h"

namespace coffer::engines::kv {

namespace {

// The per-version block Vault returns from data reads and writes.
Json VersionJson(const KeyMetadata& meta, uint64_t version, const VersionMetadata& vm) {
  Json j = vm.ToJson();
  j["version"] = version;
  j["custom_metadata"] = meta.CustomMetadataJson();
  return j;
}

// Vault's validateCheckAndSetOption: options.cas must equal current_version when given,
// and must be given when the mount or the key requires it.
Status CheckCas(const framework::FieldData& d, const KvConfig& config, const KeyMetadata& meta) {
  Json options = d.Get("options");
  if (options.is_object() && options.contains("cas")) {
    auto cas = JsonToInt(options["cas"]);
    if (!cas || *cas < 0) return InvalidArgument("error parsing check-and-set parameter");
    if (static_cast<uint64_t>(*cas) != meta.current_version)
      return InvalidArgument("check-and-set parameter did not match the current version");
    return Status::Ok();
  }
  if (config.cas_required || meta.cas_required)
    return InvalidArgument("check-and-set parameter required for this call");
  return Status::Ok();
}

// Replaces every leaf of `data` with null, keeping nested objects up to `max_depth` levels
// (deeper objects become null too), as Vault's subkeys endpoint does.
void RemoveValues(Json& data, int depth, int max_depth) {
  for (auto& [k, v] : data.items()) {
    (void)k;
    if (v.is_object() && !v.empty() && depth + 1 <= max_depth)
      RemoveValues(v, depth + 1, max_depth);
    else
      v = nullptr;
  }
}

constexpr int kMaxSubkeysDepth = 100;

}  // namespace

Result<bool> VersionedBackend::KeyExists(Request& req, FieldData& d) {
  COFFER_ASSIGN_OR_RETURN(auto meta, LoadMetadata(*req.storage, d.GetString("path")));
  return meta.has_value();
}

Result<core::Response> VersionedBackend::ReadData(Request& req, FieldData& d) {
  const std::string key = d.GetString("path");
  COFFER_ASSIGN_OR_RETURN(int64_t version_param, IntParam(req, d, "version"));
  std::shared_lock lock(locks_.For(key));
  COFFER_ASSIGN_OR_RETURN(auto meta, LoadMetadata(*req.storage, key));
  if (!meta) return NoResponse();
  uint64_t version =
      version_param > 0 ? static_cast<uint64_t>(version_param) : meta->current_version;
  const VersionMetadata* vm = meta->Find(version);
  if (vm == nullptr) return NoResponse();
  Json out = {{"data", nullptr}, {"metadata", VersionJson(*meta, version, *vm)}};
  // A deleted or destroyed version: 404, but with its metadata, as Vault answers.
  if (vm->DeletedAt(clock_->Now()) || vm->destroyed) return WithStatus(404, std::move(out));
  COFFER_ASSIGN_OR_RETURN(out["data"], LoadVersionData(*req.storage, key, version));
  return Response::WithData(std::move(out));
}

Result<core::Response> VersionedBackend::WriteData(Request& req, FieldData& d) {
  const std::string key = d.GetString("path");
  if (key.empty()) return Err(InvalidArgument("missing path"));
  auto data = d.GetOk("data");
  if (!data) return Err(InvalidArgument("no data provided"));
  COFFER_ASSIGN_OR_RETURN(KvConfig config, LoadConfig(*req.storage));

  std::unique_lock lock(locks_.For(key));
  COFFER_ASSIGN_OR_RETURN(auto loaded, LoadMetadata(*req.storage, key));
  KeyMetadata meta;
  if (loaded) {
    meta = std::move(*loaded);
  } else {
    meta.key = key;
  }
  COFFER_RETURN_IF_ERROR(CheckCas(d, config, meta));
  return CommitVersion(req, config, meta, std::move(*data));
}

Result<core::Response> VersionedBackend::PatchData(Request& req, FieldData& d) {
  const std::string key = d.GetString("path");
  if (!d.Has("data")) return Err(InvalidArgument("no data provided"));
  const Json& patch = d.raw().at("data");
  if (!patch.is_object()) return Err(InvalidArgument("no data provided"));

  std::unique_lock lock(locks_.For(key));
  COFFER_ASSIGN_OR_RETURN(auto meta, LoadMetadata(*req.storage, key));
  if (!meta) return NoResponse();
  COFFER_ASSIGN_OR_RETURN(KvConfig config, LoadConfig(*req.storage));
  COFFER_RETURN_IF_ERROR(CheckCas(d, config, *meta));
  const uint64_t current = meta->current_version;
  const VersionMetadata* vm = meta->Find(current);
  if (vm == nullptr) return NoResponse();
  if (vm->DeletedAt(clock_->Now()) || vm->destroyed)
    return WithStatus(404, VersionJson(*meta, current, *vm));

  COFFER_ASSIGN_OR_RETURN(Json data, LoadVersionData(*req.storage, key, current));
  data.merge_patch(patch);  // RFC 7386, as Vault's HandlePatchOperation
  return CommitVersion(req, config, *meta, std::move(data));
}

Result<core::Response> VersionedBackend::CommitVersion(Request& req, const KvConfig& config,
                                                       KeyMetadata& meta, Json data) {
  const TimePoint now = clock_->Now();
  std::vector<uint64_t> pruned =
      meta.AddVersion(now, ScheduledDeletion(now, config, meta), config.max_versions);
  const uint64_t version = meta.current_version;

  std::vector<storage::Op> ops;
  ops.push_back(storage::Op::Put(VersionKey(meta.key, version), SerializeVersion(data, now)));
  for (uint64_t v : pruned) ops.push_back(storage::Op::Delete(VersionKey(meta.key, v)));
  ops.push_back(storage::Op::Put(MetadataKey(meta.key), meta.Serialize()));
  COFFER_RETURN_IF_ERROR(req.storage->Batch(ops));

  return Response::WithData(VersionJson(meta, version, *meta.Find(version)));
}

Result<core::Response> VersionedBackend::DeleteLatest(Request& req, FieldData& d) {
  const std::string key = d.GetString("path");
  std::unique_lock lock(locks_.For(key));
  COFFER_ASSIGN_OR_RETURN(auto meta, LoadMetadata(*req.storage, key));
  if (!meta) return Response();
  const TimePoint now = clock_->Now();
  VersionMetadata* latest = meta->Find(meta->current_version);
  if (latest == nullptr || latest->destroyed || latest->DeletedAt(now)) return Response();
  latest->deletion_time = now;
  COFFER_RETURN_IF_ERROR(req.storage->Put(MetadataKey(key), meta->Serialize()));
  return Response();
}

Result<core::Response> VersionedBackend::ReadSubkeys(Request& req, FieldData& d) {
  const std::string key = d.GetString("path");
  COFFER_ASSIGN_OR_RETURN(int64_t version_param, IntParam(req, d, "version"));
  COFFER_ASSIGN_OR_RETURN(int64_t depth, IntParam(req, d, "depth"));
  if (depth < 0) return Err(InvalidArgument("depth must be a non-negative integer"));

  std::shared_lock lock(locks_.For(key));
  COFFER_ASSIGN_OR_RETURN(auto meta, LoadMetadata(*req.storage, key));
  if (!meta) return NoResponse();
  uint64_t version =
      version_param > 0 ? static_cast<uint64_t>(version_param) : meta->current_version;
  const VersionMetadata* vm = meta->Find(version);
  if (vm == nullptr) return NoResponse();
  Json out = {{"subkeys", nullptr}, {"metadata", VersionJson(*meta, version, *vm)}};
  if (vm->DeletedAt(clock_->Now()) || vm->destroyed) return WithStatus(404, std::move(out));

  COFFER_ASSIGN_OR_RETURN(Json data, LoadVersionData(*req.storage, key, version));
  int max_depth =
      depth > 0 && depth < kMaxSubkeysDepth ? static_cast<int>(depth) : kMaxSubkeysDepth;
  RemoveValues(data, 1, max_depth);
  out["subkeys"] = std::move(data);
  return Response::WithData(std::move(out));
}

}  // namespace coffer::engines::kv
