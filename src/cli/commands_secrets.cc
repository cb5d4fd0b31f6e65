// secrets enable | disable | list | tune | move (sys/mounts, sys/remount).

#include <chrono>
#include <thread>

#include "cli/command.h"
#include "cli/format.h"
#include "cli/mount_commands.h"
#include "cli/mount_options.h"
#include "cli/mount_table.h"

namespace coffer::cli {
namespace {

const MountKind kSecrets{false, "sys/mounts", "secrets engine", "Error listing secrets engines"};

int RunEnable(Io& io, const std::vector<std::string>& args) {
  BaseCommand c(io,
                "Usage: coffer secrets enable [options] TYPE\n\n"
                "  Enables a secrets engine. By default, secrets engines are enabled at the\n"
                "  path corresponding to their TYPE, but users can customize the path using\n"
                "  the -path option.\n\n"
                "      $ coffer secrets enable -path=secret -version=2 kv\n"
                "      $ coffer secrets enable transit");
  c.AddHttpFlags();
  MountOptions m;
  m.Register(c.flags(), /*enable=*/true, /*auth=*/false);
  if (std::optional<int> code = c.Parse(args)) return *code;
  if (!c.CheckArgs(1, 1)) return kExitLocalError;
  std::string type = SanitizePath(c.args()[0]);
  std::string mount_path = m.path.empty() ? type : m.path;
  std::string thing = m.plugin_name.empty() ? type : m.plugin_name;
  if (type == "kv-v2") {  // Vault's shorthand, mounted at kv-v2/ by default
    type = "kv";
    m.version = 2;
  }
  if (!m.plugin_name.empty() && m.path.empty()) mount_path = m.plugin_name;
  mount_path = EnsureTrailingSlash(mount_path);
  api::Client* client = c.Client();
  if (client == nullptr) return kExitRemoteError;
  Json body = {{"type", type},
               {"description", m.description},
               {"config", m.Config(c.flags())},
               {"local", m.local},
               {"seal_wrap", m.seal_wrap},
               {"external_entropy_access", m.external_entropy_access},
               {"options", m.Options()}};
  if (!m.plugin_name.empty()) body["config"]["plugin_name"] = m.plugin_name;
  Result<std::optional<Json>> r = client->Write("sys/mounts/" + mount_path, body, "POST");
  if (!r) return c.RemoteError("Error enabling", r.error());
  c.Out("Success! Enabled the " + thing + " secrets engine at: " + mount_path);
  return kExitOk;
}

int RunDisable(Io& io, const std::vector<std::string>& args) {
  BaseCommand c(io,
                "Usage: coffer secrets disable [options] PATH\n\n"
                "  Disables a secrets engine at the given PATH. All secrets created by this\n"
                "  engine are revoked and its data is removed.\n\n"
                "      $ coffer secrets disable aws/");
  c.AddHttpFlags();
  if (std::optional<int> code = c.Parse(args)) return *code;
  if (!c.CheckArgs(1, 1)) return kExitLocalError;
  std::string path = EnsureTrailingSlash(c.args()[0]);
  api::Client* client = c.Client();
  if (client == nullptr) return kExitRemoteError;
  Result<std::optional<Json>> r = client->Delete("sys/mounts/" + path);
  if (!r) return c.RemoteError("Error disabling secrets engine at " + path, r.error());
  c.Out("Success! Disabled the secrets engine (if it existed) at: " + path);
  return kExitOk;
}

int RunList(Io& io, const std::vector<std::string>& args) {
  return RunMountList(io, args, kSecrets,
                      "Usage: coffer secrets list [options]\n\n"
                      "  Lists the enabled secret engines, with -detailed their TTLs, options and\n"
                      "  replication status.");
}

int RunTune(Io& io, const std::vector<std::string>& args) {
  return RunMountTune(
      io, args, kSecrets,
      "Usage: coffer secrets tune [options] PATH\n\n"
      "  Tunes the configuration options for the secrets engine at the given PATH.\n\n"
      "      $ coffer secrets tune -default-lease-ttl=72h pki/");
}

int RunMove(Io& io, const std::vector<std::string>& args) {
  BaseCommand c(io,
                "Usage: coffer secrets move [options] SOURCE DESTINATION\n\n"
                "  Moves an existing secrets engine to a new path. Any leases from the old\n"
                "  secrets engine are revoked, but all configuration associated with the\n"
                "  engine is preserved.\n\n"
                "      $ coffer secrets move secret/ generic/");
  c.AddHttpFlags();
  if (std::optional<int> code = c.Parse(args)) return *code;
  if (!c.CheckArgs(2, 2)) return kExitLocalError;
  std::string from = EnsureTrailingSlash(c.args()[0]);
  std::string to = EnsureTrailingSlash(c.args()[1]);
  api::Client* client = c.Client();
  if (client == nullptr) return kExitRemoteError;
  Result<std::optional<Json>> r =
      client->Write("sys/remount", {{"from", from}, {"to", to}}, "POST");
  if (!r) return c.RemoteError("Error moving secrets engine " + from + " to " + to, r.error());
  std::string id = r->has_value() ? GetString(GetJson(**r, "data"), "migration_id",
                                              GetString(**r, "migration_id"))
                                  : "";
  if (id.empty()) {  // a synchronous remount
    c.Out("Success! Finished moving secrets engine " + from + " to " + to);
    return kExitOk;
  }
  c.Out("Started moving secrets engine " + from + " to " + to + ", with migration ID " + id);
  for (int attempt = 0; attempt < 600; ++attempt) {
    Result<std::optional<Json>> s = client->Read("sys/remount/status/" + id);
    if (!s) return c.RemoteError("Error checking migration status of " + id, s.error());
    Json info = s->has_value() ? GetJson(GetJson(**s, "data"), "migration_info") : Json();
    std::string status = GetString(info, "status");
    if (status == "success") {
      c.Out("Success! Finished moving secrets engine " + from + " to " + to +
            ", with migration ID " + id);
      return kExitOk;
    }
    if (status == "failure") {
      c.Error("Failure! Error encountered moving secrets engine " + from + " to " + to +
              ", with migration ID " + id);
      return kExitRemoteError;
    }
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
  c.Error("Timed out waiting for migration " + id);
  return kExitRemoteError;
}

}  // namespace

void AddSecretsCommands(std::vector<CommandSpec>* out) {
  out->push_back({"secrets enable", "Enable a secrets engine", RunEnable});
  out->push_back({"secrets disable", "Disable a secrets engine", RunDisable});
  out->push_back({"secrets list", "List enabled secrets engines", RunList});
  out->push_back({"secrets tune", "Tune a secrets engine configuration", RunTune});
  out->push_back({"secrets move", "Move a secrets engine to a new path", RunMove});
}

}  // namespace coffer::cli
