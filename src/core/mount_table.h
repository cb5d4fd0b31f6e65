#pragma once
// Mount table and router: which backend serves which path prefix. Two tables, as in
// Vault: secrets engines ("core/mounts", paths like "secret/") and auth methods
// ("core/auth", paths like "auth/userpass/"). Both are stored through the barrier.
//
// Routing uses an immutable snapshot (std::atomic<shared_ptr<const RouteTable>>) swapped
// on every mount change, so a request never takes a lock to find its backend.

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "base/json.h"
#include "base/status.h"
#include "core/backend.h"

namespace coffer::core {

class StorageView;

struct MountConfig {
  std::chrono::seconds default_lease_ttl{0};  // 0 → system default
  std::chrono::seconds max_lease_ttl{0};      // 0 → system max
  bool force_no_cache = false;
  std::vector<std::string> audit_non_hmac_request_keys;
  std::vector<std::string> audit_non_hmac_response_keys;
  std::string listing_visibility;
  std::vector<std::string> passthrough_request_headers;
  std::vector<std::string> allowed_response_headers;
  std::string token_type;  // auth mounts: "default-service", "service", "batch", ...
};

struct MountEntry {
  std::string table;  // "mounts" or "auth"
  std::string path;   // "secret/", "auth/userpass/" (auth paths include "auth/")
  std::string type;
  std::string description;
  std::string uuid;
  std::string accessor;
  MountConfig config;
  std::map<std::string, std::string> options;
  bool local = false;
  bool seal_wrap = false;
  bool external_entropy_access = false;
  std::string running_version;

  Json ToJson() const;
  static Result<MountEntry> FromJson(const Json& j);
  // The entry as sys/mounts shows it.
  Json ToApiJson() const;
  // The storage prefix of this mount's BarrierView: "logical/<uuid>/" or
  // "auth/<uuid>/"; system mounts use "sys/" (sys) and "cubbyhole/" as Vault.
  std::string StoragePrefix() const;
};

// One mounted backend instance.
struct Mount {
  MountEntry entry;
  std::unique_ptr<StorageView> view;
  std::unique_ptr<Backend> backend;
  std::unique_ptr<SystemView> system_view;
};

// The current set of mounts, immutable once published.
struct RouteTable {
  // Sorted by path descending so the first prefix match is the longest.
  std::vector<std::shared_ptr<Mount>> mounts;

  // The mount serving `path` (longest prefix), or nullptr.
  std::shared_ptr<Mount> Match(const std::string& path) const;
  std::shared_ptr<Mount> ByPath(const std::string& mount_path) const;
  std::shared_ptr<Mount> ByAccessor(const std::string& accessor) const;
};

}  // namespace coffer::core
