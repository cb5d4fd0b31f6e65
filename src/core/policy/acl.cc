#include "core/policy/acl.h"

#include <algorithm>
#include <string_view>

#include "core/policy/acl_params.h"

namespace coffer::core {
namespace {

std::vector<std::string> Split(std::string_view s) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    size_t slash = s.find('/', start);
    parts.emplace_back(s.substr(start, slash - start));
    if (slash == std::string_view::npos) return parts;
    start = slash + 1;
  }
}

void AddGranting(std::map<uint32_t, std::vector<std::string>>* granting, const Policy& policy,
                 uint32_t bitmap) {
  for (uint32_t bit = 1; bit != 0 && bit <= bitmap; bit <<= 1) {
    if (bitmap & bit) (*granting)[bit].push_back(policy.name);
  }
}

// Vault's merge of parameter maps: an empty list (any value) absorbs; otherwise the new
// values are placed before the existing ones.
void MergeParameters(const ParameterMap& add, ParameterMap* into) {
  for (const auto& [key, values] : add) {
    auto it = into->find(key);
    if (values.empty() || (it != into->end() && it->second.empty())) {
      (*into)[key].clear();
    } else {
      std::vector<Json> merged = values;
      if (it != into->end()) merged.insert(merged.end(), it->second.begin(), it->second.end());
      (*into)[key] = std::move(merged);
    }
  }
}

void AppendUnique(const std::vector<std::string>& add, std::vector<std::string>* into) {
  for (const std::string& v : add) {
    if (std::find(into->begin(), into->end(), v) == into->end()) into->push_back(v);
  }
}

// Merges `pc` (from `policy`) into the rule already held for the same pattern.
void MergeRule(const Policy& policy, const Permissions& add, Acl::Rule* rule) {
  Permissions& ex = rule->permissions;
  if (ex.capabilities & kCapDeny) return;  // an explicit deny already wins
  if (add.capabilities & kCapDeny) {
    ex.capabilities = kCapDeny;
    ex.allowed_parameters.clear();
    ex.denied_parameters.clear();
    return;
  }
  ex.capabilities |= add.capabilities;
  AddGranting(&rule->granting, policy, add.capabilities);
  // The tighter wrapping bound wins in both directions.
  if (add.max_wrapping_ttl.count() > 0 &&
      (ex.max_wrapping_ttl.count() == 0 || add.max_wrapping_ttl < ex.max_wrapping_ttl)) {
    ex.max_wrapping_ttl = add.max_wrapping_ttl;
  }
  if (add.min_wrapping_ttl.count() > 0 &&
      (ex.min_wrapping_ttl.count() == 0 || add.min_wrapping_ttl < ex.min_wrapping_ttl)) {
    ex.min_wrapping_ttl = add.min_wrapping_ttl;
  }
  MergeParameters(add.allowed_parameters, &ex.allowed_parameters);
  MergeParameters(add.denied_parameters, &ex.denied_parameters);
  AppendUnique(add.required_parameters, &ex.required_parameters);
  AppendUnique(add.mfa_methods, &ex.mfa_methods);
  AppendUnique(add.subscribe_event_types, &ex.subscribe_event_types);
}

struct Candidate {
  int first_wildcard;
  bool is_prefix;
  int wildcards;
  std::string_view wc_path;
  const Acl::Rule* rule;
};

// True when `a` is the more specific match (acl.go CheckAllowedFromNonExactPaths).
bool MoreSpecific(const Candidate& a, const Candidate& b) {
  if (a.first_wildcard != b.first_wildcard) return a.first_wildcard > b.first_wildcard;
  if (a.is_prefix != b.is_prefix) return !a.is_prefix;
  if (a.wildcards != b.wildcards) return a.wildcards < b.wildcards;
  if (a.wc_path.size() != b.wc_path.size()) return a.wc_path.size() > b.wc_path.size();
  return a.wc_path > b.wc_path;
}

