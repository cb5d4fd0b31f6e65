#include "core/policy/policy_store.h"

#include <algorithm>

#include "core/policy/builtin_policies.h"
#include "storage/backend.h"

namespace coffer::core {
namespace {

Status WithContext(const Status& st, std::string_view context) {
  return Status(st.code(), std::string(context) + st.message());
}

}  // namespace

PolicyStore::PolicyStore(storage::Backend* view, std::string prefix)
    : view_(view), prefix_(std::move(prefix)) {}

Status PolicyStore::Setup() {
  std::lock_guard<std::mutex> w(write_mu_);
  auto current = LoadPolicy(std::string(kDefaultPolicyName));
  if (!current) return WithContext(current.error(), "error fetching default policy from store: ");
  if (*current == nullptr) {
    auto parsed = ParsePolicy(kDefaultPolicyName, DefaultPolicyText());
    if (!parsed) return WithContext(parsed.error(), "error parsing default policy: ");
    Status st = WritePolicy(*parsed);
    if (!st.ok()) return st;
  }
  auto wrapping = LoadPolicy(std::string(kResponseWrappingPolicyName));
  if (!wrapping) return wrapping.error();
  if (*wrapping == nullptr || (*wrapping)->raw != ResponseWrappingPolicyText()) {
    auto parsed = ParsePolicy(kResponseWrappingPolicyName, ResponseWrappingPolicyText());
    if (!parsed) return parsed.error();
    Status st = WritePolicy(*parsed);
    if (!st.ok()) return st;
  }
  return Status::Ok();
}

Status PolicyStore::SetPolicy(std::string_view raw_name, std::string_view text) {
  std::string name = SanitizePolicyName(raw_name);
  if (name.empty()) return InvalidArgument("policy name missing");
  if (IsImmutablePolicy(name)) return InvalidArgument("cannot update \"" + name + "\" policy");
  auto parsed = ParsePolicy(name, text);
  if (!parsed) return parsed.error();
  std::lock_guard<std::mutex> w(write_mu_);
  return WritePolicy(*parsed);
}

Status PolicyStore::WritePolicy(const Policy& policy) {
  Json entry = {{"Version", 2}, {"Raw", policy.raw}, {"Type", 0}, {"Templated", policy.templated}};
  Status st = view_->Put(prefix_ + policy.name, entry.dump());
  if (!st.ok()) return WithContext(st, "failed to persist policy: ");
  std::lock_guard<std::mutex> l(mu_);
  DropCachesLocked(policy.name);
  policies_[policy.name] = std::make_shared<const Policy>(policy);
  return Status::Ok();
}

Result<std::shared_ptr<const Policy>> PolicyStore::GetPolicy(std::string_view raw_name) {
  std::string name = SanitizePolicyName(raw_name);
  if (name == kRootPolicyName) return RootPolicy();
  if (name.empty()) return std::shared_ptr<const Policy>();
  return LoadPolicy(name);
}

Result<std::shared_ptr<const Policy>> PolicyStore::LoadPolicy(const std::string& name) {
  uint64_t generation;
  {
    std::lock_guard<std::mutex> l(mu_);
    if (auto it = policies_.find(name); it != policies_.end()) return it->second;
    generation = generation_;
  }
  auto value = view_->Get(prefix_ + name);
  if (!value) return Err(WithContext(value.error(), "failed to read policy: "));
  if (!value->has_value()) return std::shared_ptr<const Policy>();
  auto entry = ParseJson(**value);
  if (!entry || !entry->is_object() || !(*entry)["Raw"].is_string()) {
    return Err(Corruption("failed to parse policy: stored entry for \"" + name + "\" is invalid"));
  }
  auto parsed = ParsePolicy(name, (*entry)["Raw"].get<std::string>());
  if (!parsed) return Err(parsed.error());
  auto policy = std::make_shared<const Policy>(std::move(*parsed));
  std::lock_guard<std::mutex> l(mu_);
  if (generation_ == generation) policies_[name] = policy;
  return std::shared_ptr<const Policy>(policy);
}

Status PolicyStore::DeletePolicy(std::string_view raw_name) {
  std::string name = SanitizePolicyName(raw_name);
  if (IsImmutablePolicy(name)) return InvalidArgument("cannot delete \"" + name + "\" policy");
  if (name == kDefaultPolicyName) return InvalidArgument("cannot delete default policy");
  if (name.empty()) return InvalidArgument("policy name missing");
  std::lock_guard<std::mutex> w(write_mu_);
  Status st = view_->Delete(prefix_ + name);
  if (!st.ok()) return WithContext(st, "failed to delete policy: ");
  std::lock_guard<std::mutex> l(mu_);
  DropCachesLocked(name);
  return Status::Ok();
}

Status PolicyStore::CollectNames(const std::string& sub, std::vector<std::string>* out) {
  auto keys = view_->List(prefix_ + sub);
  if (!keys) return keys.error();
  for (const std::string& key : *keys) {
    if (!key.empty() && key.back() == '/') {
      Status st = CollectNames(sub + key, out);
      if (!st.ok()) return st;
    } else {
      out->push_back(sub + key);
    }
  }
  return Status::Ok();
}

Result<std::vector<std::string>> PolicyStore::ListPolicies() {
  std::vector<std::string> names;
  COFFER_RETURN_IF_ERROR(CollectNames("", &names));
  std::sort(names.begin(), names.end());
  std::erase_if(names, [](const std::string& n) { return IsNonAssignablePolicy(n); });
  names.emplace_back(kRootPolicyName);
  return names;
}

Result<std::shared_ptr<const Acl>> PolicyStore::AclForPolicies(
    const std::vector<std::string>& raw_names) {
  std::vector<std::string> names;
  for (const std::string& n : raw_names) names.push_back(SanitizePolicyName(n));
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  std::string key;
  for (const std::string& n : names) key += n + "\n";

  uint64_t generation;
  {
    std::lock_guard<std::mutex> l(mu_);
    if (auto it = acls_.find(key); it != acls_.end()) return it->second;
    generation = generation_;
  }
  std::vector<std::shared_ptr<const Policy>> policies;
  for (const std::string& n : names) {
    auto p = GetPolicy(n);
    if (!p) return Err(WithContext(p.error(), "failed to get policy: "));
    if (*p != nullptr) policies.push_back(std::move(*p));
  }
  auto acl = Acl::Build(policies);
  if (!acl) return Err(WithContext(acl.error(), "failed to construct ACL: "));
  std::lock_guard<std::mutex> l(mu_);
  if (generation_ == generation) {
    if (acls_.size() >= kMaxCachedAcls) acls_.clear();
    acls_[key] = *acl;
  }
  return *acl;
}

void PolicyStore::Invalidate(std::string_view name) {
  std::lock_guard<std::mutex> l(mu_);
  DropCachesLocked(SanitizePolicyName(name));
}

void PolicyStore::InvalidateAll() {
  std::lock_guard<std::mutex> l(mu_);
  ++generation_;
  policies_.clear();
  acls_.clear();
}

void PolicyStore::DropCachesLocked(const std::string& name) {
  ++generation_;
  policies_.erase(name);
  acls_.clear();
}

}  // namespace coffer::core
