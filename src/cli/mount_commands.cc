#include "cli/mount_commands.h"

#include "cli/command.h"
#include "cli/format.h"
#include "cli/mount_options.h"
#include "cli/mount_table.h"

namespace coffer::cli {

int RunMountList(Io& io, const std::vector<std::string>& args, const MountKind& kind,
                 const std::string& usage) {
  BaseCommand c(io, usage);
  c.AddHttpFlags();
  c.AddOutputFlags(false, true);
  if (std::optional<int> code = c.Parse(args)) return *code;
  if (!c.CheckArgs(0, 0)) return kExitLocalError;
  api::Client* client = c.Client();
  if (client == nullptr) return kExitRemoteError;
  Result<api::Response> r = client->Request("GET", kind.api_path, nullptr);
  if (!r) return c.RemoteError(kind.list_error, r.error());
  Json mounts = MountsOf(r->body);
  if (!c.table()) return c.OutputData(mounts);
  c.Out(MountsTable(mounts, c.detailed(), kind.auth));
  return kExitOk;
}

int RunMountTune(Io& io, const std::vector<std::string>& args, const MountKind& kind,
                 const std::string& usage) {
  BaseCommand c(io, usage);
  c.AddHttpFlags();
  MountOptions m;
  m.Register(c.flags(), /*enable=*/false, kind.auth);
  if (std::optional<int> code = c.Parse(args)) return *code;
  if (!c.CheckArgs(1, 1)) return kExitLocalError;
  std::string path = EnsureTrailingSlash(c.args()[0]);
  api::Client* client = c.Client();
  if (client == nullptr) return kExitRemoteError;
  Json body = m.Config(c.flags());
  if (c.flags().IsSet("description")) body["description"] = m.description;
  Json options = m.Options();
  if (!options.empty()) body["options"] = options;
  Result<std::optional<Json>> r =
      client->Write(std::string(kind.api_path) + "/" + path + "tune", body, "POST");
  if (!r) return c.RemoteError(std::string("Error tuning ") + kind.noun + " " + path, r.error());
  c.Out(std::string("Success! Tuned the ") + kind.noun + " at: " + path);
  return kExitOk;
}

}  // namespace coffer::cli
