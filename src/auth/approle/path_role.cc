// ApproleBackend: role/, role/<name>, role/<name>/role-id.

#include "auth/approle/backend.h"
#include "crypto/hash.h"
#include "crypto/random.h"
#include "storage/backend.h"

namespace coffer::auth::approle {

namespace {

constexpr size_t kHmacKeyBytes = 32;

// Vault's tokenutil.UpgradeValue for one deprecated field and its token_* successor.
template <class T, class Convert>
void UpgradeValue(const framework::FieldData& d, const char* old_key, const char* new_key,
                  T* old_val, T* new_val, Convert convert) {
  if (!d.GetOk(new_key)) {
    if (auto raw = d.GetOk(old_key)) *old_val = *new_val = convert(*raw);
  } else {
    *old_val = d.GetOk(old_key) ? *new_val : T{};
  }
}

std::vector<std::string> ToPolicies(const Json& v) {
  return SanitizePolicies(v.get<std::vector<std::string>>());
}

std::chrono::seconds ToSeconds(const Json& v) { return std::chrono::seconds(v.get<int64_t>()); }

// Applies the request's fields to `role`, with Vault's validation messages.
Status ApplyRoleFields(const framework::FieldData& d, bool create, RoleEntry* role) {
  if (auto v = d.GetOk("local_secret_ids")) {
    if (create) {
      role->local_secret_ids = v->get<bool>();
    } else if (v->get<bool>() != role->local_secret_ids) {
      return InvalidArgument("local_secret_ids can only be modified during role creation");
    }
  }
  if (auto v = d.GetOk("bind_secret_id")) role->bind_secret_id = v->get<bool>();
  auto cidrs = d.GetOk("secret_id_bound_cidrs");
  if (!cidrs) cidrs = d.GetOk("bound_cidr_list");
  if (cidrs) {
    auto list = cidrs->get<std::vector<std::string>>();
    Status st = ValidateCidrs(list);
    if (!st.ok()) return InvalidArgument("failed to validate CIDR blocks: " + st.message());
    role->secret_id_bound_cidrs = std::move(list);
  }
  if (auto v = d.GetOk("secret_id_num_uses")) {
    if (v->get<int64_t>() < 0) return InvalidArgument("secret_id_num_uses cannot be negative");
    role->secret_id_num_uses = v->get<int64_t>();
  }
  if (auto v = d.GetOk("secret_id_ttl")) role->secret_id_ttl = ToSeconds(*v);
  COFFER_RETURN_IF_ERROR(role->token.Parse(d));
  if (d.GetOk("token_policies")) role->token.policies = SanitizePolicies(role->token.policies);
  UpgradeValue(d, "policies", "token_policies", &role->legacy_policies, &role->token.policies,
               ToPolicies);
  UpgradeValue(d, "period", "token_period", &role->legacy_period, &role->token.period, ToSeconds);
  if (role->token.IsBatch() && role->token.period.count() != 0)
    return InvalidArgument(
        "'token_type' cannot be 'batch' or 'default_batch' when set to generate periodic tokens");
  return Status::Ok();
}

}  // namespace

Result<core::Response> ApproleBackend::ListRoles(Request& req, FieldData&) {
  COFFER_ASSIGN_OR_RETURN(auto roles, req.storage->List(kRolePrefix));
  return Response::ListResponse(std::move(roles));
}

Result<bool> ApproleBackend::RoleExists(Request& req, FieldData& d) {
  COFFER_ASSIGN_OR_RETURN(auto role,
                          LoadRole(*req.storage, NormalizeRoleName(d.GetString("role_name"))));
  return role.has_value();
}

Result<core::Response> ApproleBackend::ReadRole(Request& req, FieldData& d) {
  COFFER_ASSIGN_OR_RETURN(auto role,
                          LoadRole(*req.storage, NormalizeRoleName(d.GetString("role_name"))));
  if (!role) return Err(NotFound(""));
  Response r = Response::WithData(role->ReadData());
  if (!role->ValidateConstraints().ok())
    r.warnings.push_back(
        "Role does not have any constraints set on it. Updates to this role will require a "
        "constraint to be set");
  return r;
}

Result<core::Response> ApproleBackend::WriteRole(Request& req, FieldData& d) {
  const std::string raw_name = d.GetString("role_name");
  if (raw_name.empty()) return Err(InvalidArgument("missing role_name"));
  if (raw_name.size() > kMaxHmacInputLength)
    return Err(InvalidArgument("role_name is longer than maximum of " +
                               std::to_string(kMaxHmacInputLength) + " bytes"));
  const std::string name = NormalizeRoleName(raw_name);

  std::lock_guard<std::mutex> l(role_mu_);
  COFFER_ASSIGN_OR_RETURN(auto existing, LoadRole(*req.storage, name));
  const bool create = !existing.has_value();
  const std::string previous_role_id = create ? "" : existing->role_id;
  RoleEntry role = create ? RoleEntry{} : std::move(*existing);
  if (create) {
    role.name = name;
    COFFER_ASSIGN_OR_RETURN(SecretBytes key, crypto::RandomBytes(*random_, kHmacKeyBytes));
    role.hmac_key = crypto::HexEncode(key.view());
    COFFER_ASSIGN_OR_RETURN(role.role_id, crypto::GenerateUuid(*random_));
  }
  if (auto v = d.GetOk("role_id")) role.role_id = v->get<std::string>();
  COFFER_RETURN_IF_ERROR(ApplyRoleFields(d, create, &role));
  COFFER_RETURN_IF_ERROR(SaveRole(*req.storage, role, previous_role_id));

  Response r;
  if (system_ != nullptr && role.token.max_ttl > system_->MaxLeaseTtl())
    r.warnings.push_back(
        "token_max_ttl is greater than the system or backend mount's maximum TTL value; issued "
        "tokens' max TTL value will be truncated");
  return r;
}

Status ApproleBackend::SaveRole(storage::Backend& s, const RoleEntry& role,
                                const std::string& previous_role_id) {
  COFFER_RETURN_IF_ERROR(role.ValidateConstraints());
  if (role.role_id.empty())
    return InvalidArgument("invalid role_id supplied, or failed to generate a role_id");
  if (role.role_id.size() > kMaxHmacInputLength)
    return InvalidArgument("role_id is longer than maximum of " +
                           std::to_string(kMaxHmacInputLength) + " bytes");
  COFFER_ASSIGN_OR_RETURN(std::string salted, Salted(s, role.role_id));
  const std::string index_key = std::string(kRoleIdPrefix) + salted;
  COFFER_ASSIGN_OR_RETURN(auto index, s.Get(index_key));
  if (index) {
    auto j = ParseJson(*index);
    if (!j || !j->is_object()) return Corruption("approle: unreadable role ID index");
    if (j->value("name", std::string()) != role.name)
      return InvalidArgument("role_id already in use");
  }
  std::vector<storage::Op> ops;
  ops.push_back(storage::Op::Put(std::string(kRolePrefix) + role.name, role.Serialize()));
  ops.push_back(storage::Op::Put(index_key, Json{{"name", role.name}}.dump()));
  if (!previous_role_id.empty() && previous_role_id != role.role_id) {
    COFFER_ASSIGN_OR_RETURN(std::string old_salted, Salted(s, previous_role_id));
    ops.push_back(storage::Op::Delete(std::string(kRoleIdPrefix) + old_salted));
  }
  return s.Batch(ops);
}

Result<core::Response> ApproleBackend::DeleteRole(Request& req, FieldData& d) {
  const std::string name = NormalizeRoleName(d.GetString("role_name"));
  if (name.empty()) return Err(InvalidArgument("missing role_name"));
  std::lock_guard<std::mutex> l(role_mu_);
  COFFER_ASSIGN_OR_RETURN(auto role, LoadRole(*req.storage, name));
  if (!role) return Response();
  COFFER_RETURN_IF_ERROR(FlushRoleSecretIds(*req.storage, *role));
  COFFER_ASSIGN_OR_RETURN(std::string salted, Salted(*req.storage, role->role_id));
  const std::vector<storage::Op> ops = {storage::Op::Delete(std::string(kRoleIdPrefix) + salted),
                                        storage::Op::Delete(std::string(kRolePrefix) + name)};
  COFFER_RETURN_IF_ERROR(req.storage->Batch(ops));
  return Response();
}

Result<core::Response> ApproleBackend::ReadRoleId(Request& req, FieldData& d) {
  COFFER_ASSIGN_OR_RETURN(auto role,
                          LoadRole(*req.storage, NormalizeRoleName(d.GetString("role_name"))));
  if (!role) return Err(NotFound(""));
  return Response::WithData({{"role_id", role->role_id}});
}

Result<core::Response> ApproleBackend::UpdateRoleId(Request& req, FieldData& d) {
  const std::string name = NormalizeRoleName(d.GetString("role_name"));
  std::lock_guard<std::mutex> l(role_mu_);
  COFFER_ASSIGN_OR_RETURN(auto role, LoadRole(*req.storage, name));
  if (!role) return Err(NotFound("unsupported path"));
  const std::string role_id = d.GetString("role_id");
  if (role_id.empty()) return Err(InvalidArgument("missing role_id"));
  const std::string previous = role->role_id;
  role->role_id = role_id;
  COFFER_RETURN_IF_ERROR(SaveRole(*req.storage, *role, previous));
  return Response();
}

}  // namespace coffer::auth::approle
