// auth/token/roles (LIST) and auth/token/roles/<role_name> (Vault's tokenStoreRoleList,
// tokenStoreRoleRead, tokenStoreRoleCreateUpdate, tokenStoreRoleDelete). A create sets
// every field (absent ones to their defaults); an update changes only the fields sent.

#include <regex>

#include "auth/token/token_methods.h"
#include "auth/token/token_role.h"
#include "base/duration.h"
#include "storage/backend.h"

namespace coffer::auth::token {

using core::Operation;
using framework::FieldType;
using std::chrono::seconds;

namespace {

// Vault's pathSuffixSanitize (Go syntax, quoted in errors) and the same in ECMAScript.
constexpr char kPathSuffixPattern[] = R"(\w[\w-.]+\w)";
constexpr char kPathSuffixEcma[] = R"(\w[\w\-.]+\w)";

framework::FieldSchemas RoleFields() {
  framework::FieldSchemas f = {
      {"role_name", {FieldType::kString}},
      {"allowed_policies", {FieldType::kCommaStringSlice}},
      {"disallowed_policies", {FieldType::kCommaStringSlice}},
      {"allowed_policies_glob", {FieldType::kCommaStringSlice}},
      {"disallowed_policies_glob", {FieldType::kCommaStringSlice}},
      {"orphan", {FieldType::kBool}},
      {"period", {FieldType::kDurationSecond, nullptr, "Use 'token_period' instead."}},
      {"path_suffix", {FieldType::kString}},
      {"explicit_max_ttl",
       {FieldType::kDurationSecond, nullptr, "Use 'token_explicit_max_ttl' instead."}},
      {"renewable", {FieldType::kBool, Json(true)}},
      {"bound_cidrs", {FieldType::kCommaStringSlice, nullptr, "Use 'token_bound_cidrs' instead."}},
      {"allowed_entity_aliases", {FieldType::kCommaStringSlice}}};
  TokenParams::AddFields(&f);
  // Vault's role endpoint takes only these token_* fields; the rest are ignored.
  for (const char* dropped : {"token_ttl", "token_max_ttl", "token_policies"}) f.erase(dropped);
  return f;
}

const framework::FieldSchemas& RoleFieldSchemas() {
  static const framework::FieldSchemas fields = RoleFields();
  return fields;
}

// Sets `*out` from field `name` when sent, or to its default on a create.
template <class T, class Convert>
void SetField(const FieldData& d, const char* name, bool create, T* out, Convert convert) {
  if (d.Has(name) || create) *out = convert(d.Get(name));
}

std::vector<std::string> AsList(const Json& v) {
  return v.is_array() ? v.get<std::vector<std::string>>() : std::vector<std::string>{};
}

// The fields that are not token_* settings (first block of tokenStoreRoleCreateUpdate).
Status ParsePlainFields(const FieldData& d, bool create, TokenRole* role) {
  SetField(d, "orphan", create, &role->orphan, [](const Json& v) { return v.get<bool>(); });
  SetField(d, "renewable", create, &role->renewable, [](const Json& v) { return v.get<bool>(); });
  if (d.Has("path_suffix") || create) {
    std::string suffix = d.GetString("path_suffix");
    static const std::regex kSuffix(kPathSuffixEcma);
    if (!suffix.empty() && !std::regex_search(suffix, kSuffix))
      return InvalidArgument(
          std::string("given role path suffix contains invalid characters; must match ") +
          kPathSuffixPattern);
    role->path_suffix = suffix;
  }
  if (role->path_suffix.find("..") != std::string::npos)
    return InvalidArgument("error registering path suffix: path cannot contain parent references");
  SetField(d, "allowed_policies", create, &role->allowed_policies,
           [](const Json& v) { return SanitizeTokenPolicies(AsList(v), false); });
  SetField(d, "disallowed_policies", create, &role->disallowed_policies,
           [](const Json& v) { return RemoveDuplicatesLower(AsList(v)); });
  SetField(d, "allowed_policies_glob", create, &role->allowed_policies_glob,
           [](const Json& v) { return SanitizeTokenPolicies(AsList(v), false); });
  SetField(d, "disallowed_policies_glob", create, &role->disallowed_policies_glob,
           [](const Json& v) { return RemoveDuplicatesLower(AsList(v)); });
  return Status::Ok();
}

// token_type is read here rather than by TokenParams: a role takes only service, batch,
// default-service and default-batch, and TokenParams' own batch checks do not apply.
Status ParseTokenFields(const FieldData& d, TokenRole* role) {
  std::optional<std::string> type;
  if (d.Has("token_type")) {
    const Json& raw = d.raw().at("token_type");
    if (raw.is_null()) return InvalidArgument("Invalid 'token_type' value: null");
    type = raw.is_string() ? raw.get<std::string>() : raw.dump();
  }
  Json rest = d.raw();
  rest.erase("token_type");
  FieldData without_type(&RoleFieldSchemas(), std::move(rest));
  std::string old_type = role->token.type;
  if (type) role->token.type = "default";
  Status st = role->token.Parse(without_type);
  if (!st.ok()) return InvalidArgument("error parsing role fields: " + st.message());
  role->token.type = old_type == "default" ? "default-service" : old_type;
  if (type) {
    if (*type != "service" && *type != "batch" && *type != "default-service" &&
        *type != "default-batch")
      return InvalidArgument("invalid 'token_type' value \"" + *type + "\"");
    role->token.type = *type;
  }
  return Status::Ok();
}

// The deprecated period / bound_cidrs / explicit_max_ttl: the token_* field wins (with a
// warning when both are sent); the deprecated one alone sets both.
Status ParseLegacyFields(const FieldData& d, TokenRole* role, std::vector<std::string>* warnings) {
  auto both = [&](const char* field, const char* legacy) {
    warnings->push_back(std::string("Both '") + field + "' and deprecated '" + legacy +
                        "' value supplied, ignoring the deprecated value");
  };
  if (!d.Has("token_period")) {
    if (d.Has("period")) role->period = role->token.period = d.GetDuration("period");
  } else {
    if (d.Has("period")) both("token_period", "period");
    role->period = seconds(0);
  }
  if (!d.Has("token_bound_cidrs")) {
    if (d.Has("bound_cidrs")) {
      auto cidrs = d.GetStringSlice("bound_cidrs");
      Status st = ValidateCidrs(cidrs);
      if (!st.ok()) return InvalidArgument("error parsing bound_cidrs: " + st.message());
      role->bound_cidrs = role->token.bound_cidrs = cidrs;
    }
  } else {
    if (d.Has("bound_cidrs")) both("token_bound_cidrs", "bound_cidrs");
    role->bound_cidrs.clear();
  }
  if (!d.Has("token_explicit_max_ttl")) {
    if (d.Has("explicit_max_ttl"))
      role->explicit_max_ttl = role->token.explicit_max_ttl = d.GetDuration("explicit_max_ttl");
  } else {
    if (d.Has("explicit_max_ttl")) both("token_explicit_max_ttl", "explicit_max_ttl");
    role->explicit_max_ttl = seconds(0);
  }
  return Status::Ok();
}

// Vault's checks on a batch role.
Status CheckBatchRole(const TokenRole& role) {
  if (role.token.type != "batch") return Status::Ok();
  if (!role.orphan)
    return InvalidArgument(
        "'token_type' cannot be 'batch' when role is set to generate non-orphan tokens");
  if (role.period.count() != 0 || role.token.period.count() != 0)
    return InvalidArgument(
        "'token_type' cannot be 'batch' when role is set to generate periodic tokens");
  if (role.renewable)
    return InvalidArgument(
        "'token_type' cannot be 'batch' when role is set to generate renewable tokens");
  if (role.explicit_max_ttl.count() != 0 || role.token.explicit_max_ttl.count() != 0)
    return InvalidArgument(
        "'token_type' cannot be 'batch' when role is set to generate tokens with an explicit "
        "max TTL");
  return Status::Ok();
}

}  // namespace

std::vector<framework::Path> TokenBackend::RolePaths() {
  framework::Path list;
  list.pattern = "roles/?$";
  list.operations[Operation::kList] = [](core::Request& r, FieldData&) -> HandlerResult {
    COFFER_ASSIGN_OR_RETURN(auto names, ListRoles(*r.storage));
    return core::Response::ListResponse(std::move(names));
  };
  list.help_synopsis = "This endpoint lists configured roles.";

  framework::Path role;
  role.pattern = "roles/" + framework::GenericNameRegex("role_name");
  role.fields = RoleFieldSchemas();
  role.operations[Operation::kRead] = [](core::Request& r, FieldData& d) -> HandlerResult {
    COFFER_ASSIGN_OR_RETURN(auto found, LoadRole(*r.storage, d.GetString("role_name")));
    if (!found) return Err(NotFound(""));
    return core::Response::WithData(found->ReadData());
  };
  auto write = [this](core::Request& r, FieldData& d) { return WriteRole(r, d); };
  role.operations[Operation::kCreate] = write;
  role.operations[Operation::kUpdate] = write;
  role.operations[Operation::kDelete] = [](core::Request& r, FieldData& d) -> HandlerResult {
    COFFER_RETURN_IF_ERROR(DeleteRole(*r.storage, d.GetString("role_name")));
    return core::Response{};
  };
  role.existence_check = [](core::Request& r, FieldData& d) -> Result<bool> {
    std::string name = d.GetString("role_name");
    if (name.empty()) return Err(InvalidArgument("role name cannot be empty"));
    COFFER_ASSIGN_OR_RETURN(auto found, LoadRole(*r.storage, name));
    return found.has_value();
  };
  role.help_synopsis = "This endpoint allows creating, reading, and deleting roles.";
  return {std::move(list), std::move(role)};
}

HandlerResult TokenBackend::WriteRole(core::Request& req, FieldData& d) {
  std::string name = d.GetString("role_name");
  if (name.empty()) return Err(InvalidArgument("role name cannot be empty"));
  COFFER_ASSIGN_OR_RETURN(auto existing, LoadRole(*req.storage, name));
  // As in Vault, a role that does not exist yet gets every default, whatever the operation.
  bool create = req.operation == Operation::kCreate || !existing;
  TokenRole role = existing ? std::move(*existing) : TokenRole{};
  role.name = name;

  core::Response resp;
  COFFER_RETURN_IF_ERROR(ParsePlainFields(d, create, &role));
  COFFER_RETURN_IF_ERROR(ParseTokenFields(d, &role));
  COFFER_RETURN_IF_ERROR(ParseLegacyFields(d, &role, &resp.warnings));
  // Vault warns on the value just written: token_explicit_max_ttl when sent, else the
  // deprecated field's copy.
  seconds explicit_max =
      d.Has("token_explicit_max_ttl") ? role.token.explicit_max_ttl : role.explicit_max_ttl;
  seconds system_max = MountLimits().max_ttl;
  if (explicit_max.count() != 0 && system_max.count() != 0 && explicit_max > system_max)
    resp.warnings.push_back(
        "Given explicit max TTL of " + std::to_string(explicit_max.count()) +
        " is greater than system/mount allowed value of " + std::to_string(system_max.count()) +
        " seconds; until this is fixed attempting to create tokens against this role will "
        "result in an error");
  COFFER_RETURN_IF_ERROR(CheckBatchRole(role));
  if (d.Has("allowed_entity_aliases"))
    role.allowed_entity_aliases = RemoveDuplicatesLower(d.GetStringSlice("allowed_entity_aliases"));
  COFFER_RETURN_IF_ERROR(SaveRole(*req.storage, role));
  return resp;
}

}  // namespace coffer::auth::token
