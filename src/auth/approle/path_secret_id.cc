// ApproleBackend: issuing, listing, looking up and destroying a role's secret IDs
// (role/<name>/secret-id, custom-secret-id, secret-id/{lookup,destroy},
// secret-id-accessor/{lookup,destroy}).

#include "auth/approle/backend.h"
#include "crypto/random.h"
#include "storage/backend.h"

namespace coffer::auth::approle {

namespace {

std::string ListText(const std::vector<std::string>& v) { return Json(v).dump(); }

Status AccessorNotFound(const std::string& accessor) {
  return NotFound("failed to find accessor entry for secret_id_accessor: \"" + accessor + "\"");
}

}  // namespace

Result<RoleEntry> ApproleBackend::RequireRole(Request& req, FieldData& d) {
  const std::string name = NormalizeRoleName(d.GetString("role_name"));
  if (name.empty()) return Err(InvalidArgument("missing role_name"));
  COFFER_ASSIGN_OR_RETURN(auto role, LoadRole(*req.storage, name));
  if (!role) return Err(InvalidArgument("role \"" + name + "\" does not exist"));
  return std::move(*role);
}

Result<core::Response> ApproleBackend::GenerateSecretId(Request& req, FieldData& d) {
  COFFER_ASSIGN_OR_RETURN(std::string secret_id, crypto::GenerateUuid(*random_));
  return IssueSecretId(req, d, std::move(secret_id));
}

Result<core::Response> ApproleBackend::CustomSecretId(Request& req, FieldData& d) {
  std::string secret_id = d.GetString("secret_id");
  if (secret_id.empty()) return Err(InvalidArgument("missing secret_id"));
  return IssueSecretId(req, d, std::move(secret_id));
}

Result<core::Response> ApproleBackend::IssueSecretId(Request& req, FieldData& d,
                                                     std::string secret_id) {
  if (secret_id.size() > kMaxHmacInputLength) {
    WipeString(secret_id);
    return Err(InvalidArgument("secret_id is longer than maximum of " +
                               std::to_string(kMaxHmacInputLength) + " bytes"));
  }
  std::lock_guard<std::mutex> role_lock(role_mu_);
  COFFER_ASSIGN_OR_RETURN(RoleEntry role, RequireRole(req, d));
  if (!role.bind_secret_id) return Err(InvalidArgument("bind_secret_id is not set on the role"));

  SecretIdEntry entry;
  entry.cidr_list = d.GetStringSlice("cidr_list");
  if (Status st = ValidateCidrs(entry.cidr_list); !st.ok())
    return Err(InvalidArgument("failed to validate CIDR blocks: " + st.message()));
  if (!CidrsSubset(role.secret_id_bound_cidrs, entry.cidr_list))
    return Err(
        InvalidArgument("failed to verify subset relationship between CIDR blocks on the role " +
                        ListText(role.secret_id_bound_cidrs) +
                        " and CIDR blocks on the secret ID " + ListText(entry.cidr_list)));
  entry.token_bound_cidrs = d.GetStringSlice("token_bound_cidrs");
  if (Status st = ValidateCidrs(entry.token_bound_cidrs); !st.ok())
    return Err(InvalidArgument("failed to validate token CIDR blocks: " + st.message()));
  if (!CidrsSubset(role.token.bound_cidrs, entry.token_bound_cidrs))
    return Err(
        InvalidArgument("failed to verify subset relationship between CIDR blocks on the role " +
                        ListText(role.token.bound_cidrs) + " and CIDR blocks on the secret ID " +
                        ListText(entry.token_bound_cidrs)));

  // num_uses and ttl may narrow the role's limits, never widen them (Vault 1.13+).
  entry.num_uses = role.secret_id_num_uses;
  if (auto v = d.GetOk("num_uses")) {
    const int64_t n = v->get<int64_t>();
    if (n < 0) return Err(InvalidArgument("num_uses cannot be negative"));
    if (role.secret_id_num_uses > 0 && (n == 0 || n > role.secret_id_num_uses))
      return Err(InvalidArgument("num_uses cannot be higher than the role's secret_id_num_uses"));
    entry.num_uses = n;
  }
  entry.ttl = role.secret_id_ttl;
  if (auto v = d.GetOk("ttl")) {
    const std::chrono::seconds ttl(v->get<int64_t>());
    if (role.secret_id_ttl.count() > 0 && (ttl.count() == 0 || ttl > role.secret_id_ttl))
      return Err(InvalidArgument("ttl cannot be longer than the role's secret_id_ttl"));
    entry.ttl = ttl;
  }
  COFFER_ASSIGN_OR_RETURN(entry.metadata, ParseMetadata(d.GetString("metadata")));
  // Vault's deriveSecretIDTTL: capped by the mount's max lease TTL.
  std::chrono::seconds effective_ttl = entry.ttl;
  if (system_ != nullptr && system_->MaxLeaseTtl().count() > 0 &&
      effective_ttl > system_->MaxLeaseTtl())
    effective_ttl = system_->MaxLeaseTtl();

  storage::Backend& s = *req.storage;
  entry.secret_id_hmac = RoleHmac(role, secret_id);
  const std::string role_hmac = RoleHmac(role, role.name);
  COFFER_ASSIGN_OR_RETURN(entry.accessor, crypto::GenerateUuid(*random_));
  COFFER_ASSIGN_OR_RETURN(std::string salted_accessor, Salted(s, entry.accessor));
  {
    std::shared_lock<std::shared_mutex> tidy_lock(tidy_mu_);
    std::lock_guard<std::mutex> id_lock(SecretIdLock(entry.secret_id_hmac));
    const std::string key = SecretIdKey(role_hmac, entry.secret_id_hmac);
    COFFER_ASSIGN_OR_RETURN(auto existing, s.Get(key));
    if (existing) {
      WipeString(secret_id);
      return Err(InvalidArgument("SecretID is already registered"));
    }
    entry.creation_time = entry.last_updated_time = Now();
    if (effective_ttl.count() > 0) entry.expiration_time = entry.creation_time + effective_ttl;
    const std::vector<storage::Op> ops = {
        storage::Op::Put(
            AccessorKey(salted_accessor),
            Json{{"secret_id_hmac", entry.secret_id_hmac}, {"role_hmac", role_hmac}}.dump()),
        storage::Op::Put(key, entry.Serialize())};
    COFFER_RETURN_IF_ERROR(s.Batch(ops));
  }
  Json data = {{"secret_id", secret_id},
               {"secret_id_accessor", entry.accessor},
               {"secret_id_ttl", effective_ttl.count()},
               {"secret_id_num_uses", entry.num_uses}};
  WipeString(secret_id);
  return Response::WithData(std::move(data));
}

Result<core::Response> ApproleBackend::ListSecretIds(Request& req, FieldData& d) {
  COFFER_ASSIGN_OR_RETURN(RoleEntry role, RequireRole(req, d));
  const std::string role_hmac = RoleHmac(role, role.name);
  COFFER_ASSIGN_OR_RETURN(auto hmacs, req.storage->List(SecretIdDir(role_hmac)));
  std::vector<std::string> accessors;
  for (const auto& h : hmacs) {
    COFFER_ASSIGN_OR_RETURN(auto raw, req.storage->Get(SecretIdKey(role_hmac, h)));
    if (!raw) continue;  // destroyed since the listing
    COFFER_ASSIGN_OR_RETURN(SecretIdEntry entry, SecretIdEntry::Parse(*raw));
    accessors.push_back(entry.accessor);
  }
  return Response::ListResponse(std::move(accessors));
}

Result<core::Response> ApproleBackend::LookupSecretId(Request& req, FieldData& d) {
  std::string secret_id = d.GetString("secret_id");
  if (secret_id.empty()) return Err(InvalidArgument("missing secret_id"));
  COFFER_ASSIGN_OR_RETURN(RoleEntry role, RequireRole(req, d));
  const std::string hmac = RoleHmac(role, secret_id);
  WipeString(secret_id);
  std::lock_guard<std::mutex> id_lock(SecretIdLock(hmac));
  COFFER_ASSIGN_OR_RETURN(auto raw, req.storage->Get(SecretIdKey(RoleHmac(role, role.name), hmac)));
  // Vault answers an unknown secret ID with an empty success (204), not 404.
  if (!raw) return Response();
  COFFER_ASSIGN_OR_RETURN(SecretIdEntry entry, SecretIdEntry::Parse(*raw));
  if (!ConstantTimeEquals(entry.secret_id_hmac, hmac)) return Response();
  return Response::WithData(entry.LookupData());
}

Result<core::Response> ApproleBackend::DestroySecretId(Request& req, FieldData& d) {
  std::string secret_id = d.GetString("secret_id");
  if (secret_id.empty()) return Err(InvalidArgument("missing secret_id"));
  COFFER_ASSIGN_OR_RETURN(RoleEntry role, RequireRole(req, d));
  const std::string hmac = RoleHmac(role, secret_id);
  WipeString(secret_id);
  const std::string role_hmac = RoleHmac(role, role.name);
  std::shared_lock<std::shared_mutex> tidy_lock(tidy_mu_);
  std::lock_guard<std::mutex> id_lock(SecretIdLock(hmac));
  COFFER_ASSIGN_OR_RETURN(auto raw, req.storage->Get(SecretIdKey(role_hmac, hmac)));
  if (!raw) return Response();
  COFFER_ASSIGN_OR_RETURN(SecretIdEntry entry, SecretIdEntry::Parse(*raw));
  COFFER_RETURN_IF_ERROR(DeleteSecretIdEntry(*req.storage, role_hmac, entry));
  return Response();
}

Result<core::Response> ApproleBackend::LookupSecretIdAccessor(Request& req, FieldData& d) {
  const std::string accessor = d.GetString("secret_id_accessor");
  if (accessor.empty()) return Err(InvalidArgument("missing secret_id_accessor"));
  COFFER_ASSIGN_OR_RETURN(RoleEntry role, RequireRole(req, d));
  COFFER_ASSIGN_OR_RETURN(std::string salted, Salted(*req.storage, accessor));
  COFFER_ASSIGN_OR_RETURN(auto index, req.storage->Get(AccessorKey(salted)));
  if (!index) return Err(AccessorNotFound(accessor));
  auto j = ParseJson(*index);
  if (!j || !j->is_object()) return Err(Corruption("approle: unreadable accessor entry"));
  const std::string hmac = j->value("secret_id_hmac", std::string());
  // The accessor must name a secret ID of this role, not of another one.
  COFFER_ASSIGN_OR_RETURN(auto raw, req.storage->Get(SecretIdKey(RoleHmac(role, role.name), hmac)));
  if (!raw) return Err(AccessorNotFound(accessor));
  COFFER_ASSIGN_OR_RETURN(SecretIdEntry entry, SecretIdEntry::Parse(*raw));
  return Response::WithData(entry.LookupData());
}

Result<core::Response> ApproleBackend::DestroySecretIdAccessor(Request& req, FieldData& d) {
  const std::string accessor = d.GetString("secret_id_accessor");
  if (accessor.empty()) return Err(InvalidArgument("missing secret_id_accessor"));
  COFFER_ASSIGN_OR_RETURN(RoleEntry role, RequireRole(req, d));
  COFFER_ASSIGN_OR_RETURN(std::string salted, Salted(*req.storage, accessor));
  std::shared_lock<std::shared_mutex> tidy_lock(tidy_mu_);
  COFFER_ASSIGN_OR_RETURN(auto index, req.storage->Get(AccessorKey(salted)));
  if (!index) return Err(AccessorNotFound(accessor));
  auto j = ParseJson(*index);
  if (!j || !j->is_object()) return Err(Corruption("approle: unreadable accessor entry"));
  const std::string hmac = j->value("secret_id_hmac", std::string());
  const std::string role_hmac = RoleHmac(role, role.name);
  std::lock_guard<std::mutex> id_lock(SecretIdLock(hmac));
  COFFER_ASSIGN_OR_RETURN(auto raw, req.storage->Get(SecretIdKey(role_hmac, hmac)));
  if (!raw) return Err(AccessorNotFound(accessor));
  COFFER_ASSIGN_OR_RETURN(SecretIdEntry entry, SecretIdEntry::Parse(*raw));
  COFFER_RETURN_IF_ERROR(DeleteSecretIdEntry(*req.storage, role_hmac, entry));
  return Response();
}

Status ApproleBackend::DeleteSecretIdEntry(storage::Backend& s, const std::string& role_hmac,
                                           const SecretIdEntry& entry) {
  COFFER_ASSIGN_OR_RETURN(std::string salted, Salted(s, entry.accessor));
  const std::vector<storage::Op> ops = {
      storage::Op::Delete(AccessorKey(salted)),
      storage::Op::Delete(SecretIdKey(role_hmac, entry.secret_id_hmac))};
  return s.Batch(ops);
}

Status ApproleBackend::FlushRoleSecretIds(storage::Backend& s, const RoleEntry& role) {
  const std::string role_hmac = RoleHmac(role, role.name);
  std::shared_lock<std::shared_mutex> tidy_lock(tidy_mu_);
  COFFER_ASSIGN_OR_RETURN(auto hmacs, s.List(SecretIdDir(role_hmac)));
  for (const auto& h : hmacs) {
    std::lock_guard<std::mutex> id_lock(SecretIdLock(h));
    COFFER_ASSIGN_OR_RETURN(auto raw, s.Get(SecretIdKey(role_hmac, h)));
    if (!raw) continue;
    auto entry = SecretIdEntry::Parse(*raw);
    if (entry) {
      COFFER_RETURN_IF_ERROR(DeleteSecretIdEntry(s, role_hmac, *entry));
    } else {
      COFFER_RETURN_IF_ERROR(s.Delete(SecretIdKey(role_hmac, h)));
    }
  }
  return Status::Ok();
}

}  // namespace coffer::auth::approle
