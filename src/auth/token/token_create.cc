// auth/token/create, create-orphan and create/<role> (Vault's handleCreateCommon). The
// caller's token is the parent; Vault's rules decide what it may ask for: policies must be
// a subset of the parent's unless the caller has sudo or a role with policy lists decides
// instead; orphans (via no_parent), custom ids and periodic tokens need sudo; only a root
// token can create a root token; batch tokens take no explicit_max_ttl, num_uses or period.
// A role adds its own orphan, renewable, period, explicit max TTL, num_uses, token type,
// bound CIDRs and path suffix, and its name is stored with the token.

#include <algorithm>
#include <set>

#include "auth/token/token_backend.h"
#include "auth/token/token_methods.h"
#include "auth/token/token_role.h"
#include "core/core_impl.h"
#include "core/policy/builtin_policies.h"
#include "core/policy/policy_store.h"

namespace coffer::auth::token {

using core::Operation;
using framework::FieldType;
using std::chrono::seconds;

namespace {

// The request as handleCreateCommon reads it, after the type checks.
struct CreateOptions {
  std::string id;
  std::vector<std::string> policies;
  std::map<std::string, std::string> meta;
  bool no_parent = false;
  bool no_default_policy = false;
  bool renewable = true;
  seconds ttl{0}, explicit_max_ttl{0}, period{0};
  std::string display_name = "token";
  int64_t num_uses = 0;
  core::TokenType type = core::TokenType::kService;
  std::string entity_alias;
};

bool Contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

// Vault's display-name rule: "token-" + name with anything but [a-zA-Z0-9-] as '-', and
// a trailing '-' dropped.
std::string DisplayName(const std::string& requested) {
  if (requested.empty()) return "token";
  std::string full = "token-" + requested;
  for (auto& c : full)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') c = '-';
  if (full.back() == '-') full.pop_back();
  return full;
}

// The token type asked for, after the role's token_type has had its say.
Result<std::string> RequestedType(FieldData& d, const TokenRole* role) {
  std::string type = d.GetString("type");
  if (role == nullptr) return type;
  const std::string& forced = role->token.type;
  if (forced == "default-batch") {
    if (type.empty()) type = "batch";
  } else if (forced == "service" || forced == "batch") {
    type = forced;
  } else if (forced != "default-service" && forced != "default") {
    return Err(InvalidArgument("role being used for token creation contains invalid token type \"" +
                               forced + "\""));
  }
  return type;
}

Result<CreateOptions> ParseOptions(FieldData& d, const TokenRole* role) {
  CreateOptions o;
  o.id = d.GetString("id");
  o.policies = d.GetStringSlice("policies");
  o.meta = d.Has("meta") ? d.GetKvPairs("meta") : d.GetKvPairs("metadata");
  o.no_parent = d.GetBool("no_parent");
  o.no_default_policy = d.GetBool("no_default_policy");
  o.renewable = d.GetBool("renewable");
  o.ttl = d.Has("ttl") ? d.GetDuration("ttl") : d.GetDuration("lease");
  o.explicit_max_ttl = d.GetDuration("explicit_max_ttl");
  o.period = d.GetDuration("period");
  o.display_name = DisplayName(d.GetString("display_name"));
  o.num_uses = d.GetInt("num_uses");
  COFFER_ASSIGN_OR_RETURN(std::string type, RequestedType(d, role));
  if (type == "batch") {
    const char* bad = o.explicit_max_ttl.count() ? "explicit_max_ttl"
                      : o.num_uses != 0          ? "num_uses"
                      : o.period.count()         ? "period"
                                                 : nullptr;
    if (bad)
      return Err(InvalidArgument(std::string("batch tokens cannot have \"") + bad + "\" set"));
    o.type = core::TokenType::kBatch;
    o.renewable = false;
  } else if (!type.empty() && type != "service") {
    return Err(InvalidArgument("invalid 'token_type' value"));
  }
  if (o.num_uses < 0) return Err(InvalidArgument("number of uses cannot be negative"));
  o.entity_alias = d.GetString("entity_alias");
  if (!o.entity_alias.empty() && role == nullptr)
    return Err(InvalidArgument("'entity_alias' is only allowed in combination with token role"));
  return o;
}

// What a role imposes before policies are decided (Vault: renewable, num_uses).
void ApplyRole(const TokenRole& role, CreateOptions* o) {
  if (o->renewable && !role.renewable) o->renewable = false;
  int64_t role_uses = role.token.num_uses;
  if (role_uses != 0 && (o->num_uses == 0 || role_uses < o->num_uses)) o->num_uses = role_uses;
}

// An entity alias must be one the role allows. Coffer has no identity store to create or
// fetch the entity, so an allowed alias is refused too.
Status CheckEntityAlias(const TokenRole& role, const std::string& alias) {
  std::string lower = alias;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  if (!Contains(role.allowed_entity_aliases, lower) &&
      !ListContainsGlob(role.allowed_entity_aliases, lower))
    return InvalidArgument("invalid 'entity_alias' value");
  return InvalidArgument("'entity_alias' is not supported: this server has no identity store");
}

// The role's period and explicit max TTL against the requested ones: the lesser wins, with
// Vault's warnings. Batch tokens take neither.
void CombineRoleLimits(const TokenRole& role, CreateOptions* o,
                       std::vector<std::string>* warnings) {
  if (o->type == core::TokenType::kBatch) return;
  auto combine = [warnings](seconds from_role, seconds* requested, const char* what) {
    if (from_role.count() == 0) return;
    if (requested->count() == 0) {
      *requested = from_role;
      return;
    }
    if (from_role < *requested) *requested = from_role;
    warnings->push_back(std::string(what) +
                        " specified both during creation call and in role; using the lesser "
                        "value of " +
                        std::to_string(requested->count()) + " seconds");
  };
  combine(role.token.explicit_max_ttl, &o->explicit_max_ttl, "Explicit max TTL");
  combine(role.token.period, &o->period, "Period");
}

// The checks on a requested custom token id (Vault's TokenStore.create).
Status CheckCustomId(const std::string& id, bool is_sudo) {
  if (!is_sudo) return InvalidArgument("root or sudo privileges required to specify token id");
  for (const char* prefix : {"hvs.", "hvb.", "hvr.", "s.", "b.", "r."}) {
    if (id.rfind(prefix, 0) == 0)
      return InvalidArgument(std::string("custom token ID cannot have the '") + prefix +
                             "' prefix");
  }
  if (id.find('.') != std::string::npos)
    return InvalidArgument("custom token ID cannot have a '.' in the value");
  return Status::Ok();
}

// The child's final policy set (Vault's policy rules; a role with policy lists decides
// by them instead of the parent-subset rule).
Result<std::vector<std::string>> ChildPolicies(const core::TokenEntry& parent,
                                               const CreateOptions& o, bool is_sudo,
                                               const TokenRole* role) {
  std::vector<std::string> requested = o.policies;
  bool add_default = false;
  if (role != nullptr && role->HasPolicyRules()) {
    COFFER_ASSIGN_OR_RETURN(requested,
                            RolePolicies(*role, o.policies, parent.policies, o.no_default_policy));
  } else if (requested.empty()) {
    requested = SanitizeTokenPolicies(parent.policies, false);
  } else if (!is_sudo) {
    auto parent_set = SanitizeTokenPolicies(parent.policies, false);
    for (const auto& p : SanitizeTokenPolicies(requested, false))
      if (!Contains(parent_set, p))
        return Err(InvalidArgument("child policies must be subset of parent"));
    add_default = !o.no_default_policy && Contains(parent.policies, "default");
  } else {
    add_default = !o.no_default_policy;
  }
  std::vector<std::string> out = SanitizeTokenPolicies(requested, add_default);
  if (o.no_default_policy) out.erase(std::remove(out.begin(), out.end(), "default"), out.end());
  for (const auto& p : out)
    if (core::IsNonAssignablePolicy(p))
      return Err(InvalidArgument("cannot assign policy \"" + p + "\""));
  if (Contains(out, "root")) {
    if (!Contains(parent.policies, "root"))
      return Err(InvalidArgument("root tokens may not be created without parent token being root"));
    if (o.type == core::TokenType::kBatch)
      return Err(InvalidArgument("batch tokens cannot be root tokens"));
  }
  return out;
}

// The new token's TTL (Vault: CalculateTTL unless a non-periodic root token asked for
// none); 0 means it never expires, which an expiring parent may not grant.
Result<seconds> TokenTtl(const TtlLimits& limits, const CreateOptions& o, bool root,
                         const core::TokenEntry& parent, int64_t now,
                         std::vector<std::string>* warnings) {
  seconds ttl = o.ttl;
  if (o.period.count() > 0 || ttl.count() > 0 || !root) {
    COFFER_ASSIGN_OR_RETURN(TtlResult r, CalculateTtl(limits, seconds(0), ttl, o.period, seconds(0),
                                                      o.explicit_max_ttl, now, now));
    ttl = r.ttl;
    for (auto& w : r.warnings) warnings->push_back(std::move(w));
  }
  if (ttl.count() == 0 && o.explicit_max_ttl.count() > 0) ttl = o.explicit_max_ttl;
  if (ttl.count() == 0 && parent.expire_time != 0)
    return Err(InvalidArgument("expiring root tokens cannot create non-expiring root tokens"));
  return ttl;
}

// TokenStore parameters carrying the values decided here, so the store's own defaults
// (default policy, default TTL, caps) do not change them.
core::TokenCreateParams BuildParams(const CreateOptions& o,
                                    const std::vector<std::string>& policies, seconds ttl,
                                    seconds max_ttl, bool orphan) {
  core::TokenCreateParams p;
  p.id = o.id;
  p.policies = policies;
  p.no_default_policy = !Contains(policies, "default");
  p.meta = o.meta;
  p.display_name = o.display_name;
  p.num_uses = o.num_uses;
  p.ttl = ttl;
  p.default_ttl = ttl;
  p.max_ttl = ttl.count() == 0 ? seconds(0) : max_ttl;
  p.explicit_max_ttl = o.explicit_max_ttl;
  p.period = o.period;
  p.orphan = orphan;
  p.renewable = o.renewable;
  p.type = o.type;
  return p;
}

framework::FieldSchemas CreateFields() {
  return {{"id", {FieldType::kString}},
          {"policies", {FieldType::kStringSlice}},
          {"meta", {FieldType::kKvPairs}},
          {"metadata", {FieldType::kKvPairs}},
          {"no_parent", {FieldType::kBool}},
          {"no_default_policy", {FieldType::kBool}},
          {"renewable", {FieldType::kBool, Json(true)}},
          {"ttl", {FieldType::kDurationSecond}},
          {"lease", {FieldType::kDurationSecond}},
          {"explicit_max_ttl", {FieldType::kDurationSecond}},
          {"period", {FieldType::kDurationSecond}},
          {"display_name", {FieldType::kString}},
          {"num_uses", {FieldType::kInt}},
          {"type", {FieldType::kString}},
          {"entity_alias", {FieldType::kString}},
          {"format", {FieldType::kString}}};
}

}  // namespace

std::vector<framework::Path> TokenBackend::CreatePaths() {
  std::vector<framework::Path> paths;
  for (bool orphan : {true, false}) {
    framework::Path p;
    p.pattern = orphan ? "create-orphan$" : "create$";
    p.fields = CreateFields();
    p.operations[Operation::kUpdate] = [this, orphan](core::Request& r, FieldData& d) {
      return Create(r, d, orphan, nullptr);
    };
    p.help_synopsis = orphan ? "Create a new orphan token" : "Create a new token";
    paths.push_back(std::move(p));
  }
  framework::Path role;
  role.pattern = "create/" + framework::GenericNameRegex("role_name");
  role.fields = CreateFields();
  role.fields["role_name"] = {FieldType::kString};
  role.operations[Operation::kUpdate] = [this](core::Request& r, FieldData& d) {
    return CreateAgainstRole(r, d);
  };
  role.help_synopsis = "This endpoint will create a token against the specified role name.";
  paths.push_back(std::move(role));
  return paths;
}

HandlerResult TokenBackend::CreateAgainstRole(core::Request& req, FieldData& d) {
  std::string name = d.GetString("role_name");
  COFFER_ASSIGN_OR_RETURN(auto role, LoadRole(*req.storage, name));
  if (!role) return Err(InvalidArgument("unknown role " + name));
  return Create(req, d, /*orphan=*/false, &*role);
}

HandlerResult TokenBackend::Create(core::Request& req, FieldData& d, bool orphan,
                                   const TokenRole* role) {
  COFFER_ASSIGN_OR_RETURN(auto parent, Caller(req));
  if (!parent) return Err(InvalidArgument("parent token lookup failed: no parent found"));
  if (parent->type == core::TokenType::kBatch)
    return Err(InvalidArgument("batch tokens cannot create more tokens"));
  if (parent->num_uses > 0)
    return Err(InvalidArgument("restricted use token cannot generate child tokens"));
  COFFER_ASSIGN_OR_RETURN(bool is_sudo, HasSudo(*parent, req));
  COFFER_ASSIGN_OR_RETURN(CreateOptions o, ParseOptions(d, role));
  if (!o.entity_alias.empty()) COFFER_RETURN_IF_ERROR(CheckEntityAlias(*role, o.entity_alias));
  std::string path = req.mount_point + req.path;
  if (role != nullptr) {
    ApplyRole(*role, &o);
    if (!role->path_suffix.empty()) path += "/" + role->path_suffix;
  }
  if (!o.id.empty()) COFFER_RETURN_IF_ERROR(CheckCustomId(o.id, is_sudo));
  COFFER_ASSIGN_OR_RETURN(auto policies, ChildPolicies(*parent, o, is_sudo, role));

  std::vector<std::string> bound_cidrs;
  if (role != nullptr) {
    orphan = role->orphan;  // a role decides; no_parent is not consulted
    bound_cidrs = role->token.bound_cidrs;
  } else if (o.no_parent) {
    if (!is_sudo)
      return Err(InvalidArgument("root or sudo privileges required to create orphan token"));
    orphan = true;
  }
  // A child keeps its parent's CIDR binding unless a role sets its own.
  if (!orphan && role == nullptr) bound_cidrs = parent->bound_cidrs;
  if (o.period.count() > 0 && !is_sudo)
    return Err(InvalidArgument("root or sudo privileges required to create periodic token"));

  core::Response resp;
  if (role != nullptr) CombineRoleLimits(*role, &o, &resp.warnings);
  TtlLimits limits = MountLimits();
  int64_t now =
      std::chrono::duration_cast<seconds>(core_.GetClock().Now().time_since_epoch()).count();
  COFFER_ASSIGN_OR_RETURN(
      seconds ttl, TokenTtl(limits, o, Contains(policies, "root"), *parent, now, &resp.warnings));
  if (ttl.count() == 0) {
    o.renewable = false;  // nor CIDR-bound: Vault clears both for non-expiring tokens
    bound_cidrs.clear();
  }
  core::TokenCreateParams p = BuildParams(o, policies, ttl, limits.max_ttl, orphan);
  p.path = std::move(path);
  p.mount_accessor = req.mount_accessor;
  p.role = role != nullptr ? role->name : "";
  p.bound_cidrs = std::move(bound_cidrs);
  if (!orphan) p.entity_id = parent->entity_id;
  COFFER_ASSIGN_OR_RETURN(core::TokenEntry created,
                          core_.Tokens().Create(p, orphan ? nullptr : &*parent));

  for (const auto& name : created.policies) {
    if (name == "root") continue;
    COFFER_ASSIGN_OR_RETURN(auto policy, core_.Policies().GetPolicy(name));
    if (policy == nullptr) resp.warnings.push_back("Policy \"" + name + "\" does not exist");
  }
  resp.auth = AuthFor(created, created.id);
  return resp;
}

}  // namespace coffer::auth::token
