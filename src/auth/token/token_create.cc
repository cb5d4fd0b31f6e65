// auth/token/create and auth/token/create-orphan (Vault's handleCreateCommon without
// roles). The caller's token is the parent; Vault's rules decide what it may ask for:
// policies must be a subset of the parent's unless the caller has sudo; orphans (via
// no_parent), custom ids and periodic tokens need sudo; only a root token can create a
// root token; batch tokens take no explicit_max_ttl, num_uses or period.

#include <algorithm>
#include <set>

#include "auth/token/token_backend.h"
#include "auth/token/token_methods.h"
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
};

bool Contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

// Vault's policyutil.SanitizePolicies: lower-cased, trimmed, sorted, unique; "root"
// alone swallows the rest; "default" added when asked.
std::vector<std::string> SanitizePolicies(const std::vector<std::string>& in, bool add_default) {
  std::set<std::string> out;
  for (std::string p : in) {
    size_t b = p.find_first_not_of(" \t"), e = p.find_last_not_of(" \t");
    p = b == std::string::npos ? "" : p.substr(b, e - b + 1);
    std::transform(p.begin(), p.end(), p.begin(), [](unsigned char c) { return std::tolower(c); });
    if (p == "root") return {"root"};
    if (!p.empty()) out.insert(p);
  }
  if (add_default) out.insert("default");
  return {out.begin(), out.end()};
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

Result<CreateOptions> ParseOptions(FieldData& d) {
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
  std::string type = d.GetString("type");
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
  if (!d.GetString("entity_alias").empty())
    return Err(InvalidArgument("'entity_alias' is only allowed in combination with token role"));
  return o;
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

// The child's final policy set (Vault's policy rules without roles).
Result<std::vector<std::string>> ChildPolicies(const core::TokenEntry& parent,
                                               const CreateOptions& o, bool is_sudo) {
  std::vector<std::string> requested = o.policies;
  bool add_default = false;
  if (requested.empty()) {
    requested = SanitizePolicies(parent.policies, false);
  } else if (!is_sudo) {
    auto parent_set = SanitizePolicies(parent.policies, false);
    for (const auto& p : SanitizePolicies(requested, false))
      if (!Contains(parent_set, p))
        return Err(InvalidArgument("child policies must be subset of parent"));
    add_default = !o.no_default_policy && Contains(parent.policies, "default");
  } else {
    add_default = !o.no_default_policy;
  }
  std::vector<std::string> out = SanitizePolicies(requested, add_default);
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
      return Create(r, d, orphan);
    };
    p.help_synopsis = orphan ? "Create a new orphan token" : "Create a new token";
    paths.push_back(std::move(p));
  }
  return paths;
}

HandlerResult TokenBackend::Create(core::Request& req, FieldData& d, bool orphan) {
  COFFER_ASSIGN_OR_RETURN(auto parent, Caller(req));
  if (!parent) return Err(InvalidArgument("parent token lookup failed: no parent found"));
  if (parent->type == core::TokenType::kBatch)
    return Err(InvalidArgument("batch tokens cannot create more tokens"));
  if (parent->num_uses > 0)
    return Err(InvalidArgument("restricted use token cannot generate child tokens"));
  COFFER_ASSIGN_OR_RETURN(bool is_sudo, HasSudo(*parent, req));
  COFFER_ASSIGN_OR_RETURN(CreateOptions o, ParseOptions(d));
  if (!o.id.empty()) COFFER_RETURN_IF_ERROR(CheckCustomId(o.id, is_sudo));
  COFFER_ASSIGN_OR_RETURN(auto policies, ChildPolicies(*parent, o, is_sudo));
  if (o.no_parent && !is_sudo)
    return Err(InvalidArgument("root or sudo privileges required to create orphan token"));
  orphan = orphan || o.no_parent;
  if (o.period.count() > 0 && !is_sudo)
    return Err(InvalidArgument("root or sudo privileges required to create periodic token"));

  core::Response resp;
  TtlLimits limits = MountLimits();
  int64_t now =
      std::chrono::duration_cast<seconds>(core_.GetClock().Now().time_since_epoch()).count();
  COFFER_ASSIGN_OR_RETURN(
      seconds ttl, TokenTtl(limits, o, Contains(policies, "root"), *parent, now, &resp.warnings));
  if (ttl.count() == 0) o.renewable = false;
  core::TokenCreateParams p = BuildParams(o, policies, ttl, limits.max_ttl, orphan);
  p.path = req.mount_point + req.path;
  p.mount_accessor = req.mount_accessor;
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