uint32_t CapabilityFor(Operation op) {
  switch (op) {
    case Operation::kRead:
      return kCapRead;
    case Operation::kList:
      return kCapList;
    case Operation::kUpdate:
      return kCapUpdate;
    case Operation::kDelete:
      return kCapDelete;
    case Operation::kCreate:
      return kCapCreate;
    case Operation::kPatch:
      return kCapPatch;
    case Operation::kHelp:
      break;
  }
  return 0;
}

}  // namespace

Result<std::shared_ptr<const Acl>> Acl::Build(
    const std::vector<std::shared_ptr<const Policy>>& policies) {
  std::shared_ptr<Acl> acl(new Acl());
  size_t count = 0;
  for (const auto& p : policies) count += p != nullptr;
  for (const auto& p : policies) {
    if (p == nullptr) continue;
    if (p->name == "root") {
      if (count != 1) return Err(InvalidArgument("other policies present along with root"));
      acl->root_ = true;
    }
    for (const PathRules& pc : p->paths) {
      if (!pc.templated) acl->Insert(*p, pc);
    }
  }
  for (const auto& [prefix, rule] : acl->prefix_) acl->prefix_lengths_.push_back(prefix.size());
  std::sort(acl->prefix_lengths_.rbegin(), acl->prefix_lengths_.rend());
  acl->prefix_lengths_.erase(std::unique(acl->prefix_lengths_.begin(), acl->prefix_lengths_.end()),
                             acl->prefix_lengths_.end());
  return std::shared_ptr<const Acl>(std::move(acl));
}

void Acl::Insert(const Policy& policy, const PathRules& pc) {
  Rule* rule = nullptr;
  bool fresh = false;
  if (pc.has_segment_wildcards) {
    auto [it, inserted] = segment_.try_emplace(pc.path);
    SegmentRule& seg = it->second;
    if (inserted) {
      seg.is_prefix = !pc.path.empty() && pc.path.back() == '*';
      seg.wc_path = seg.is_prefix ? pc.path.substr(0, pc.path.size() - 1) : pc.path;
      seg.parts = Split(seg.wc_path);
      seg.first_wildcard = static_cast<int>(pc.path.find('+'));
    }
    rule = &seg.rule;
    fresh = inserted;
  } else {
    auto& tree = pc.is_prefix ? prefix_ : exact_;
    auto [it, inserted] = tree.try_emplace(pc.path);
    rule = &it->second;
    fresh = inserted;
  }
  if (fresh) {
    rule->permissions = pc.permissions;
    AddGranting(&rule->granting, policy, pc.permissions.capabilities);
  } else {
    MergeRule(policy, pc.permissions, rule);
  }
}

const Acl::Rule* Acl::LongestPrefix(const std::string& path, std::string* prefix) const {
  for (size_t len : prefix_lengths_) {
    if (len > path.size()) continue;
    auto it = prefix_.find(std::string_view(path).substr(0, len));
    if (it != prefix_.end()) {
      *prefix = it->first;
      return &it->second;
    }
  }
  return nullptr;
}

const Acl::Rule* Acl::NonExact(const std::string& path) const {
  std::vector<Candidate> found;
  std::string prefix;
  if (const Rule* r = LongestPrefix(path, &prefix)) {
    if (segment_.empty()) return r;
    found.push_back({static_cast<int>(prefix.size()), true, 0, {}, r});
    found.back().wc_path = prefix_.find(prefix)->first;
  }
  if (segment_.empty()) return nullptr;

  const std::vector<std::string> parts = Split(path);
  for (const auto& [full, seg] : segment_) {
    if (parts.size() < seg.parts.size()) continue;
    if (!seg.is_prefix && parts.size() != seg.parts.size()) continue;
    int wildcards = 0;
    bool match = true;
    for (size_t i = 0; i < seg.parts.size() && match; ++i) {
      const std::string& want = seg.parts[i];
      if (want == "+") {
        ++wildcards;
      } else if (want != parts[i]) {
        match = seg.is_prefix && i + 1 == seg.parts.size() && parts[i].starts_with(want);
      }
    }
    if (match)
      found.push_back({seg.first_wildcard, seg.is_prefix, wildcards, seg.wc_path, &seg.rule});
  }
  if (found.empty()) return nullptr;
  const Candidate* best = &found[0];
  for (const Candidate& c : found) {
    if (MoreSpecific(c, *best)) best = &c;
  }
  return best->rule;
}

