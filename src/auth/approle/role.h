#pragma once
// An AppRole as stored at "role/<lower-case name>" in the mount's storage. The role's
// hmac_key keys the HMACs under which its secret IDs are stored (secret_id.h), so a role
// deleted and created again under the same name never sees the old one's secret IDs.
//
// Thread-safety: plain values and pure functions.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/tokenutil.h"
#include "base/json.h"
#include "base/status.h"

namespace coffer::storage {
class Backend;
}

namespace coffer::auth::approle {

inline constexpr std::string_view kRolePrefix = "role/";
inline constexpr std::string_view kRoleIdPrefix = "role_id/";

// Vault's limit on role names and HMAC inputs.
inline constexpr size_t kMaxHmacInputLength = 4096;

struct RoleEntry {
  std::string name;      // lower-case
  std::string role_id;   // the login identifier; a UUID unless set by the operator
  std::string hmac_key;  // hex; keys the HMACs of this role's secret IDs
  bool bind_secret_id = true;
  std::vector<std::string> secret_id_bound_cidrs;
  int64_t secret_id_num_uses = 0;
  std::chrono::seconds secret_id_ttl{0};
  bool local_secret_ids = false;
  TokenParams token;
  // Deprecated fields ("policies", "period") echoed on reads only while they are set.
  std::vector<std::string> legacy_policies;
  std::chrono::seconds legacy_period{0};

  std::string Serialize() const;
  static Result<RoleEntry> Parse(std::string_view stored);

  // The data of a role read, as Vault's pathRoleRead.
  Json ReadData() const;

  // Vault's validateRoleConstraints: bind_secret_id or some bound CIDRs.
  Status ValidateConstraints() const;
};

// The role, or nullopt. `name` must already be lower-case.
Result<std::optional<RoleEntry>> LoadRole(storage::Backend& s, const std::string& name);

// Vault lower-cases role names (roles created since its LowerCaseRoleName change).
std::string NormalizeRoleName(std::string_view name);

// Each block of `child` lies inside some block of `parent` (Vault's cidrutil.SubsetBlocks).
// True when `child` is empty or `parent` is empty (no restriction on the role).
bool CidrsSubset(const std::vector<std::string>& parent, const std::vector<std::string>& child);

}  // namespace coffer::auth::approle
