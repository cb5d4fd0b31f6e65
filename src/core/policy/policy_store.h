#pragma once
// PolicyStore: named ACL policies kept in storage, and the Acl for a token's policy set
// (vault/policy_store.go). Entries live at <prefix><name> in the given view; Core passes
// its system BarrierView ("sys/") with the default prefix "policy/", so a policy lands at
// sys/policy/<name> as in Vault. The stored value is JSON:
//   {"Version": 2, "Raw": "<policy text>", "Type": 0, "Templated": false}
//
// Names are trimmed and lower-cased everywhere. "root" is implicit (never stored) and
// immutable; "default" may be edited but not deleted; "response-wrapping" is written by
// Setup, immutable and hidden from listings.
//
// Caching: parsed policies and built Acls are cached and dropped on every SetPolicy /
// DeletePolicy / Invalidate. A generation counter keeps a read that raced a write from
// caching the old value. Thread-safe: writers are serialised; readers run concurrently.

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "core/policy/acl.h"
#include "core/policy/policy.h"

namespace coffer::storage {
class Backend;
}

namespace coffer::core {

class PolicyStore {
 public:
  // `view` is not owned and must outlive the store.
  explicit PolicyStore(storage::Backend* view, std::string prefix = "policy/");
  PolicyStore(const PolicyStore&) = delete;
  PolicyStore& operator=(const PolicyStore&) = delete;

  // Writes the default policy when absent and (re)writes the response-wrapping policy.
  // Called once the barrier is unsealed.
  Status Setup();

  // Parses and validates `text`, then stores it under `name`. InvalidArgument for a parse
  // error, an empty name ("policy name missing") or an immutable policy
  // (`cannot update "root" policy`).
  Status SetPolicy(std::string_view name, std::string_view text);

  // The named policy; nullptr when there is none. "root" yields RootPolicy().
  Result<std::shared_ptr<const Policy>> GetPolicy(std::string_view name);

  // Removes a policy; deleting an absent one is Ok. InvalidArgument for
  // "cannot delete default policy" and `cannot delete "root" policy` (and the other
  // immutable policies).
  Status DeletePolicy(std::string_view name);

  // What Vault's sys/policy and sys/policies/acl list: the stored policies (sorted,
  // without the non-assignable ones) followed by "root".
  Result<std::vector<std::string>> ListPolicies();

  // The Acl for a token's policies. Unknown names are skipped (as Vault does); ["root"]
  // yields the root Acl; "root" together with others is an error.
  Result<std::shared_ptr<const Acl>> AclForPolicies(const std::vector<std::string>& names);

  // Drops cached state after storage changed underneath the store (replication, a new
  // active node, a restored snapshot).
  void Invalidate(std::string_view name);
  void InvalidateAll();

 private:
  static constexpr size_t kMaxCachedAcls = 1024;

  Status WritePolicy(const Policy& policy);
  Result<std::shared_ptr<const Policy>> LoadPolicy(const std::string& name);
  Status CollectNames(const std::string& sub, std::vector<std::string>* out);
  void DropCachesLocked(const std::string& name);

  storage::Backend* const view_;
  const std::string prefix_;

  std::mutex write_mu_;  // serialises SetPolicy, DeletePolicy and Setup
  std::mutex mu_;        // guards everything below
  uint64_t generation_ = 0;
  std::map<std::string, std::shared_ptr<const Policy>> policies_;
  std::map<std::string, std::shared_ptr<const Acl>> acls_;  // by sorted, '\n'-joined names
};

}  // namespace coffer::core
