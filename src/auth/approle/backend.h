#pragma once
// ApproleBackend: the framework::Backend behind approle.h. Internal to auth/approle/.
//
// Thread-safety: HandleRequest and RenewLease may run concurrently. Locks, always taken
// in this order:
//   role_mu_          role writes (create/update/delete, role-id) and secret-ID issuing,
//                     so the role-ID index and the role agree and no secret ID is written
//                     under a role being deleted;
//   tidy_mu_          shared by everything that writes secret-ID or accessor entries,
//                     exclusive for tidy, so tidy never sees half of a pair;
//   secret_id_locks_  one of 256 stripes by secret-ID HMAC (Vault's locksutil): a login
//                     reads, decrements and deletes its secret ID under it, so N
//                     concurrent logins with a secret ID of num_uses N-1 issue N-1 tokens.
//   salt_mu_          guards the cached per-mount salt (a leaf lock).

#include <array>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>

#include "auth/approle/role.h"
#include "auth/approle/secret_id.h"
#include "base/secret_bytes.h"
#include "core/backend.h"
#include "framework/backend.h"

namespace coffer::crypto {
class Random;
}

namespace coffer::auth::approle {

class ApproleBackend final : public framework::Backend {
 public:
  explicit ApproleBackend(const core::BackendConfig& config);

  Result<core::Response> RenewLease(core::Request& req) override;

 private:
  using Request = core::Request;
  using Response = core::Response;
  using FieldData = framework::FieldData;

  // backend.cc: paths.
  std::vector<framework::Path> RolePaths();
  std::vector<framework::Path> RoleFieldPaths();
  std::vector<framework::Path> SecretIdPaths();
  framework::Path LoginPath();
  framework::Path TidyPath();

  // path_role.cc
  Result<Response> ListRoles(Request& req, FieldData& d);
  Result<Response> ReadRole(Request& req, FieldData& d);
  Result<Response> WriteRole(Request& req, FieldData& d);
  Result<Response> DeleteRole(Request& req, FieldData& d);
  Result<bool> RoleExists(Request& req, FieldData& d);
  Result<Response> ReadRoleId(Request& req, FieldData& d);
  Result<Response> UpdateRoleId(Request& req, FieldData& d);
  // Validates `role` and writes it with its role-ID index (dropping `previous_role_id`'s).
  // Caller holds role_mu_.
  Status SaveRole(storage::Backend& s, const RoleEntry& role, const std::string& previous_role_id);

  // path_secret_id.cc
  Result<Response> GenerateSecretId(Request& req, FieldData& d);
  Result<Response> CustomSecretId(Request& req, FieldData& d);
  Result<Response> ListSecretIds(Request& req, FieldData& d);
  Result<Response> LookupSecretId(Request& req, FieldData& d);
  Result<Response> DestroySecretId(Request& req, FieldData& d);
  Result<Response> LookupSecretIdAccessor(Request& req, FieldData& d);
  Result<Response> DestroySecretIdAccessor(Request& req, FieldData& d);
  Result<Response> IssueSecretId(Request& req, FieldData& d, std::string secret_id);
  // The role named in the request; InvalidArgument "role \"x\" does not exist" if none.
  Result<RoleEntry> RequireRole(Request& req, FieldData& d);
  // Removes a secret ID's entry and its accessor. Caller holds tidy_mu_ (shared) and the
  // secret ID's stripe.
  Status DeleteSecretIdEntry(storage::Backend& s, const std::string& role_hmac,
                             const SecretIdEntry& entry);
  // Removes every secret ID of a role. Caller holds role_mu_.
  Status FlushRoleSecretIds(storage::Backend& s, const RoleEntry& role);

  // path_login.cc
  Result<Response> Login(Request& req, FieldData& d);
  // Checks and consumes the secret ID of a login; its entry (as it was) on success.
  Result<SecretIdEntry> ConsumeSecretId(Request& req, const RoleEntry& role,
                                        const std::string& secret_id);

  // path_tidy.cc
  Result<Response> TidySecretIds(Request& req, FieldData& d);

  // Hex HMAC-SHA256 under the role's key / under the mount's salt (created on first use).
  static std::string RoleHmac(const RoleEntry& role, std::string_view value);
  Result<std::string> Salted(storage::Backend& s, std::string_view value);
  std::mutex& SecretIdLock(const std::string& secret_id_hmac);
  TimePoint Now() const { return clock_->Now(); }

  const Clock* clock_;
  crypto::Random* random_;
  const core::SystemView* system_;

  std::mutex role_mu_;
  std::shared_mutex tidy_mu_;
  std::array<std::mutex, 256> secret_id_locks_;
  std::mutex salt_mu_;
  std::optional<SecretBytes> salt_;  // guarded by salt_mu_
};

}  // namespace coffer::auth::approle
