// ApproleBackend: tidy/secret-id. Synchronous (Vault runs it in the background and answers
// 202): removes expired secret IDs, secret IDs without an accessor entry or whose role is
// gone, and accessor entries that name no secret ID.

#include <set>

#include "auth/approle/backend.h"
#include "storage/backend.h"

namespace coffer::auth::approle {

Result<core::Response> ApproleBackend::TidySecretIds(Request& req, FieldData&) {
  storage::Backend& s = *req.storage;
  // Exclusive: no secret ID or accessor entry is written while tidy decides what dangles.
  std::unique_lock<std::shared_mutex> tidy_lock(tidy_mu_);
  const TimePoint now = Now();

  std::set<std::string> role_hmacs;
  COFFER_ASSIGN_OR_RETURN(auto names, s.List(kRolePrefix));
  for (const auto& name : names) {
    COFFER_ASSIGN_OR_RETURN(auto role, LoadRole(s, name));
    if (role) role_hmacs.insert(RoleHmac(*role, role->name));
  }

  int64_t secret_ids_deleted = 0;
  int64_t accessors_deleted = 0;
  std::set<std::string> live_accessors;  // salted
  COFFER_ASSIGN_OR_RETURN(auto dirs, s.List(kSecretIdPrefix));
  for (const auto& dir : dirs) {
    if (dir.empty() || dir.back() != '/') continue;
    const std::string role_hmac = dir.substr(0, dir.size() - 1);
    const bool orphan = role_hmacs.count(role_hmac) == 0;
    COFFER_ASSIGN_OR_RETURN(auto hmacs, s.List(SecretIdDir(role_hmac)));
    for (const auto& h : hmacs) {
      const std::string key = SecretIdKey(role_hmac, h);
      COFFER_ASSIGN_OR_RETURN(auto raw, s.Get(key));
      if (!raw) continue;
      auto entry = SecretIdEntry::Parse(*raw);
      std::optional<std::string> salted;
      bool has_accessor = false;
      if (entry) {
        COFFER_ASSIGN_OR_RETURN(salted, Salted(s, entry->accessor));
        COFFER_ASSIGN_OR_RETURN(auto accessor, s.Get(AccessorKey(*salted)));
        has_accessor = accessor.has_value();
      }
      if (!orphan && entry && has_accessor && !entry->Expired(now)) {
        live_accessors.insert(*salted);
        continue;
      }
      COFFER_RETURN_IF_ERROR(s.Delete(key));
      ++secret_ids_deleted;
      // Its accessor entry, if any, is now dangling and goes below.
    }
  }
  COFFER_ASSIGN_OR_RETURN(auto accessors, s.List(kAccessorPrefix));
  for (const auto& a : accessors) {
    if (live_accessors.count(a) != 0) continue;
    COFFER_RETURN_IF_ERROR(s.Delete(AccessorKey(a)));
    ++accessors_deleted;
  }
  return Response::WithData(
      {{"secret_ids_deleted", secret_ids_deleted}, {"accessors_deleted", accessors_deleted}});
}

}  // namespace coffer::auth::approle
