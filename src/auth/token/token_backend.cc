#include "auth/token/token_backend.h"

#include <algorithm>

#include "auth/token/token_methods.h"
#include "core/core_impl.h"

namespace coffer::auth::token {

TokenBackend::TokenBackend(core::CoreImpl& core) : core_(core) {
  SetKind(core::BackendKind::kCredential);
  core::SpecialPaths sp;
  sp.root = {"revoke-orphan/*", "accessors*"};
  SetSpecialPaths(std::move(sp));
  AddPaths(RolePaths());
  AddPaths(CreatePaths());
  AddPaths(LookupPaths());
  AddPaths(RevokePaths());
  AddPaths(RenewPaths());
}

Result<std::optional<core::TokenEntry>> TokenBackend::Caller(const core::Request& req) {
  // A request on its token's last use still acts as that token (Core revokes it after).
  if (req.token && req.token->last_use && req.token->id == req.client_token) {
    COFFER_ASSIGN_OR_RETURN(auto e, core_.Tokens().LookupUsedUp(req.token->cubbyhole_id));
    if (e) e->id = req.client_token;
    return e;
  }
  return core_.Tokens().Lookup(req.client_token);
}

Result<bool> TokenBackend::HasSudo(const core::TokenEntry& token, const core::Request& req) {
  COFFER_ASSIGN_OR_RETURN(auto caps, core_.Capabilities(token, req.mount_point + req.path));
  return std::any_of(caps.begin(), caps.end(),
                     [](const std::string& c) { return c == "sudo" || c == "root"; });
}

TtlLimits TokenBackend::MountLimits() {
  TtlLimits limits{core_.DefaultLeaseTtl(), core_.MaxLeaseTtl()};
  auto mount = core_.FindMount("auth", "auth/token/");
  if (mount && mount->system_view) {
    limits.default_ttl = mount->system_view->DefaultLeaseTtl();
    limits.max_ttl = mount->system_view->MaxLeaseTtl();
  }
  return limits;
}

core::Auth TokenBackend::AuthFor(const core::TokenEntry& entry, const std::string& client_token) {
  core::Auth a;
  a.client_token = client_token;
  a.accessor = entry.accessor;
  a.policies = entry.policies;
  a.token_policies = entry.policies;
  a.metadata = entry.meta;
  // The TTL granted at creation or at the last renewal, as Vault reports it (not the time
  // left, which a second boundary between the grant and this line would shorten by one).
  int64_t granted_at = std::max(entry.creation_time, entry.last_renewal_time);
  a.lease_duration = std::chrono::seconds(
      entry.expire_time == 0 ? 0 : std::max<int64_t>(0, entry.expire_time - granted_at));
  a.ttl = a.lease_duration;
  a.renewable = entry.renewable;
  a.entity_id = entry.entity_id;
  a.token_type = entry.type;
  a.orphan = entry.orphan;
  a.num_uses = entry.num_uses;
  a.display_name = entry.display_name;
  a.period = entry.period;
  a.explicit_max_ttl = entry.explicit_max_ttl;
  return a;
}

Result<std::vector<std::string>> TokenBackend::AllAccessors(bool drop_dangling) {
  return core_.Tokens().ListAccessors(drop_dangling);
}

Result<std::unique_ptr<core::Backend>> NewTokenBackend(core::CoreImpl& core) {
  auto backend = std::make_unique<TokenBackend>(core);
  COFFER_RETURN_IF_ERROR(backend->Initialize());
  return std::unique_ptr<core::Backend>(std::move(backend));
}

}  // namespace coffer::auth::token
