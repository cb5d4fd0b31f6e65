#include "server/flags.h"

#include <cstring>

namespace coffer::server {

std::string ServerUsage() {
  return R"(Usage: coffer server [options]

  Starts a Coffer server that responds to API requests. By default it uses the
  configuration given with -config; -dev starts an in-memory, unsealed server.

  -config=<path>             Path to a configuration file or directory (repeatable).
  -dev                       Development mode: in-memory, unsealed, root token printed.
  -dev-root-token-id=<id>    Initial root token in dev mode.
  -dev-listen-address=<addr> Address to bind in dev mode (default 127.0.0.1:8200).
  -dev-no-store-token        Do not write the dev root token to ~/.coffer-token.
  -dev-leased-kv             Dev mode: K/V mounts (secret/ too) issue renewable leases.
  -log-level=<level>         trace, debug, info, warn, error (overrides the config).
  -log-format=<format>       standard or json.
)";
}

Result<ServerFlags> ParseServerFlags(int argc, char** argv) {
  ServerFlags f;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg.size() < 2 || arg[0] != '-') return Err(InvalidArgument("unexpected argument: " + arg));
    std::string body = arg.substr(arg[1] == '-' ? 2 : 1);
    std::string name = body, value;
    bool has_value = false;
    if (auto eq = body.find('='); eq != std::string::npos) {
      name = body.substr(0, eq);
      value = body.substr(eq + 1);
      has_value = true;
    }
    auto take = [&]() -> Result<std::string> {
      if (has_value) return value;
      if (i + 1 >= argc) return Err(InvalidArgument("flag needs an argument: -" + name));
      return std::string(argv[++i]);
    };
    auto boolean = [&](bool* out) -> Status {
      if (!has_value || value == "true" || value == "1")
        *out = true;
      else if (value == "false" || value == "0")
        *out = false;
      else
        return InvalidArgument("invalid boolean value \"" + value + "\" for -" + name);
      return Status::Ok();
    };
    if (name == "config") {
      COFFER_ASSIGN_OR_RETURN(std::string v, take());
      f.config_paths.push_back(v);
    } else if (name == "dev") {
      COFFER_RETURN_IF_ERROR(boolean(&f.dev));
    } else if (name == "dev-root-token-id") {
      COFFER_ASSIGN_OR_RETURN(f.dev_root_token_id, take());
    } else if (name == "dev-listen-address") {
      COFFER_ASSIGN_OR_RETURN(f.dev_listen_address, take());
    } else if (name == "dev-no-store-token") {
      COFFER_RETURN_IF_ERROR(boolean(&f.dev_no_store_token));
    } else if (name == "dev-leased-kv") {
      COFFER_RETURN_IF_ERROR(boolean(&f.dev_leased_kv));
    } else if (name == "log-level") {
      COFFER_ASSIGN_OR_RETURN(f.log_level, take());
    } else if (name == "log-format") {
      COFFER_ASSIGN_OR_RETURN(f.log_format, take());
    } else if (name == "h" || name == "help") {
      f.help = true;
    } else {
      return Err(InvalidArgument("flag provided but not defined: -" + name));
    }
  }
  if (!f.dev && f.config_paths.empty() && !f.help)
    return Err(InvalidArgument("no configuration files found; use -config or -dev"));
  return f;
}

}  // namespace coffer::server
