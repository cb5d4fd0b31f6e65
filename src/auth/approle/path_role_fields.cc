// ApproleBackend: the per-field role paths (role/<name>/policies, .../secret-id-ttl, ...),
// which Vault offers so that ACLs can delegate single settings. Read returns the field,
// update sets it (the field is required), delete resets it to its default.

#include <functional>

#include "auth/approle/backend.h"
#include "storage/backend.h"

namespace coffer::auth::approle {

namespace {

using core::Operation;
using framework::FieldData;
using framework::FieldSchema;
using framework::FieldType;

struct FieldPathSpec {
  std::string suffix;
  framework::FieldSchemas fields;
  std::function<Json(const RoleEntry&)> read;
  std::function<Status(RoleEntry&, const FieldData&)> update;  // null: read-only
  std::function<void(RoleEntry&)> reset;
};

Status Missing(const std::string& field) { return InvalidArgument("missing " + field); }

// A CIDR-list field stored in `member`.
FieldPathSpec CidrField(std::string suffix, std::string field,
                        std::vector<std::string> RoleEntry::*member) {
  FieldPathSpec s;
  s.suffix = std::move(suffix);
  s.fields = {{field, FieldSchema(FieldType::kCommaStringSlice)}};
  s.read = [field, member](const RoleEntry& r) { return Json{{field, r.*member}}; };
  s.update = [field, member](RoleEntry& r, const FieldData& d) -> Status {
    auto v = d.GetOk(field);
    if (!v) return Missing(field);
    auto list = v->get<std::vector<std::string>>();
    Status st = ValidateCidrs(list);
    if (!st.ok()) return InvalidArgument("failed to validate CIDR blocks: " + st.message());
    r.*member = std::move(list);
    return Status::Ok();
  };
  s.reset = [member](RoleEntry& r) { (r.*member).clear(); };
  return s;
}

// A duration or count field; `check` validates the role after the change.
template <class T>
FieldPathSpec ScalarField(std::string suffix, std::string field, FieldType type,
                          std::function<T&(RoleEntry&)> ref,
                          std::function<Status(const RoleEntry&)> check) {
  FieldPathSpec s;
  s.suffix = std::move(suffix);
  s.fields = {{field, FieldSchema(type)}};
  s.read = [field, ref](const RoleEntry& r) {
    T value = ref(const_cast<RoleEntry&>(r));
    if constexpr (std::is_same_v<T, std::chrono::seconds>)
      return Json{{field, value.count()}};
    else
      return Json{{field, value}};
  };
  s.update = [field, ref, check](RoleEntry& r, const FieldData& d) -> Status {
    auto v = d.GetOk(field);
    if (!v) return Missing(field);
    if constexpr (std::is_same_v<T, std::chrono::seconds>)
      ref(r) = std::chrono::seconds(v->get<int64_t>());
    else
      ref(r) = v->get<T>();
    return check ? check(r) : Status::Ok();
  };
  s.reset = [ref](RoleEntry& r) { ref(r) = T{}; };
  return s;
}

Status CheckTokenTtls(const RoleEntry& r) {
  if (r.token.max_ttl.count() > 0 && r.token.ttl > r.token.max_ttl)
    return InvalidArgument("token_ttl should not be greater than token_max_ttl");
  return Status::Ok();
}

std::function<Status(const RoleEntry&)> NotNegative(std::string field, int64_t RoleEntry::*member) {
  return [field, member](const RoleEntry& r) {
    return r.*member < 0 ? InvalidArgument(field + " cannot be negative") : Status::Ok();
  };
}

// A deprecated field paired with its token_* successor (policies, period).
template <class T>
FieldPathSpec PairedField(std::string suffix, std::string old_key, std::string new_key,
                          FieldType type, T RoleEntry::*legacy, std::function<T&(RoleEntry&)> ref,
                          std::function<T(const Json&)> convert, std::function<Json(T)> show) {
  FieldPathSpec s;
  s.suffix = std::move(suffix);
  s.fields = {{old_key, FieldSchema(type)}, {new_key, FieldSchema(type)}};
  s.read = [old_key, new_key, ref, show](const RoleEntry& r) {
    Json v = show(ref(const_cast<RoleEntry&>(r)));
    return Json{{old_key, v}, {new_key, v}};
  };
  s.update = [old_key, new_key, legacy, ref, convert](RoleEntry& r, const FieldData& d) -> Status {
    auto new_v = d.GetOk(new_key);
    auto old_v = d.GetOk(old_key);
    if (new_v) {
      ref(r) = convert(*new_v);
      r.*legacy = old_v ? ref(r) : T{};
    } else if (old_v) {
      ref(r) = r.*legacy = convert(*old_v);
    } else {
      return Missing(new_key);
    }
    return Status::Ok();
  };
  s.reset = [legacy, ref](RoleEntry& r) { ref(r) = r.*legacy = T{}; };
  return s;
}

std::vector<FieldPathSpec> Specs() {
  using Secs = std::chrono::seconds;
  std::vector<FieldPathSpec> v;
  v.push_back(PairedField<std::vector<std::string>>(
      "/policies", "policies", "token_policies", FieldType::kCommaStringSlice,
      &RoleEntry::legacy_policies, [](RoleEntry & r) -> auto& { return r.token.policies; },
      [](const Json& j) { return SanitizePolicies(j.get<std::vector<std::string>>()); },
      [](std::vector<std::string> p) { return Json(p); }));
  v.push_back(PairedField<Secs>(
      "/period", "period", "token_period", FieldType::kDurationSecond, &RoleEntry::legacy_period,
      [](RoleEntry & r) -> auto& { return r.token.period; },
      [](const Json& j) { return Secs(j.get<int64_t>()); },
      [](Secs s) { return Json(s.count()); }));
  v.push_back(CidrField("/bound-cidr-list", "bound_cidr_list", &RoleEntry::secret_id_bound_cidrs));
  v.push_back(CidrField("/secret-id-bound-cidrs", "secret_id_bound_cidrs",
                        &RoleEntry::secret_id_bound_cidrs));
  FieldPathSpec token_cidrs;
  token_cidrs.suffix = "/token-bound-cidrs";
  token_cidrs.fields = {{"token_bound_cidrs", FieldSchema(FieldType::kCommaStringSlice)}};
  token_cidrs.read = [](const RoleEntry& r) {
    return Json{{"token_bound_cidrs", r.token.bound_cidrs}};
  };
  token_cidrs.update = [](RoleEntry& r, const FieldData& d) -> Status {
    if (!d.GetOk("token_bound_cidrs")) return Missing("token_bound_cidrs");
    return r.token.Parse(d);
  };
  token_cidrs.reset = [](RoleEntry& r) { r.token.bound_cidrs.clear(); };
  v.push_back(std::move(token_cidrs));
  FieldPathSpec bind = ScalarField<bool>(
      "/bind-secret-id", "bind_secret_id", FieldType::kBool,
      [](RoleEntry& r) -> bool& { return r.bind_secret_id; }, nullptr);
  bind.reset = [](RoleEntry& r) { r.bind_secret_id = true; };
  v.push_back(std::move(bind));
  v.push_back(ScalarField<int64_t>(
      "/secret-id-num-uses", "secret_id_num_uses", FieldType::kInt,
      [](RoleEntry& r) -> int64_t& { return r.secret_id_num_uses; },
      NotNegative("secret_id_num_uses", &RoleEntry::secret_id_num_uses)));
  v.push_back(ScalarField<Secs>(
      "/secret-id-ttl", "secret_id_ttl", FieldType::kDurationSecond,
      [](RoleEntry& r) -> Secs& { return r.secret_id_ttl; }, nullptr));
  v.push_back(ScalarField<int64_t>(
      "/token-num-uses", "token_num_uses", FieldType::kInt,
      [](RoleEntry& r) -> int64_t& { return r.token.num_uses; },
      [](const RoleEntry& r) {
        return r.token.num_uses < 0 ? InvalidArgument("token_num_uses cannot be negative")
                                    : Status::Ok();
      }));
  v.push_back(ScalarField<Secs>(
      "/token-ttl", "token_ttl", FieldType::kDurationSecond,
      [](RoleEntry& r) -> Secs& { return r.token.ttl; }, CheckTokenTtls));
  v.push_back(ScalarField<Secs>(
      "/token-max-ttl", "token_max_ttl", FieldType::kDurationSecond,
      [](RoleEntry& r) -> Secs& { return r.token.max_ttl; }, CheckTokenTtls));
  FieldPathSpec local;
  local.suffix = "/local-secret-ids";
  local.read = [](const RoleEntry& r) { return Json{{"local_secret_ids", r.local_secret_ids}}; };
  v.push_back(std::move(local));
  return v;
}

}  // namespace

std::vector<framework::Path> ApproleBackend::RoleFieldPaths() {
  std::vector<framework::Path> out;
  for (FieldPathSpec& spec : Specs()) {
    framework::Path p;
    p.pattern = "role/" + framework::GenericNameRegex("role_name") + spec.suffix + "$";
    p.fields = spec.fields;
    p.fields.emplace("role_name", FieldSchema(FieldType::kString, nullptr, "Name of the role."));
    auto read = spec.read;
    p.operations[Operation::kRead] = [read](core::Request& req,
                                            FieldData& d) -> Result<core::Response> {
      COFFER_ASSIGN_OR_RETURN(auto role,
                              LoadRole(*req.storage, NormalizeRoleName(d.GetString("role_name"))));
      if (!role) return Err(NotFound(""));
      return core::Response::WithData(read(*role));
    };
    if (spec.update) {
      auto update = spec.update;
      p.operations[Operation::kUpdate] = [this, update](core::Request& req,
                                                        FieldData& d) -> Result<core::Response> {
        std::lock_guard<std::mutex> l(role_mu_);
        COFFER_ASSIGN_OR_RETURN(
            auto role, LoadRole(*req.storage, NormalizeRoleName(d.GetString("role_name"))));
        if (!role) return Err(NotFound("unsupported path"));
        COFFER_RETURN_IF_ERROR(update(*role, d));
        COFFER_RETURN_IF_ERROR(SaveRole(*req.storage, *role, role->role_id));
        return core::Response();
      };
      auto reset = spec.reset;
      p.operations[Operation::kDelete] = [this, reset](core::Request& req,
                                                       FieldData& d) -> Result<core::Response> {
        std::lock_guard<std::mutex> l(role_mu_);
        COFFER_ASSIGN_OR_RETURN(
            auto role, LoadRole(*req.storage, NormalizeRoleName(d.GetString("role_name"))));
        if (!role) return core::Response();
        reset(*role);
        COFFER_RETURN_IF_ERROR(SaveRole(*req.storage, *role, role->role_id));
        return core::Response();
      };
    }
    p.help_synopsis = "Read, update or reset one setting of the role.";
    out.push_back(std::move(p));
  }
  return out;
}

}  // namespace coffer::auth::approle
