// audit enable | disable | list: the sys/audit endpoints, as `vault audit ...` calls them
// (hashicorp/vault command/audit_*.go and api/sys_audit.go).

#include "cli/command.h"
#include "cli/format.h"
#include "cli/kv_args.h"

namespace coffer::cli {
namespace {

// Vault's parseArgsDataString: the K=V arguments as a map of strings. Numbers and bools
// (from @file or - JSON) become their text, as mapstructure's WeakDecode does; a list (a
// repeated key) or an object cannot be an option value.
Result<Json> ParseOptions(std::istream* in, const std::vector<std::string>& args) {
  Result<Json> raw = ParseArgsData(in, args);
  if (!raw) return Err(raw.error());
  Json out = Json::object();
  for (auto it = raw->begin(); it != raw->end(); ++it) {
    const Json& v = *it;
    if (v.is_string()) {
      out[it.key()] = v;
    } else if (v.is_boolean()) {
      out[it.key()] = v.get<bool>() ? "1" : "0";  // WeakDecode's bool → string
    } else if (v.is_number() || v.is_null()) {
      out[it.key()] = v.is_null() ? "" : v.dump();
    } else {
      return Err(InvalidArgument("failed to convert values to strings: '" + it.key() +
                                 "' expected type 'string', got unconvertible type"));
    }
  }
  return out;
}

int RunEnable(Io& io, const std::vector<std::string>& args) {
  BaseCommand c(io,
                "Usage: coffer audit enable [options] TYPE [CONFIG K=V...]\n\n"
                "  Enables an audit device of type TYPE (file, syslog or socket) at a path.\n"
                "  The device's options follow the type as K=V pairs, in the same form as\n"
                "  \"coffer write\" takes them. Once a device is enabled, a request that no\n"
                "  device can log is refused.\n\n"
                "  Log every request and response to /var/log/coffer/audit.log:\n\n"
                "      $ coffer audit enable file file_path=/var/log/coffer/audit.log\n\n"
                "  A second file device at another path:\n\n"
                "      $ coffer audit enable -path=file2 file file_path=/srv/audit.log");
  c.AddHttpFlags();
  std::string description, path;
  bool local = false;
  FlagSet& f = c.flags();
  f.String("description", &description, "Human-friendly description of this audit device.");
  f.String("path", &path,
           "Where the audit device is mounted; unique among the audit devices. Defaults to "
           "the TYPE of the device.");
  f.Bool("local", &local,
         "Mark the audit device as local-only: local devices are not replicated nor removed "
         "by replication.");
  if (std::optional<int> code = c.Parse(args)) return *code;
  if (c.args().empty()) {
    c.Error(
        "Error enabling audit device: audit type missing. Valid types include 'file', "
        "'socket' and 'syslog'.");
    return kExitLocalError;
  }
  std::string type = TrimSpace(c.args()[0]);
  std::string mount = EnsureTrailingSlash(path.empty() ? type : path);
  std::vector<std::string> rest(c.args().begin() + 1, c.args().end());
  Result<Json> options = ParseOptions(io.in, rest);
  if (!options) {
    c.Error("Failed to parse K=V data: " + options.error().message());
    return kExitLocalError;
  }
  api::Client* client = c.Client();
  if (client == nullptr) return kExitRemoteError;
  Json body = {
      {"type", type}, {"description", description}, {"options", *options}, {"local", local}};
  Result<api::Response> r = client->Request("PUT", "sys/audit/" + mount, &body);
  if (!r) return c.RemoteError("Error enabling audit device", r.error());
  c.Out("Success! Enabled the " + type + " audit device at: " + mount);
  return kExitOk;
}

int RunDisable(Io& io, const std::vector<std::string>& args) {
  BaseCommand c(io,
                "Usage: coffer audit disable [options] PATH\n\n"
                "  Disables the audit device at PATH: no further entries are sent to it. The\n"
                "  log it already wrote is left as it is. The argument is the PATH of the\n"
                "  device, not its TYPE.\n\n"
                "  Disable the device enabled at \"file/\":\n\n"
                "      $ coffer audit disable file/");
  c.AddHttpFlags();
  if (std::optional<int> code = c.Parse(args)) return *code;
  if (!c.CheckArgs(1, 1)) return kExitLocalError;
  std::string path = EnsureTrailingSlash(SanitizePath(c.args()[0]));
  api::Client* client = c.Client();
  if (client == nullptr) return kExitRemoteError;
  Result<api::Response> r = client->Request("DELETE", "sys/audit/" + path, nullptr);
  if (!r) return c.RemoteError("Error disabling audit device", r.error());
  c.Out("Success! Disabled audit device (if it was enabled) at: " + path);
  return kExitOk;
}

// One device of the listing as Vault's api.Audit decodes it: exactly these five fields.
Json AuditOf(const Json& entry) {
  Json options = GetJson(entry, "options");
  return Json{{"type", GetString(entry, "type")},
              {"description", GetString(entry, "description")},
              {"options", options.is_object() ? options : Json()},
              {"local", GetBool(entry, "local")},
              {"path", GetString(entry, "path")}};
}

// "k=v k2=v2", sorted by key (Go's map order is random; sorted is one of its orders).
std::string OptionsText(const Json& options) {
  std::string out;
  if (!options.is_object()) return out;
  for (auto it = options.begin(); it != options.end(); ++it) {
    if (!out.empty()) out += " ";
    out += it.key() + "=" + (it->is_string() ? it->get<std::string>() : GoValue(*it));
  }
  return out;
}

// Vault's simpleAudits / detailedAudits. The simple table shows each device's own "path"
// field and the detailed one the key it is listed under, as Vault's do.
std::string AuditTable(const Json& audits, bool detailed) {
  Rows rows;
  rows.push_back({"Path", "Type", "Description"});
  if (detailed) {
    rows[0].push_back("Replication");
    rows[0].push_back("Options");
  }
  for (auto it = audits.begin(); it != audits.end(); ++it) {
    const Json& a = *it;
    if (!detailed) {
      rows.push_back({GetString(a, "path"), GetString(a, "type"), GetString(a, "description")});
      continue;
    }
    rows.push_back({it.key(), GetString(a, "type"), GetString(a, "description"),
                    GetBool(a, "local") ? "local" : "replicated",
                    OptionsText(GetJson(a, "options"))});
  }
  return TableOutput(rows);
}

int RunList(Io& io, const std::vector<std::string>& args) {
  BaseCommand c(io,
                "Usage: coffer audit list [options]\n\n"
                "  Lists the audit devices enabled on the server, with their options.\n\n"
                "      $ coffer audit list\n"
                "      $ coffer audit list -detailed");
  c.AddHttpFlags();
  c.AddOutputFlags(false, true);
  if (std::optional<int> code = c.Parse(args)) return *code;
  if (!c.CheckArgs(0, 0)) return kExitLocalError;
  api::Client* client = c.Client();
  if (client == nullptr) return kExitRemoteError;
  Result<api::Response> r = client->Request("GET", "sys/audit", nullptr);
  if (!r) return c.RemoteError("Error listing audits", r.error());
  const Json* data = Find(r->body, "data");
  if (data == nullptr || !data->is_object()) {
    c.Error("Error listing audits: data from server response is empty");
    return kExitRemoteError;
  }
  Json audits = Json::object();
  for (auto it = data->begin(); it != data->end(); ++it) {
    if (it->is_object()) audits[it.key()] = AuditOf(*it);
  }
  if (audits.empty()) {
    c.Out("No audit devices are enabled.");  // in every format, exit 0, as Vault
    return kExitOk;
  }
  if (!c.table()) return c.OutputData(audits);
  c.Out(AuditTable(audits, c.detailed()));
  return kExitOk;
}

}  // namespace

void AddAuditCommands(std::vector<CommandSpec>* out) {
  out->push_back({"audit enable", "Enables an audit device", RunEnable});
  out->push_back({"audit disable", "Disables an audit device", RunDisable});
  out->push_back({"audit list", "Lists enabled audit devices", RunList});
}

}  // namespace coffer::cli
