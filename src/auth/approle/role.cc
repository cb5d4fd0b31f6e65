#include "auth/approle/role.h"

#include <algorithm>
#include <cctype>

#include "storage/backend.h"

namespace coffer::auth::approle {

namespace {

std::vector<std::string> Strings(const Json& j, const char* key) {
  std::vector<std::string> out;
  if (j.contains(key) && j[key].is_array())
    for (const auto& e : j[key])
      if (e.is_string()) out.push_back(e.get<std::string>());
  return out;
}

// "a.b.c.d/n" → ("a.b.c.d", n); a bare address is its own /32 or /128 block.
int PrefixLength(const std::string& cidr) {
  size_t slash = cidr.find('/');
  if (slash == std::string::npos) return cidr.find(':') == std::string::npos ? 32 : 128;
  return std::atoi(cidr.c_str() + slash + 1);
}

std::string AddressPart(const std::string& cidr) { return cidr.substr(0, cidr.find('/')); }

}  // namespace

std::string RoleEntry::Serialize() const {
  Json j = {{"v", 1},
            {"name", name},
            {"role_id", role_id},
            {"hmac_key", hmac_key},
            {"bind_secret_id", bind_secret_id},
            {"secret_id_bound_cidrs", secret_id_bound_cidrs},
            {"secret_id_num_uses", secret_id_num_uses},
            {"secret_id_ttl", secret_id_ttl.count()},
            {"local_secret_ids", local_secret_ids},
            {"legacy_policies", legacy_policies},
            {"legacy_period", legacy_period.count()}};
  token.PopulateData(&j);
  return j.dump();
}

Result<RoleEntry> RoleEntry::Parse(std::string_view stored) {
  auto j = ParseJson(stored);
  if (!j || !j->is_object()) return Err(Corruption("approle: unreadable role entry"));
  RoleEntry r;
  r.name = j->value("name", std::string());
  r.role_id = j->value("role_id", std::string());
  r.hmac_key = j->value("hmac_key", std::string());
  r.bind_secret_id = j->value("bind_secret_id", true);
  r.secret_id_bound_cidrs = Strings(*j, "secret_id_bound_cidrs");
  r.secret_id_num_uses = j->value("secret_id_num_uses", int64_t{0});
  r.secret_id_ttl = std::chrono::seconds(j->value("secret_id_ttl", int64_t{0}));
  r.local_secret_ids = j->value("local_secret_ids", false);
  r.legacy_policies = Strings(*j, "legacy_policies");
  r.legacy_period = std::chrono::seconds(j->value("legacy_period", int64_t{0}));
  COFFER_ASSIGN_OR_RETURN(r.token, TokenParams::FromJson(*j));
  if (r.hmac_key.empty() || r.role_id.empty())
    return Err(Corruption("approle: role entry without keys"));
  return r;
}

Json RoleEntry::ReadData() const {
  Json data = {{"bind_secret_id", bind_secret_id},
               {"secret_id_bound_cidrs", secret_id_bound_cidrs},
               {"secret_id_num_uses", secret_id_num_uses},
               {"secret_id_ttl", secret_id_ttl.count()},
               {"local_secret_ids", local_secret_ids}};
  token.PopulateData(&data);
  if (legacy_period.count() > 0) data["period"] = token.period.count();
  if (!legacy_policies.empty()) data["policies"] = token.policies;
  return data;
}

Status RoleEntry::ValidateConstraints() const {
  if (bind_secret_id || !secret_id_bound_cidrs.empty() || !token.bound_cidrs.empty())
    return Status::Ok();
  return InvalidArgument("at least one constraint should be enabled on the role");
}

Result<std::optional<RoleEntry>> LoadRole(storage::Backend& s, const std::string& name) {
  if (name.empty()) return Err(InvalidArgument("missing role_name"));
  COFFER_ASSIGN_OR_RETURN(auto raw, s.Get(std::string(kRolePrefix) + name));
  if (!raw) return std::optional<RoleEntry>();
  COFFER_ASSIGN_OR_RETURN(RoleEntry role, RoleEntry::Parse(*raw));
  role.name = name;
  return std::optional<RoleEntry>(std::move(role));
}

std::string NormalizeRoleName(std::string_view name) {
  std::string out(name);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool CidrsSubset(const std::vector<std::string>& parent, const std::vector<std::string>& child) {
  if (parent.empty()) return true;
  for (const auto& c : child) {
    bool inside = false;
    for (const auto& p : parent) {
      if (PrefixLength(c) >= PrefixLength(p) && RemoteAddrAllowed(AddressPart(c), {p})) {
        inside = true;
        break;
      }
    }
    if (!inside) return false;
  }
  return true;
}

}  // namespace coffer::auth::approle
