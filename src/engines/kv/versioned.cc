#include "engines/kv/versioned.h"

#include "base/duration.h"
#include "engines/kv/layout.h"
#include "engines/kv/util.h"
#include "storage/backend.h"

namespace coffer::engines::kv {

namespace {

using core::Operation;
using framework::FieldSchema;
using framework::FieldType;

// The trailing "[^/]" keeps "data/foo/" (a folder) from matching, as Vault's
// matchAllNoTrailingSlashRegex does.
constexpr const char* kDataPattern = "data/(?P<path>.*[^/])";

}  // namespace

VersionedBackend::VersionedBackend(const core::BackendConfig& config)
    : clock_(config.clock != nullptr ? config.clock : &RealClock::Get()) {
  std::vector<framework::Path> paths;
  paths.push_back(ConfigPath());
  paths.push_back(DataPath());
  paths.push_back(MetadataPath());
  paths.push_back(VersionsPath("delete"));
  paths.push_back(VersionsPath("undelete"));
  paths.push_back(VersionsPath("destroy"));
  paths.push_back(SubkeysPath());
  paths.push_back(InvalidPath());  // last: catches everything else
  AddPaths(std::move(paths));
}

framework::Path VersionedBackend::ConfigPath() {
  framework::Path p;
  p.pattern = "config";
  p.fields = {{"max_versions", FieldSchema(FieldType::kInt)},
              {"cas_required", FieldSchema(FieldType::kBool)},
              {"delete_version_after", FieldSchema(FieldType::kRaw)}};
  p.operations[Operation::kRead] = Bind(this, &VersionedBackend::ReadConfig);
  p.operations[Operation::kUpdate] = Bind(this, &VersionedBackend::WriteConfig);
  p.help_synopsis = "Configures settings for the KV store";
  return p;
}

framework::Path VersionedBackend::DataPath() {
  framework::Path p;
  p.pattern = kDataPattern;
  p.fields = {{"path", FieldSchema(FieldType::kString)},
              {"version", FieldSchema(FieldType::kInt)},
              {"options", FieldSchema(FieldType::kMap)},
              {"data", FieldSchema(FieldType::kMap)}};
  p.operations[Operation::kRead] = Bind(this, &VersionedBackend::ReadData);
  p.operations[Operation::kUpdate] = Bind(this, &VersionedBackend::WriteData);
  p.operations[Operation::kCreate] = Bind(this, &VersionedBackend::WriteData);
  p.operations[Operation::kPatch] = Bind(this, &VersionedBackend::PatchData);
  p.operations[Operation::kDelete] = Bind(this, &VersionedBackend::DeleteLatest);
  p.existence_check = Bind(this, &VersionedBackend::KeyExists);
  p.help_synopsis = "Write, Patch, Read, and Delete data in the Key-Value Store.";
  return p;
}

framework::Path VersionedBackend::MetadataPath() {
  framework::Path p;
  p.pattern = "metadata/" + framework::MatchAllRegex("path");
  p.fields = {{"path", FieldSchema(FieldType::kString)},
              {"cas_required", FieldSchema(FieldType::kBool)},
              {"max_versions", FieldSchema(FieldType::kInt)},
              {"delete_version_after", FieldSchema(FieldType::kDurationSecond)},
              {"custom_metadata", FieldSchema(FieldType::kMap)}};
  p.operations[Operation::kRead] = Bind(this, &VersionedBackend::ReadMetadata);
  p.operations[Operation::kUpdate] = Bind(this, &VersionedBackend::WriteMetadata);
  p.operations[Operation::kCreate] = Bind(this, &VersionedBackend::WriteMetadata);
  p.operations[Operation::kPatch] = Bind(this, &VersionedBackend::PatchMetadata);
  p.operations[Operation::kDelete] = Bind(this, &VersionedBackend::DeleteMetadata);
  p.operations[Operation::kList] = Bind(this, &VersionedBackend::ListMetadata);
  p.existence_check = Bind(this, &VersionedBackend::KeyExists);
  p.help_synopsis = "Allows interaction with key metadata and settings in the KV store.";
  return p;
}

framework::Path VersionedBackend::VersionsPath(const std::string& verb) {
  framework::Path p;
  p.pattern = verb + "/" + framework::MatchAllRegex("path");
  p.fields = {{"path", FieldSchema(FieldType::kString)},
              {"versions", FieldSchema(FieldType::kRaw)}};
  if (verb == "delete") {
    p.operations[Operation::kUpdate] = Bind(this, &VersionedBackend::DeleteVersions);
    p.help_synopsis = "Marks one or more versions as deleted in the KV store.";
  } else if (verb == "undelete") {
    p.operations[Operation::kUpdate] = Bind(this, &VersionedBackend::UndeleteVersions);
    p.help_synopsis = "Undeletes one or more versions from the KV store.";
  } else {
    p.operations[Operation::kUpdate] = Bind(this, &VersionedBackend::DestroyVersions);
    p.help_synopsis = "Permanently removes one or more versions in the KV store";
  }
  return p;
}

framework::Path VersionedBackend::SubkeysPath() {
  framework::Path p;
  p.pattern = "subkeys/" + framework::MatchAllRegex("path");
  p.fields = {{"path", FieldSchema(FieldType::kString)},
              {"version", FieldSchema(FieldType::kInt)},
              {"depth", FieldSchema(FieldType::kInt)}};
  p.operations[Operation::kRead] = Bind(this, &VersionedBackend::ReadSubkeys);
  p.help_synopsis =
      "Read the structure of a secret entry from the Key-Value store with the values removed.";
  return p;
}

framework::Path VersionedBackend::InvalidPath() {
  framework::OperationFunc handler = [](core::Request& req,
                                        framework::FieldData&) -> Result<core::Response> {
    if (req.path == "metadata" || req.path == "data" || req.path == "delete" ||
        req.path == "undelete" || req.path == "destroy") {
      return WithStatus(
          404, nullptr,
          {"Non-listing operations on the root of a K/V v2 mount are not supported."});
    }
    std::string sub;
    switch (req.operation) {
      case Operation::kCreate:
      case Operation::kUpdate:
        sub = "put";
        break;
      case Operation::kPatch:
        sub = "patch";
        break;
      case Operation::kRead:
        sub = "get";
        break;
      case Operation::kList:
        sub = "list";
        break;
      case Operation::kDelete:
        sub = "delete";
        break;
      case Operation::kHelp:
        break;
    }
    return WithStatus(404, nullptr,
                      {"Invalid path for a versioned K/V secrets engine. See the API docs for the "
                       "appropriate API endpoints to use. If using the Vault CLI, use 'vault kv " +
                       sub + "' for this operation."});
  };
  framework::Path p;
  p.pattern = ".*";
  for (auto op : {Operation::kUpdate, Operation::kPatch, Operation::kRead, Operation::kDelete,
                  Operation::kList})
    p.operations[op] = handler;
  return p;
}

Result<core::Response> VersionedBackend::ReadConfig(Request& req, FieldData&) {
  COFFER_ASSIGN_OR_RETURN(KvConfig config, LoadConfig(*req.storage));
  return Response::WithData(
      {{"max_versions", config.max_versions},
       {"cas_required", config.cas_required},
       {"delete_version_after", FormatDuration(config.delete_version_after)}});
}

Result<core::Response> VersionedBackend::WriteConfig(Request& req, FieldData& d) {
  auto max_versions = d.GetOk("max_versions");
  auto cas_required = d.GetOk("cas_required");
  auto dva = d.GetOk("delete_version_after");
  if (!max_versions && !cas_required && !dva) return Response();
  // One config writer at a time (the config has no key; use a fixed stripe).
  std::unique_lock lock(locks_.For(kConfigKey));
  COFFER_ASSIGN_OR_RETURN(KvConfig config, LoadConfig(*req.storage));
  if (max_versions) {
    if (max_versions->get<int64_t>() < 0)
      return Err(InvalidArgument("max_versions must not be negative"));
    config.max_versions = static_cast<uint32_t>(max_versions->get<int64_t>());
  }
  if (cas_required) config.cas_required = cas_required->get<bool>();
  if (dva) {
    auto parsed = ParseSignedDuration(*dva);
    if (!parsed)
      return Err(InvalidArgument("error converting input for field \"delete_version_after\": " +
                                 parsed.error().message()));
    // Any negative value disables the feature; zero clears it.
    config.delete_version_after =
        parsed->count() < 0 ? std::chrono::seconds(-1) : std::chrono::seconds(*parsed);
  }
  COFFER_RETURN_IF_ERROR(req.storage->Put(kConfigKey, config.Serialize()));
  return Response();
}

}  // namespace coffer::engines::kv