const Acl::Rule* Acl::Lookup(Operation op, const std::string& path) const {
  if (auto it = exact_.find(path); it != exact_.end()) return &it->second;
  bool list = op == Operation::kList;
  bool slash = !path.empty() && path.back() == '/';
  std::string trimmed = slash ? path.substr(0, path.size() - 1) : path;
  if (list && slash) {
    if (auto it = exact_.find(trimmed); it != exact_.end()) return &it->second;
    // Rules with trailing wildcards may match the path without its slash first.
    if (const Rule* r = NonExact(trimmed)) return r;
  }
  return NonExact(path);
}

AclResult Acl::AllowOperation(Operation op, const std::string& request_path,
                              const Json& request_data, bool check_only_capabilities,
                              std::chrono::seconds wrap_ttl) const {
  AclResult ret;
  if (root_) {
    ret.allowed = ret.root_privs = ret.is_root = true;
    ret.granting_policies = {"root"};
    return ret;
  }
  if (op == Operation::kHelp) {
    ret.allowed = true;
    return ret;
  }
  size_t start = request_path.find_first_not_of('/');
  std::string path = start == std::string::npos ? "" : request_path.substr(start);

  const Rule* rule = Lookup(op, path);
  if (rule == nullptr) {
    ret.denial_reason = "no policy rule matches the path";
    return ret;
  }
  const Permissions& perms = rule->permissions;
  ret.capabilities = perms.capabilities;
  ret.root_privs = (perms.capabilities & kCapSudo) != 0;
  if (check_only_capabilities) return ret;

  uint32_t need = CapabilityFor(op);
  if (need == 0 || (perms.capabilities & need) == 0) {
    ret.denial_reason = (perms.capabilities & kCapDeny) ? "path is explicitly denied"
                                                        : std::string("no \"") + OperationName(op) +
                                                              "\" capability on the path";
    return ret;
  }
  if (auto it = rule->granting.find(need); it != rule->granting.end()) {
    ret.granting_policies = it->second;
  }
  bool wrapped = wrap_ttl.count() > 0;
  if (perms.max_wrapping_ttl.count() > 0 && (!wrapped || wrap_ttl > perms.max_wrapping_ttl)) {
    ret.denial_reason = "response wrapping TTL above max_wrapping_ttl (or not wrapped)";
    return ret;
  }
  if (perms.min_wrapping_ttl.count() > 0 && (!wrapped || wrap_ttl < perms.min_wrapping_ttl)) {
    ret.denial_reason = "response wrapping TTL below min_wrapping_ttl (or not wrapped)";
    return ret;
  }
  if (perms.min_wrapping_ttl.count() != 0 && perms.max_wrapping_ttl.count() != 0 &&
      perms.max_wrapping_ttl < perms.min_wrapping_ttl) {
    ret.denial_reason = "merged max_wrapping_ttl is below min_wrapping_ttl";
    return ret;
  }
  if (op == Operation::kRead || op == Operation::kUpdate || op == Operation::kCreate ||
      op == Operation::kPatch) {
    if (!internal::ParametersAllowed(perms, request_data, &ret.denial_reason)) return ret;
  }
  ret.allowed = true;
  return ret;
}

std::vector<std::string> Acl::Capabilities(const std::string& path) const {
  if (root_) return {"root"};
  AclResult r = AllowOperation(Operation::kList, path, Json(), true);
  std::vector<std::string> names = CapabilityNames(r.capabilities);
  if ((r.capabilities & kCapDeny) || names.empty()) return {"deny"};
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace coffer::core
