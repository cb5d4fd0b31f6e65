#pragma once
// Command-line flags of `coffer server`, parsed the way Vault's CLI parses them:
// -flag=value, -flag value, --flag; boolean flags take no value.

#include <string>
#include <vector>

#include "base/status.h"

namespace coffer::server {

struct ServerFlags {
  std::vector<std::string> config_paths;
  bool dev = false;
  std::string dev_root_token_id;
  std::string dev_listen_address = "127.0.0.1:8200";
  std::string log_level;  // overrides the config file
  std::string log_format;
  bool dev_no_store_token = false;
  bool dev_leased_kv = false;  // every kv mount a leased K/V v1 (secret/ included)
  bool help = false;
};

Result<ServerFlags> ParseServerFlags(int argc, char** argv);
std::string ServerUsage();

}  // namespace coffer::server
