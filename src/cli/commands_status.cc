// status, version.

#include "cli/cli.h"
#include "cli/command.h"
#include "cli/seal_status.h"

namespace coffer::cli {
namespace {

int RunStatus(Io& io, const std::vector<std::string>& args) {
  BaseCommand c(io,
                "Usage: coffer status [options]\n\n"
                "  Prints the current state of the server including whether it is sealed and "
                "if\n  HA mode is enabled. This command prints regardless of whether the "
                "server is\n  sealed.\n\n"
                "  The exit code reflects the seal status:\n\n"
                "      - 0 - unsealed\n      - 1 - error\n      - 2 - sealed");
  c.AddHttpFlags();
  c.AddOutputFlags(false);
  if (std::optional<int> code = c.Parse(args)) return *code;
  if (!c.CheckArgs(0, 0)) return kExitLocalError;
  api::Client* client = c.Client();
  if (client == nullptr) return kExitLocalError;
  bool sealed = false;
  int code = PrintSealStatus(c, *client, &sealed);
  if (code != kExitOk) return kExitLocalError;  // Vault: 1 on error, since 2 means sealed
  return sealed ? kExitRemoteError : kExitOk;
}

int RunVersion(Io& io, const std::vector<std::string>& args) {
  BaseCommand c(io, "Usage: coffer version\n\n  Prints the version of this Coffer CLI.");
  if (std::optional<int> code = c.Parse(args)) return *code;
  c.Out(VersionString());
  return kExitOk;
}

}  // namespace

void AddStatusCommands(std::vector<CommandSpec>* out) {
  out->push_back({"status", "Print seal and HA status", RunStatus});
  out->push_back({"version", "Prints the Coffer CLI version", RunVersion});
}

}  // namespace coffer::cli
