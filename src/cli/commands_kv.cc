// kv put | get | patch | list. Paths are resolved through the KV preflight (kv_path.h), so
// the same commands work on KV version 1 and 2 mounts.

#include "cli/command.h"
#include "cli/format.h"
#include "cli/kv_args.h"
#include "cli/kv_path.h"

namespace coffer::cli {
namespace {

constexpr const char* kMountUsage =
    "Specifies the path where the KV backend is mounted. If specified, the next argument "
    "will be interpreted as the secret path. If this flag is not specified, the next argument "
    "will be interpreted as the combined mount path and secret path, with /data/ "
    "automatically appended between KV v2 secret mounts.";

// Prints a v2 write response: path, then the version metadata (Vault's kv put output).
int OutputKvWrite(BaseCommand& c, const KvTarget& t, const std::string& full,
                  const std::optional<Json>& secret) {
  if (!secret) {
    if (c.table()) c.Out("Success! Data written to: " + full);
    return kExitOk;
  }
  if (!c.field().empty()) return c.PrintField(*secret);
  if (c.table() && t.mount.version == 2) {
    *c.io().err << WarningsText(*secret);
    Json metadata = GetJson(*secret, "data");
    c.Out(KvPathHeader("Secret Path", full));
    c.Out(HeaderForMap("Metadata", metadata));
    return c.OutputData(metadata.is_object() ? metadata : Json::object());
  }
  return c.OutputSecret(*secret);
}

int RunPut(Io& io, const std::vector<std::string>& args) {
  BaseCommand c(io,
                "Usage: coffer kv put [options] KEY [DATA]\n\n"
                "  Writes the data to the given path in the key-value store. The data can be\n"
                "  of any type.\n\n"
                "      $ coffer kv put -mount=secret foo bar=baz\n"
                "      $ coffer kv put secret/foo bar=baz\n\n"
                "  The data can also be consumed from a file on disk by prefixing with the\n"
                "  \"@\" symbol, or from stdin with \"-\":\n\n"
                "      $ coffer kv put secret/foo @data.json\n"
                "      $ echo '{\"bar\":\"baz\"}' | coffer kv put secret/foo -");
  c.AddHttpFlags();
  c.AddOutputFlags(true);
  int64_t cas = -1;
  std::string mount;
  c.flags().Int("cas", &cas,
                "Specifies to use a Check-And-Set operation. If not set the write will be "
                "allowed. If set to 0 a write will only be allowed if the key doesn't exist. If "
                "the index is non-zero the write will only be allowed if the key's current "
                "version matches the version specified in the cas parameter. KV v2 only.");
  c.flags().String("mount", &mount, kMountUsage);
  if (std::optional<int> code = c.Parse(args)) return *code;
  if (c.args().empty()) {
    c.Error("Not enough arguments (expected >1, got 0)");
    return kExitLocalError;
  }
  std::vector<std::string> rest(c.args().begin() + 1, c.args().end());
  Result<Json> data = ParseArgsData(io.in, rest);
  if (!data) {
    c.Error("Failed to parse K=V data: " + data.error().message());
    return kExitLocalError;
  }
  if (data->empty()) {
    c.Error("Must supply data");
    return kExitLocalError;
  }
  api::Client* client = c.Client();
  if (client == nullptr) return kExitRemoteError;
  Result<KvTarget> t = ResolveKvTarget(*client, c.args()[0], mount);
  if (!t) return c.RemoteError("Error checking the KV version", t.error());
  std::string full = t->Full("data");
  Json body = *data;
  if (t->mount.version == 2) {
    body = {{"data", *data}};
    if (cas > -1) body["options"] = {{"cas", cas}};
  }
  Result<std::optional<Json>> r = client->Write(full, body);
  if (!r) return c.RemoteError("Error writing data to " + full, r.error());
  return OutputKvWrite(c, *t, full, *r);
}

int RunGet(Io& io, const std::vector<std::string>& args) {
  BaseCommand c(io,
                "Usage: coffer kv get [options] KEY\n\n"
                "  Retrieves the value from the key-value store at the given key name. If no\n"
                "  key exists with that name, an error is returned.\n\n"
                "      $ coffer kv get -mount=secret foo\n"
                "      $ coffer kv get -version=1 secret/foo");
  c.AddHttpFlags();
  c.AddOutputFlags(true);
  int64_t version = 0;
  std::string mount;
  c.flags().Int("version", &version,
                "If passed, the value at the version number will be "
                "returned. KV v2 only.");
  c.flags().String("mount", &mount, kMountUsage);
  if (std::optional<int> code = c.Parse(args)) return *code;
  if (!c.CheckArgs(1, 1)) return kExitLocalError;
  api::Client* client = c.Client();
  if (client == nullptr) return kExitRemoteError;
  Result<KvTarget> t = ResolveKvTarget(*client, c.args()[0], mount);
  if (!t) return c.RemoteError("Error checking the KV version", t.error());
  bool v2 = t->mount.version == 2;
  std::string full = t->Full("data");
  api::QueryParams query;
  if (v2 && version > 0) query.emplace_back("version", std::to_string(version));
  Result<std::optional<Json>> r = client->Read(full, query);
  if (!r) return c.RemoteError("Error reading " + full, r.error());
  if (!r->has_value()) {
    c.Error("No value found at " + full);
    return kExitRemoteError;
  }
  const Json& secret = **r;
  Json outer = GetJson(secret, "data");
  if (!c.field().empty()) {
    if (!v2) return c.PrintField(secret);
    Json inner = GetJson(outer, "data");
    if (inner.is_null()) {
      c.Error("No data found at " + full);
      return kExitRemoteError;
    }
    if (c.field() == "data" && Find(inner, "data") == nullptr) return c.PrintField(secret);
    return c.PrintFieldOf(inner, c.field());
  }
  if (Find(secret, "wrap_info") != nullptr && !GetJson(secret, "wrap_info").is_null())
    return c.OutputSecret(secret);
  if (!c.table()) return c.OutputSecret(secret);
  *io.err << WarningsText(secret);
  if (v2) c.Out(KvPathHeader("Secret Path", full));
  Json metadata = GetJson(outer, "metadata");
  if (v2 && metadata.is_object()) {
    c.Out(HeaderForMap("Metadata", metadata));
    c.OutputData(metadata);
    c.Out("");
  }
  Json data = v2 ? GetJson(outer, "data") : outer;
  if (data.is_object()) {
    c.Out(HeaderForMap("Data", data));
    c.OutputData(data);
  }
  return kExitOk;
}

// kv patch -method=rw: read the current version, merge, write back with check-and-set.
int PatchReadWrite(BaseCommand& c, const api::Client& client, const KvTarget& t,
                   const std::string& full, const Json& data, int64_t cas) {
  Result<std::optional<Json>> cur = client.Read(full);
  if (!cur) return c.RemoteError("Error doing pre-read at " + full, cur.error());
  Json outer = cur->has_value() ? GetJson(**cur, "data") : Json();
  Json existing = GetJson(outer, "data");
  if (!existing.is_object()) {
    c.Error("No value found at " + full);
    return kExitRemoteError;
  }
  existing.merge_patch(data);
  int64_t current = GetInt(GetJson(outer, "metadata"), "version");
  Json body = {{"data", existing}, {"options", {{"cas", cas > -1 ? cas : current}}}};
  Result<std::optional<Json>> r = client.Write(full, body);
  if (!r) return c.RemoteError("Error writing data to " + full, r.error());
  return OutputKvWrite(c, t, full, *r);
}

// kv patch (default): an HTTP PATCH carrying a JSON merge patch.
int PatchMerge(BaseCommand& c, const api::Client& client, const KvTarget& t,
               const std::string& full, const Json& data, int64_t cas) {
  Json body = {{"data", data}};
  if (cas > -1) body["options"] = {{"cas", cas}};
  api::RequestOptions options;
  options.content_type = "application/merge-patch+json";
  Result<api::Response> r = client.RawRequest("PATCH", full, &body, {}, options);
  if (!r) return c.RemoteError("Error writing data to " + full, r.error());
  if (r->status == 404) {
    c.Error("No value found at " + full);
    return kExitRemoteError;
  }
  if (r->status < 200 || r->status > 299) {
    return c.RemoteError(
        "Error writing data to " + full,
        Status(api::StatusCodeForHttp(r->status),
               api::FormatApiError("PATCH", client.Url(full), r->status, r->raw_body)));
  }
  std::optional<Json> secret;
  if (!r->body.is_null()) secret = r->body;
  return OutputKvWrite(c, t, full, secret);
}

int RunPatch(Io& io, const std::vector<std::string>& args) {
  BaseCommand c(io,
                "Usage: coffer kv patch [options] KEY [DATA]\n\n"
                "  Patches an existing secret in a KV v2 store: new keys are added, given keys\n"
                "  are replaced, other keys are kept. The default method sends an HTTP PATCH\n"
                "  (JSON merge patch); -method=rw reads the secret and writes the merge back\n"
                "  with check-and-set.\n\n"
                "      $ coffer kv patch -mount=secret foo bar=baz");
  c.AddHttpFlags();
  c.AddOutputFlags(true);
  int64_t cas = -1;
  std::string mount, method = "patch";
  std::vector<std::string> remove_data;
  c.flags().Int("cas", &cas, "Specifies to use a Check-And-Set operation (see kv put).");
  c.flags().String("method", &method,
                   "Specifies which method of patching to use: \"patch\" "
                   "(the default) or \"rw\".");
  c.flags().StringSlice("remove-data", &remove_data,
                        "Key to remove from the secret. This can "
                        "be specified multiple times.");
  c.flags().String("mount", &mount, kMountUsage);
  if (std::optional<int> code = c.Parse(args)) return *code;
  if (c.args().empty()) {
    c.Error("Not enough arguments (expected >1, got 0)");
    return kExitLocalError;
  }
  std::vector<std::string> rest(c.args().begin() + 1, c.args().end());
  Result<Json> data = ParseArgsData(io.in, rest);
  if (!data) {
    c.Error("Failed to parse K=V data: " + data.error().message());
    return kExitLocalError;
  }
  for (const std::string& k : remove_data) (*data)[k] = nullptr;
  if (data->empty()) {
    c.Error("Must supply data");
    return kExitLocalError;
  }
  if (method != "patch" && method != "rw") {
    c.Error("Unsupported method provided to -method flag: " + method);
    return kExitLocalError;
  }
  api::Client* client = c.Client();
  if (client == nullptr) return kExitRemoteError;
  Result<KvTarget> t = ResolveKvTarget(*client, c.args()[0], mount);
  if (!t) return c.RemoteError("Error checking the KV version", t.error());
  if (t->mount.version != 2) {
    c.Error("K/V engine mount must be version 2 for patch support");
    return kExitRemoteError;
  }
  std::string full = t->Full("data");
  return method == "rw" ? PatchReadWrite(c, *client, *t, full, *data, cas)
                        : PatchMerge(c, *client, *t, full, *data, cas);
}

int RunList(Io& io, const std::vector<std::string>& args) {
  BaseCommand c(io,
                "Usage: coffer kv list [options] PATH\n\n"
                "  Lists data from the key-value store at the given path.\n\n"
                "      $ coffer kv list secret/my-app/");
  c.AddHttpFlags();
  c.AddOutputFlags(false, true);
  std::string mount;
  c.flags().String("mount", &mount, kMountUsage);
  if (std::optional<int> code = c.Parse(args)) return *code;
  if (!c.CheckArgs(mount.empty() ? 1 : 0, 1)) return kExitLocalError;
  api::Client* client = c.Client();
  if (client == nullptr) return kExitRemoteError;
  Result<KvTarget> t = ResolveKvTarget(*client, c.args().empty() ? "" : c.args()[0], mount);
  if (!t) return c.RemoteError("Error checking the KV version", t.error());
  // A trailing slash, as `vault list` sends; servers treat both forms alike.
  std::string full = t->Full("metadata") + "/";
  Result<std::optional<Json>> r = client->List(full);
  if (!r) return c.RemoteError("Error listing " + full, r.error());
  const Json secret = r->has_value() ? **r : Json();
  Json wrap = GetJson(secret, "wrap_info");
  if (wrap.is_object() && GetInt(wrap, "ttl") != 0) return c.OutputSecret(secret);
  Json keys = GetJson(GetJson(secret, "data"), "keys");
  if (!keys.is_array()) {
    if (!c.table()) {
      c.OutputData(Json::object());
    } else if (!r->has_value() || !GetJson(secret, "data").is_object()) {
      c.Error("No value found at " + full);
    } else {
      c.Error("No entries found at " + full);
    }
    return kExitRemoteError;
  }
  return c.OutputList(secret);
}

}  // namespace

void AddKvCommands(std::vector<CommandSpec>* out) {
  out->push_back({"kv put", "Sets or updates data in the KV store", RunPut});
  out->push_back({"kv get", "Retrieves data from the KV store", RunGet});
  out->push_back(
      {"kv patch", "Sets or updates data in the KV store without overwriting", RunPatch});
  out->push_back({"kv list", "List data or secrets", RunList});
}

}  // namespace coffer::cli
