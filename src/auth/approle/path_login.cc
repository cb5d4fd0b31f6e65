// ApproleBackend: login (role_id + secret_id) and the renewal of the tokens it issued.
// Neither the secret ID nor the role ID appears in any error message.

#include "auth/approle/backend.h"
#include "storage/backend.h"

namespace coffer::auth::approle {

namespace {

constexpr const char* kInvalidCredentials = "invalid role or secret ID";

std::string Trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

Status Unauthorized(const std::string& remote_addr, const char* what) {
  return InvalidArgument("source address \"" + remote_addr +
                         "\" unauthorized by CIDR restrictions on the " + what);
}

}  // namespace

Result<core::Response> ApproleBackend::Login(Request& req, FieldData& d) {
  storage::Backend& s = *req.storage;
  std::string role_id = Trim(d.GetString("role_id"));
  if (role_id.empty()) return Err(InvalidArgument("missing role_id"));
  COFFER_ASSIGN_OR_RETURN(std::string salted_role_id, Salted(s, role_id));
  COFFER_ASSIGN_OR_RETURN(auto index, s.Get(std::string(kRoleIdPrefix) + salted_role_id));
  if (!index) return Err(InvalidArgument(kInvalidCredentials));
  auto index_json = ParseJson(*index);
  if (!index_json || !index_json->is_object())
    return Err(Corruption("approle: unreadable role ID index"));
  COFFER_ASSIGN_OR_RETURN(auto role, LoadRole(s, index_json->value("name", std::string())));
  if (!role || !ConstantTimeEquals(role->role_id, role_id))
    return Err(InvalidArgument(kInvalidCredentials));
  WipeString(role_id);

  // The role's CIDRs first, so a refused address does not spend a use of the secret ID.
  if (!RemoteAddrAllowed(req.remote_addr, role->secret_id_bound_cidrs))
    return Err(Unauthorized(req.remote_addr, "role"));

  std::optional<SecretIdEntry> used;
  if (role->bind_secret_id) {
    std::string secret_id = Trim(d.GetString("secret_id"));
    if (secret_id.empty()) return Err(InvalidArgument("missing secret_id"));
    auto entry = ConsumeSecretId(req, *role, secret_id);
    WipeString(secret_id);
    if (!entry) return Err(entry.error());
    used = std::move(*entry);
  }

  TokenParams token = role->token;
  if (used && !used->token_bound_cidrs.empty()) token.bound_cidrs = used->token_bound_cidrs;
  core::Auth auth;
  token.ApplyTo(&auth);
  auth.metadata = used ? used->metadata : std::map<std::string, std::string>{};
  auth.metadata["role_name"] = role->name;
  auth.internal_data["role_name"] = role->name;
  auth.internal_data["role_id"] = role->role_id;
  auth.internal_data["alias_name"] = role->role_id;  // Vault's Alias.Name
  auth.internal_data["policies"] = role->token.policies;
  if (used) auth.internal_data["secret_id_accessor"] = used->accessor;
  Response r;
  r.auth = std::move(auth);
  return r;
}

Result<SecretIdEntry> ApproleBackend::ConsumeSecretId(Request& req, const RoleEntry& role,
                                                      const std::string& secret_id) {
  storage::Backend& s = *req.storage;
  const std::string hmac = RoleHmac(role, secret_id);
  const std::string role_hmac = RoleHmac(role, role.name);
  const std::string key = SecretIdKey(role_hmac, hmac);
  std::shared_lock<std::shared_mutex> tidy_lock(tidy_mu_);
  std::lock_guard<std::mutex> id_lock(SecretIdLock(hmac));

  COFFER_ASSIGN_OR_RETURN(auto raw, s.Get(key));
  if (!raw) return Err(InvalidArgument(kInvalidCredentials));
  COFFER_ASSIGN_OR_RETURN(SecretIdEntry entry, SecretIdEntry::Parse(*raw));
  if (!ConstantTimeEquals(entry.secret_id_hmac, hmac))
    return Err(InvalidArgument(kInvalidCredentials));
  // A secret ID without its accessor entry is half-deleted: finish the job.
  COFFER_ASSIGN_OR_RETURN(std::string salted_accessor, Salted(s, entry.accessor));
  COFFER_ASSIGN_OR_RETURN(auto accessor, s.Get(AccessorKey(salted_accessor)));
  if (!accessor) {
    COFFER_RETURN_IF_ERROR(s.Delete(key));
    return Err(InvalidArgument(kInvalidCredentials));
  }
  if (entry.Expired(Now())) {
    COFFER_RETURN_IF_ERROR(DeleteSecretIdEntry(s, role_hmac, entry));
    return Err(InvalidArgument(kInvalidCredentials));
  }
  if (!CidrsSubset(role.secret_id_bound_cidrs, entry.cidr_list))
    return Err(
        InvalidArgument("failed to verify subset relationship between CIDR blocks on the role " +
                        Json(role.secret_id_bound_cidrs).dump() +
                        " and CIDR blocks on the secret ID " + Json(entry.cidr_list).dump()));
  if (!entry.cidr_list.empty() && !RemoteAddrAllowed(req.remote_addr, entry.cidr_list))
    return Err(Unauthorized(req.remote_addr, "secret ID"));

  if (entry.num_uses == 1) {
    // The last use: the secret ID goes now, under its lock, so no second login gets it.
    COFFER_RETURN_IF_ERROR(DeleteSecretIdEntry(s, role_hmac, entry));
  } else if (entry.num_uses > 1) {
    SecretIdEntry updated = entry;
    updated.num_uses -= 1;
    updated.last_updated_time = Now();
    COFFER_RETURN_IF_ERROR(s.Put(key, updated.Serialize()));
  }
  return entry;
}

Result<core::Response> ApproleBackend::RenewLease(core::Request& req) {
  const Json internal =
      req.data.is_object() && req.data.contains("internal") && req.data["internal"].is_object()
          ? req.data["internal"]
          : Json::object();
  std::string role_name = internal.value("role_name", std::string());
  std::vector<std::string> issued_policies;
  if (internal.contains("policies") && internal["policies"].is_array())
    issued_policies = internal["policies"].get<std::vector<std::string>>();
  if (req.token) {
    if (role_name.empty()) {
      auto it = req.token->meta.find("role_name");
      if (it != req.token->meta.end()) role_name = it->second;
    }
    if (!internal.contains("policies")) issued_policies = req.token->policies;
  }
  if (role_name.empty()) return Err(InvalidArgument("failed to fetch role_name during renewal"));

  COFFER_ASSIGN_OR_RETURN(auto role, LoadRole(*req.storage, NormalizeRoleName(role_name)));
  if (!role)
    return Err(InvalidArgument("role \"" + role_name + "\" does not exist during renewal"));
  // A new role ID revokes what the old one could do, including renewing its tokens.
  if (internal.contains("role_id") && internal["role_id"].is_string() &&
      !ConstantTimeEquals(role->role_id, internal["role_id"].get<std::string>()))
    return Err(InvalidArgument("role ID of role \"" + role->name + "\" has changed, not renewing"));

  core::Auth auth;
  auth.policies = issued_policies;
  auth.token_policies = issued_policies;
  auth.metadata = {{"role_name", role->name}};
  auth.renewable = true;
  auth.ttl = role->token.ttl;
  auth.max_ttl = role->token.max_ttl;
  auth.period = role->token.period;
  Response r;
  r.auth = std::move(auth);
  return r;
}

}  // namespace coffer::auth::approle
