#pragma once
// Acl: the compiled form of a token's policies, and the one place Coffer decides whether
// a request is allowed (vault/acl.go). Built once per policy set and shared immutably.
//
// Matching, exactly as Vault:
//  1. an exact rule for the path (for list, also the path without its trailing '/');
//  2. otherwise the best non-exact rule: the longest matching prefix rule ("secret/*")
//     competes with every matching '+' rule; the winner is the rule whose first '+' or
//     '*' comes latest, then one that is not a prefix, then fewer '+' segments, then the
//     longer pattern, then the lexicographically greater one. For list on "foo/", rules
//     are tried against "foo" first.
//  3. no rule: denied.
// Rules for the same path from several policies merge: capabilities are OR-ed, a deny
// anywhere wins and drops everything else, parameter lists are combined, the smaller
// wrapping TTL bound wins. Templated paths are skipped (no identity yet).
// Parameter constraints (required, denied, allowed, with globbed values) apply to read,
// create, update and patch, as in current Vault. Help is always allowed.
//
// Thread-safety: immutable after Build; share as std::shared_ptr<const Acl>.

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/json.h"
#include "base/status.h"
#include "core/logical.h"
#include "core/policy/policy.h"

namespace coffer::core {

struct AclResult {
  bool allowed = false;
  bool root_privs = false;    // the matching rule grants sudo (or the token is root)
  bool is_root = false;       // the root policy
  uint32_t capabilities = 0;  // bitmap of the matching rule (kCap*)
  // Policies whose rule granted the operation's capability (for audit entries).
  std::vector<std::string> granting_policies;
  // Why the request was denied, for server logs only (clients see "permission denied").
  std::string denial_reason;
};

class Acl {
 public:
  // Compiles `policies` (null entries are ignored). A policy named "root" must be alone
  // ("other policies present along with root").
  static Result<std::shared_ptr<const Acl>> Build(
      const std::vector<std::shared_ptr<const Policy>>& policies);

  // Whether `op` on `path` (no leading "/v1/") is allowed with body `request_data` (a JSON
  // object or null). With `check_only_capabilities` only capabilities/root_privs are
  // filled and `allowed` stays false. `wrap_ttl` is the requested response-wrapping TTL,
  // 0 when the request is not wrapped (rules with min/max_wrapping_ttl then deny).
  AclResult AllowOperation(Operation op, const std::string& path, const Json& request_data,
                           bool check_only_capabilities,
                           std::chrono::seconds wrap_ttl = std::chrono::seconds(0)) const;

  // sys/capabilities: sorted capability names on `path` (evaluated as a list request, as
  // Vault does); ["deny"] when nothing is granted or deny applies; ["root"] for root.
  std::vector<std::string> Capabilities(const std::string& path) const;

  bool root() const { return root_; }

  // Merged rule set for one path pattern (exposed for tests and the resultant-acl view).
  struct Rule {
    Permissions permissions;
    std::map<uint32_t, std::vector<std::string>> granting;  // capability bit -> policies
  };

 private:
  struct SegmentRule {
    std::string wc_path;  // the pattern without a trailing '*'
    std::vector<std::string> parts;
    bool is_prefix = false;
    int first_wildcard = 0;  // index of the first '+' in full_path
    Rule rule;
  };

  Acl() = default;
  void Insert(const Policy& policy, const PathRules& pc);
  const Rule* Lookup(Operation op, const std::string& path) const;
  const Rule* NonExact(const std::string& path) const;
  const Rule* LongestPrefix(const std::string& path, std::string* prefix) const;

  bool root_ = false;
  std::map<std::string, Rule, std::less<>> exact_;
  std::map<std::string, Rule, std::less<>> prefix_;
  std::vector<size_t> prefix_lengths_;          // distinct prefix lengths, longest first
  std::map<std::string, SegmentRule> segment_;  // keyed by the pattern as written
};

}  // namespace coffer::core
