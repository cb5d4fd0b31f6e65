#pragma once
// VersionedBackend: the K/V secrets engine, version 2 (a "kv" mount with version "2"),
// mirroring Vault's kv plugin: config, data/, metadata/, delete/, undelete/, destroy/,
// subkeys/. Storage layout in layout.h; record semantics in metadata.h.
//
// Thread-safety: HandleRequest may run concurrently. Each key's read-modify-write holds
// that key's stripe of KeyLocks, and commits its version data and metadata in one
// atomic storage Batch. The mount config is read from storage on every request (no
// cache), so a standby that becomes active never serves a stale config.

#include <string>

#include "base/clock.h"
#include "core/backend.h"
#include "engines/kv/key_locks.h"
#include "engines/kv/metadata.h"
#include "framework/backend.h"

namespace coffer::engines::kv {

class VersionedBackend final : public framework::Backend {
 public:
  explicit VersionedBackend(const core::BackendConfig& config);

 private:
  using Request = core::Request;
  using Response = core::Response;
  using FieldData = framework::FieldData;

  framework::Path ConfigPath();
  framework::Path DataPath();
  framework::Path MetadataPath();
  framework::Path VersionsPath(const std::string& verb);
  framework::Path SubkeysPath();
  framework::Path InvalidPath();

  // config
  Result<Response> ReadConfig(Request& req, FieldData& d);
  Result<Response> WriteConfig(Request& req, FieldData& d);

  // data/<path> (versioned_data.cc)
  Result<Response> ReadData(Request& req, FieldData& d);
  Result<Response> WriteData(Request& req, FieldData& d);
  Result<Response> PatchData(Request& req, FieldData& d);
  Result<Response> DeleteLatest(Request& req, FieldData& d);
  Result<Response> ReadSubkeys(Request& req, FieldData& d);
  Result<bool> KeyExists(Request& req, FieldData& d);
  // Appends a version holding `data` and commits it with the metadata in one Batch.
  // The caller holds the key's lock exclusively.
  Result<Response> CommitVersion(Request& req, const KvConfig& config, KeyMetadata& meta,
                                 Json data);

  // metadata/<path>, delete/, undelete/, destroy/ (versioned_metadata.cc)
  Result<Response> ReadMetadata(Request& req, FieldData& d);
  Result<Response> WriteMetadata(Request& req, FieldData& d);
  Result<Response> PatchMetadata(Request& req, FieldData& d);
  Result<Response> DeleteMetadata(Request& req, FieldData& d);
  Result<Response> ListMetadata(Request& req, FieldData& d);
  Result<Response> DeleteVersions(Request& req, FieldData& d);
  Result<Response> UndeleteVersions(Request& req, FieldData& d);
  Result<Response> DestroyVersions(Request& req, FieldData& d);

  const Clock* clock_;
  KeyLocks locks_;
};

}  // namespace coffer::engines::kv
