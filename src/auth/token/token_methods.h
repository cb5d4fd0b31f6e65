#pragma once
// TokenBackend: the framework::Backend behind auth/token/. Paths are grouped by file:
// token_create.cc (create, create-orphan, create/<role>), token_roles.cc (roles,
// roles/<role>), token_lookup.cc (lookup*, accessors), token_revoke.cc (revoke*, renew*,
// tidy); token_backend.cc holds the shared helpers.
//
// Thread-safety: stateless apart from `core_`; every handler may run concurrently.

#include <string>
#include <vector>

#include "auth/token/ttl.h"
#include "core/logical.h"
#include "framework/backend.h"

namespace coffer::core {
class CoreImpl;
struct TokenEntry;
}  // namespace coffer::core

namespace coffer::auth::token {

struct TokenRole;
using framework::FieldData;
using HandlerResult = Result<core::Response>;

class TokenBackend final : public framework::Backend {
 public:
  explicit TokenBackend(core::CoreImpl& core);

 private:
  // token_create.cc
  std::vector<framework::Path> CreatePaths();
  // `role` is null for create and create-orphan.
  HandlerResult Create(core::Request& req, FieldData& d, bool orphan, const TokenRole* role);
  HandlerResult CreateAgainstRole(core::Request& req, FieldData& d);

  // token_roles.cc
  std::vector<framework::Path> RolePaths();
  HandlerResult WriteRole(core::Request& req, FieldData& d);

  // token_lookup.cc
  std::vector<framework::Path> LookupPaths();
  HandlerResult Lookup(const std::string& token);
  HandlerResult LookupAccessor(FieldData& d);
  HandlerResult ListAccessors();

  // token_revoke.cc
  std::vector<framework::Path> RevokePaths();
  std::vector<framework::Path> RenewPaths();
  HandlerResult Revoke(const std::string& token);
  HandlerResult RevokeAccessor(FieldData& d);
  HandlerResult RevokeOrphan(core::Request& req, FieldData& d);
  HandlerResult Renew(core::Request& req, const std::string& token, FieldData& d);
  HandlerResult RenewAccessor(core::Request& req, FieldData& d);
  // Renews `entry`; a role's token first takes the role's current period and explicit
  // max TTL, as Vault's authRenew does.
  Result<core::TokenEntry> RenewEntry(core::Request& req, core::TokenEntry entry,
                                      std::chrono::seconds increment);
  HandlerResult Tidy(core::Request& req);

  // token_backend.cc: shared helpers.
  // The caller's token entry, or nullopt when the request's token is unknown.
  Result<std::optional<core::TokenEntry>> Caller(const core::Request& req);
  // Whether `token` holds sudo (or root) on this request's full path.
  Result<bool> HasSudo(const core::TokenEntry& token, const core::Request& req);
  // The auth/token/ mount's default and max TTL (its tuning, else the system's).
  TtlLimits MountLimits();
  // The "auth" block returned for a token (create and renew responses).
  core::Auth AuthFor(const core::TokenEntry& entry, const std::string& client_token);
  // Every accessor with a stored token (see token_backend.cc about the storage layout).
  Result<std::vector<std::string>> AllAccessors(bool drop_dangling);

  core::CoreImpl& core_;
};

}  // namespace coffer::auth::token
