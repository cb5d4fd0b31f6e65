#include "auth/token/token_role.h"

#include <algorithm>
#include <cctype>
#include <set>

#include "storage/backend.h"

namespace coffer::auth::token {

namespace {

constexpr char kRolePrefix[] = "roles/";

std::chrono::seconds Seconds(const Json& j, const char* key) {
  return std::chrono::seconds(j.contains(key) && j[key].is_number_integer() ? j[key].get<int64_t>()
                                                                            : 0);
}

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

bool Contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

// Go's %q of a []string: ["a" "b"].
std::string GoQuoted(const std::vector<std::string>& v) {
  std::string out = "[";
  for (size_t i = 0; i < v.size(); ++i) out += (i ? " \"" : "\"") + v[i] + "\"";
  return out + "]";
}

}  // namespace

Json TokenRole::ToJson() const {
  Json j = {{"name", name},
            {"allowed_policies", allowed_policies},
            {"disallowed_policies", disallowed_policies},
            {"allowed_policies_glob", allowed_policies_glob},
            {"disallowed_policies_glob", disallowed_policies_glob},
            {"orphan", orphan},
            {"renewable", renewable},
            {"path_suffix", path_suffix},
            {"allowed_entity_aliases", allowed_entity_aliases},
            {"period", period.count()},
            {"explicit_max_ttl", explicit_max_ttl.count()},
            {"bound_cidrs", bound_cidrs}};
  token.PopulateData(&j);
  return j;
}

Result<TokenRole> TokenRole::FromJson(const Json& j) {
  if (!j.is_object()) return Err(Corruption("token role: not an object"));
  TokenRole r;
  try {
    r.name = j.value("name", "");
    r.allowed_policies = StringArrayField(j, "allowed_policies");
    r.disallowed_policies = StringArrayField(j, "disallowed_policies");
    r.allowed_policies_glob = StringArrayField(j, "allowed_policies_glob");
    r.disallowed_policies_glob = StringArrayField(j, "disallowed_policies_glob");
    r.orphan = j.value("orphan", false);
    r.renewable = j.value("renewable", true);
    r.path_suffix = j.value("path_suffix", "");
    r.allowed_entity_aliases = StringArrayField(j, "allowed_entity_aliases");
    r.period = Seconds(j, "period");
    r.explicit_max_ttl = Seconds(j, "explicit_max_ttl");
    r.bound_cidrs = StringArrayField(j, "bound_cidrs");
  } catch (const Json::exception&) {
    return Err(Corruption("token role: malformed"));
  }
  COFFER_ASSIGN_OR_RETURN(r.token, TokenParams::FromJson(j));
  if (r.token.type == "default") r.token.type = "default-service";
  if (r.period.count() > 0 && r.token.period.count() == 0) r.token.period = r.period;
  if (r.explicit_max_ttl.count() > 0 && r.token.explicit_max_ttl.count() == 0)
    r.token.explicit_max_ttl = r.explicit_max_ttl;
  if (!r.bound_cidrs.empty() && r.token.bound_cidrs.empty()) r.token.bound_cidrs = r.bound_cidrs;
  return r;
}

Json TokenRole::ReadData() const {
  Json d = {{"period", period.count()},
            {"token_period", token.period.count()},
            {"explicit_max_ttl", explicit_max_ttl.count()},
            {"token_explicit_max_ttl", token.explicit_max_ttl.count()},
            {"disallowed_policies", disallowed_policies},
            {"allowed_policies", allowed_policies},
            {"disallowed_policies_glob", disallowed_policies_glob},
            {"allowed_policies_glob", allowed_policies_glob},
            {"name", name},
            {"orphan", orphan},
            {"path_suffix", path_suffix},
            {"renewable", renewable},
            {"token_type", token.type},
            {"allowed_entity_aliases",
             allowed_entity_aliases.empty() ? Json(nullptr) : Json(allowed_entity_aliases)},
            {"token_no_default_policy", token.no_default_policy}};
  if (!token.bound_cidrs.empty()) d["token_bound_cidrs"] = token.bound_cidrs;
  if (!bound_cidrs.empty()) d["bound_cidrs"] = bound_cidrs;
  if (token.num_uses > 0) d["token_num_uses"] = token.num_uses;
  return d;
}

bool TokenRole::HasPolicyRules() const {
  return !allowed_policies.empty() || !disallowed_policies.empty() ||
         !allowed_policies_glob.empty() || !disallowed_policies_glob.empty();
}

Result<std::optional<TokenRole>> LoadRole(storage::Backend& s, const std::string& name) {
  COFFER_ASSIGN_OR_RETURN(auto raw, s.Get(kRolePrefix + name));
  if (!raw) return std::optional<TokenRole>();
  auto j = ParseJson(*raw);
  if (!j) return Err(Corruption("token role: unreadable entry"));
  COFFER_ASSIGN_OR_RETURN(TokenRole role, TokenRole::FromJson(*j));
  if (role.name.empty()) role.name = name;
  return std::optional<TokenRole>(std::move(role));
}

Status SaveRole(storage::Backend& s, const TokenRole& role) {
  return s.Put(kRolePrefix + role.name, role.ToJson().dump());
}

Status DeleteRole(storage::Backend& s, const std::string& name) {
  return s.Delete(kRolePrefix + name);
}

Result<std::vector<std::string>> ListRoles(storage::Backend& s) {
  COFFER_ASSIGN_OR_RETURN(auto keys, s.List(kRolePrefix));
  std::sort(keys.begin(), keys.end());
  return keys;
}

bool GlobMatch(std::string_view pattern, std::string_view value) {
  if (pattern == "*") return true;
  size_t star = pattern.find('*');
  if (star == std::string_view::npos) return pattern == value;
  // The text before the first '*' is a prefix, after the last a suffix, and the pieces in
  // between must appear in order.
  std::string_view prefix = pattern.substr(0, star);
  if (value.substr(0, prefix.size()) != prefix) return false;
  size_t last = pattern.rfind('*');
  std::string_view suffix = pattern.substr(last + 1);
  size_t pos = prefix.size();
  for (size_t start = star + 1; start <= last;) {
    size_t next = pattern.find('*', start);
    std::string_view piece = pattern.substr(start, next - start);
    size_t found = value.find(piece, pos);
    if (found == std::string_view::npos) return false;
    pos = found + piece.size();
    start = next + 1;
  }
  return value.size() >= pos + suffix.size() &&
         value.substr(value.size() - suffix.size()) == suffix;
}

bool ListContainsGlob(const std::vector<std::string>& patterns, std::string_view value) {
  return std::any_of(patterns.begin(), patterns.end(),
                     [value](const std::string& p) { return GlobMatch(p, value); });
}

std::vector<std::string> SanitizeTokenPolicies(const std::vector<std::string>& in,
                                               bool add_default) {
  std::set<std::string> out;
  for (const auto& raw : in) {
    std::string p = Lower(TrimSpace(raw));
    if (p == "root") return {"root"};
    if (!p.empty()) out.insert(p);
  }
  if (add_default) out.insert("default");
  return {out.begin(), out.end()};
}

std::vector<std::string> RemoveDuplicatesLower(const std::vector<std::string>& in) {
  std::set<std::string> out;
  for (const auto& raw : in) {
    std::string p = Lower(TrimSpace(raw));
    if (!p.empty()) out.insert(p);
  }
  return {out.begin(), out.end()};
}

Result<std::vector<std::string>> RolePolicies(const TokenRole& role,
                                              const std::vector<std::string>& requested,
                                              const std::vector<std::string>& parent_policies,
                                              bool no_default_policy) {
  // "default" joins unless the request or the role opts out or the role disallows it.
  bool add_default = !no_default_policy && !role.token.no_default_policy &&
                     !Contains(role.disallowed_policies, "default") &&
                     !ListContainsGlob(role.disallowed_policies_glob, "default");
  std::vector<std::string> out;
  if (!requested.empty()) out = SanitizeTokenPolicies(requested, add_default);

  if (!role.allowed_policies.empty() || !role.allowed_policies_glob.empty()) {
    auto allowed = SanitizeTokenPolicies(role.allowed_policies, add_default);
    if (out.empty()) {
      out = allowed;
    } else {
      auto globs = SanitizeTokenPolicies(role.allowed_policies_glob, false);
      for (const auto& p : out)
        if (!Contains(allowed, p) && !ListContainsGlob(globs, p))
          return Err(InvalidArgument("token policies (" + GoQuoted(out) +
                                     ") must be subset of the role's allowed policies (" +
                                     GoQuoted(allowed) + ") or glob policies (" + GoQuoted(globs) +
                                     ")"));
    }
  } else if (out.empty()) {
    out = SanitizeTokenPolicies(parent_policies, add_default);
  }

  if (!role.disallowed_policies.empty() || !role.disallowed_policies_glob.empty()) {
    auto disallowed = RemoveDuplicatesLower(role.disallowed_policies);
    auto globs = RemoveDuplicatesLower(role.disallowed_policies_glob);
    for (const auto& p : out)
      if (Contains(disallowed, p) || ListContainsGlob(globs, p))
        return Err(InvalidArgument("token policy \"" + p + "\" is disallowed by this role"));
  }
  return out;
}

}  // namespace coffer::auth::token
