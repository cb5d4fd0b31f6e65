// kv delete | undelete | destroy, and kv metadata get | put | delete.

#include <algorithm>

#include "base/duration.h"
#include "cli/command.h"
#include "cli/format.h"
#include "cli/kv_path.h"

namespace coffer::cli {
namespace {

constexpr const char* kMountUsage =
    "Specifies the path where the KV backend is mounted. If specified, the next argument "
    "will be interpreted as the secret path.";

// Shared flow of the commands that take KEY and -mount: parse, build the client, resolve.
struct KvSetup {
  api::Client* client = nullptr;
  KvTarget target;
};

std::optional<int> SetUp(BaseCommand& c, const std::vector<std::string>& args,
                         const std::string& mount, KvSetup* out) {
  if (std::optional<int> code = c.Parse(args)) return code;
  if (!c.CheckArgs(1, 1)) return kExitLocalError;
  out->client = c.Client();
  if (out->client == nullptr) return kExitRemoteError;
  Result<KvTarget> t = ResolveKvTarget(*out->client, c.args()[0], mount);
  if (!t) return c.RemoteError("Error checking the KV version", t.error());
  out->target = *t;
  return std::nullopt;
}

int RunDelete(Io& io, const std::vector<std::string>& args) {
  BaseCommand c(io,
                "Usage: coffer kv delete [options] PATH\n\n"
                "  Deletes the data for the provided version and path in the key-value store.\n"
                "  The versioned data will not be fully removed, but marked as deleted and\n"
                "  will no longer be returned in normal get requests.\n\n"
                "      $ coffer kv delete -mount=secret foo\n"
                "      $ coffer kv delete -versions=3,5 secret/foo");
  c.AddHttpFlags();
  std::vector<std::string> versions;
  std::string mount;
  c.flags().StringSlice("versions", &versions, "Specifies the version numbers to delete.");
  c.flags().String("mount", &mount, kMountUsage);
  KvSetup s;
  if (std::optional<int> code = SetUp(c, args, mount, &s)) return *code;
  Result<std::vector<int64_t>> vs = ParseKvVersions(versions);
  if (!vs) {
    c.Error(vs.error().message());
    return kExitLocalError;
  }
  std::string full;
  Status st;
  if (s.target.mount.version == 2 && !vs->empty()) {
    full = s.target.Full("delete");
    Result<std::optional<Json>> r = s.client->Write(full, {{"versions", *vs}});
    if (!r) st = r.error();
  } else {
    full = s.target.Full("data");
    Result<std::optional<Json>> r = s.client->Delete(full);
    if (!r) st = r.error();
  }
  if (!st.ok()) return c.RemoteError("Error deleting " + full, st);
  c.Out("Success! Data deleted (if it existed) at: " + full);
  return kExitOk;
}

// undelete and destroy: v2 only, versions required.
int RunVersionsOp(Io& io, const std::vector<std::string>& args, const std::string& op) {
  BaseCommand c(
      io, "Usage: coffer kv " + op + " [options] KEY\n\n" +
              (op == "undelete" ? "  Undeletes the data for the provided version and path in the\n"
                                  "  key-value store. This restores the data, allowing it to be\n"
                                  "  returned on get requests.\n\n"
                                  "      $ coffer kv undelete -versions=3 secret/foo"
                                : "  Permanently removes the specified versions' data from the\n"
                                  "  key-value store. If no key exists at the path, no action is\n"
                                  "  taken.\n\n"
                                  "      $ coffer kv destroy -versions=3 secret/foo"));
  c.AddHttpFlags();
  std::vector<std::string> versions;
  std::string mount;
  c.flags().StringSlice("versions", &versions, "Specifies the version numbers to " + op + ".");
  c.flags().String("mount", &mount, kMountUsage);
  KvSetup s;
  if (std::optional<int> code = SetUp(c, args, mount, &s)) return *code;
  if (versions.empty()) {
    c.Error("No versions provided, use the \"-versions\" flag to specify the version to " + op +
            ".");
    return kExitLocalError;
  }
  Result<std::vector<int64_t>> vs = ParseKvVersions(versions);
  if (!vs) {
    c.Error(vs.error().message());
    return kExitLocalError;
  }
  if (s.target.mount.version != 2) {
    std::string name = op == "undelete" ? "Undelete" : "Destroy";
    c.Error(name + " not supported on KV Version 1");
    return kExitLocalError;
  }
  std::string full = s.target.Full(op);
  Result<std::optional<Json>> r =
      s.client->Write(full, {{"versions", *vs}}, op == "undelete" ? "POST" : "PUT");
  if (!r) return c.RemoteError("Error writing data to " + full, r.error());
  c.Out("Success! Data written to: " + full);
  return kExitOk;
}

int RunMetadataGet(Io& io, const std::vector<std::string>& args) {
  BaseCommand c(io,
                "Usage: coffer kv metadata get [options] KEY\n\n"
                "  Retrieves the metadata from the key-value store at the given key name,\n"
                "  including every version. KV v2 only.\n\n"
                "      $ coffer kv metadata get -mount=secret foo");
  c.AddHttpFlags();
  c.AddOutputFlags(true);
  std::string mount;
  c.flags().String("mount", &mount, kMountUsage);
  KvSetup s;
  if (std::optional<int> code = SetUp(c, args, mount, &s)) return *code;
  if (s.target.mount.version != 2) {
    c.Error("Metadata not supported on KV Version 1");
    return kExitLocalError;
  }
  std::string full = s.target.Full("metadata");
  Result<std::optional<Json>> r = s.client->Read(full);
  if (!r) return c.RemoteError("Error reading " + full, r.error());
  if (!r->has_value()) {
    c.Error("No value found at " + full);
    return kExitRemoteError;
  }
  Json secret = **r;
  if (!c.field().empty()) return c.PrintField(secret);
  if (!c.table()) return c.OutputSecret(secret);
  Json versions = GetJson(GetJson(secret, "data"), "versions");
  if (!versions.is_object()) {
    c.Error("No value found at " + full);
    c.OutputSecret(secret);
    return kExitRemoteError;
  }
  secret["data"].erase("versions");
  c.Out(KvPathHeader("Metadata Path", full));
  c.Out(HeaderForMap("Metadata", secret["data"]));
  c.OutputSecret(secret);
  std::vector<std::pair<int64_t, std::string>> keys;
  for (auto it = versions.begin(); it != versions.end(); ++it) {
    Result<int64_t> n = JsonToInt(Json(it.key()));
    if (n) keys.emplace_back(*n, it.key());
  }
  std::sort(keys.begin(), keys.end());
  for (const auto& [n, key] : keys) {
    c.Out("\n" + HeaderForMap("Version " + std::to_string(n), versions[key]));
    c.OutputData(versions[key]);
  }
  return kExitOk;
}

int RunMetadataPut(Io& io, const std::vector<std::string>& args) {
  BaseCommand c(
      io,
      "Usage: coffer kv metadata put [options] KEY\n\n"
      "  Creates or updates the metadata for a key: the maximum number of versions,\n"
      "  check-and-set enforcement, automatic deletion and custom metadata.\n\n"
      "      $ coffer kv metadata put -max-versions=5 -custom-metadata=team=a secret/foo");
  c.AddHttpFlags();
  int64_t max_versions = -1;
  std::optional<bool> cas_required;
  std::optional<std::chrono::seconds> delete_after;
  std::map<std::string, std::string> custom;
  std::string mount;
  FlagSet& f = c.flags();
  f.Int("max-versions", &max_versions,
        "The number of versions to keep. If not set, the backend's configured max version "
        "is used.");
  f.OptionalBool("cas-required", &cas_required,
                 "If true the key will require the cas parameter to be set on all write "
                 "requests.");
  f.Duration("delete-version-after", &delete_after,
             "Specifies the length of time before a version is deleted. Set to 0 to disable.");
  f.StringMap("custom-metadata", &custom,
              "Specifies arbitrary version-agnostic key=value metadata meant to describe a "
              "secret. This can be specified multiple times.");
  f.String("mount", &mount, kMountUsage);
  KvSetup s;
  if (std::optional<int> code = SetUp(c, args, mount, &s)) return *code;
  if (s.target.mount.version != 2) {
    c.Error("Metadata not supported on KV Version 1");
    return kExitLocalError;
  }
  std::string full = s.target.Full("metadata");
  Json body = Json::object();
  if (max_versions >= 0) body["max_versions"] = max_versions;
  if (cas_required) body["cas_required"] = *cas_required;
  if (delete_after) body["delete_version_after"] = FormatDuration(*delete_after);
  if (!custom.empty()) body["custom_metadata"] = custom;
  Result<std::optional<Json>> r = s.client->Write(full, body, "POST");
  if (!r) return c.RemoteError("Error writing data to " + full, r.error());
  c.Out("Success! Data written to: " + full);
  return kExitOk;
}

int RunMetadataDelete(Io& io, const std::vector<std::string>& args) {
  BaseCommand c(io,
                "Usage: coffer kv metadata delete [options] PATH\n\n"
                "  Deletes all versions and metadata for the provided key.\n\n"
                "      $ coffer kv metadata delete secret/foo");
  c.AddHttpFlags();
  std::string mount;
  c.flags().String("mount", &mount, kMountUsage);
  KvSetup s;
  if (std::optional<int> code = SetUp(c, args, mount, &s)) return *code;
  if (s.target.mount.version != 2) {
    c.Error("Metadata not supported on KV Version 1");
    return kExitLocalError;
  }
  std::string full = s.target.Full("metadata");
  Result<std::optional<Json>> r = s.client->Delete(full);
  if (!r) return c.RemoteError("Error deleting " + full, r.error());
  c.Out("Success! Data deleted (if it existed) at: " + full);
  return kExitOk;
}

}  // namespace

void AddKvMetadataCommands(std::vector<CommandSpec>* out) {
  out->push_back({"kv delete", "Deletes versions in the KV store", RunDelete});
  out->push_back(
      {"kv undelete", "Undeletes versions in the KV store",
       [](Io& io, const std::vector<std::string>& a) { return RunVersionsOp(io, a, "undelete"); }});
  out->push_back(
      {"kv destroy", "Permanently removes one or more versions in the KV store",
       [](Io& io, const std::vector<std::string>& a) { return RunVersionsOp(io, a, "destroy"); }});
  out->push_back({"kv metadata get", "Retrieves key metadata from the KV store", RunMetadataGet});
  out->push_back(
      {"kv metadata put", "Sets or updates key settings in the KV store", RunMetadataPut});
  out->push_back(
      {"kv metadata delete", "Deletes all versions and metadata for a key", RunMetadataDelete});
}

}  // namespace coffer::cli
