#pragma once
// The flags shared by `secrets enable|tune` and `auth enable|tune`, and the request bodies
// they produce (Vault's MountInput / MountConfigInput).

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/json.h"
#include "cli/flags.h"

namespace coffer::cli {

struct MountOptions {
  std::string description;
  std::optional<std::chrono::seconds> default_lease_ttl, max_lease_ttl;
  std::vector<std::string> audit_non_hmac_request_keys, audit_non_hmac_response_keys;
  std::vector<std::string> passthrough_request_headers, allowed_response_headers;
  std::string listing_visibility;
  std::map<std::string, std::string> options;
  std::string plugin_version;
  int64_t version = 0;     // options.version when > 0
  std::string token_type;  // auth only
  // enable only
  std::string path, plugin_name;
  bool local = false, seal_wrap = false, external_entropy_access = false;
  bool force_no_cache = false;  // secrets only

  // Registers the flags; enable adds -path, -local, -seal-wrap, ...; auth adds -token-type.
  void Register(FlagSet& f, bool enable, bool auth);

  // The "config" object of an enable request, or the body of a tune request. Only flags
  // that were given are included (flags.IsSet), so a tune changes nothing else.
  Json Config(const FlagSet& f) const;
  // options with -version folded in as options.version.
  Json Options() const;
};

}  // namespace coffer::cli
