#pragma once
// KV path handling as Vault's kv commands do it: a preflight GET on
// sys/internal/ui/mounts/<path> tells the mount path and the KV version (options.version);
// for version 2 the API prefix (data/, metadata/, delete/, undelete/, destroy/, subkeys/) is
// inserted after the mount path.

#include <string>
#include <string_view>
#include <vector>

#include "api/client.h"

namespace coffer::cli {

// Go's path.Join: joins non-empty elements with '/' and cleans the result ("a//b/../c" →
// "a/c"); "" when every element is empty.
std::string PathJoin(std::initializer_list<std::string_view> parts);

// Vault's addPrefixToKVPath: "secret/foo" with mount "secret/" and prefix "data" gives
// "secret/data/foo"; the mount itself gives "secret/data".
std::string AddPrefixToKvPath(std::string_view path, std::string_view mount_path,
                              std::string_view api_prefix);

struct KvMount {
  std::string mount_path;  // e.g. "secret/"; "" when the server did not say
  int version = 1;
};

// The preflight request (never wrapped). A 404 means an old server: version 1.
Result<KvMount> KvPreflight(const api::Client& client, std::string_view path);

// A kv command's target, from its argument and -mount flag.
struct KvTarget {
  KvMount mount;
  bool mount_flag_syntax = false;  // "-mount=secret foo" rather than "secret/foo"
  std::string flag_mount;          // the -mount value, sanitized
  std::string partial_path;        // for v2 with -mount: mount path joined with the key

  // The API path: for v2 with api_prefix inserted; for v1 the plain path.
  std::string Full(std::string_view api_prefix) const;
};

Result<KvTarget> ResolveKvTarget(const api::Client& client, std::string_view arg,
                                 std::string_view mount_flag);

}  // namespace coffer::cli

namespace coffer::cli {

// Vault's outputPath: "== Secret Path ==\nsecret/data/foo\n" (a blank line follows).
std::string KvPathHeader(std::string_view title, std::string_view path);

// -versions values ("1,2", "3") as integers; an error names the bad value.
Result<std::vector<int64_t>> ParseKvVersions(const std::vector<std::string>& versions);

}  // namespace coffer::cli
