#pragma once
// A token role (Vault's tsRoleEntry): a template for auth/token/create/<role> that can
// widen or narrow the policies a caller may give a token (allowed/disallowed lists and
// globs), make it an orphan, periodic, batch, CIDR-bound, limited in uses, and suffix its
// path. Stored as JSON under "roles/<name>" in the auth/token/ mount's storage.
//
// The token_* settings live in auth::TokenParams (only the fields Vault's role endpoint
// allows: bound_cidrs, explicit_max_ttl, no_default_policy, num_uses, period, type). The
// deprecated period / explicit_max_ttl / bound_cidrs are kept as written so that reads
// echo them, and fill the token_* values when those are unset (Vault's upgrade on read).
//
// Thread-safety: plain values and functions of their arguments.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/tokenutil.h"
#include "base/json.h"
#include "base/status.h"

namespace coffer::storage {
class Backend;
}

namespace coffer::auth::token {

struct TokenRole {
  std::string name;
  std::vector<std::string> allowed_policies;
  std::vector<std::string> disallowed_policies;
  std::vector<std::string> allowed_policies_glob;
  std::vector<std::string> disallowed_policies_glob;
  bool orphan = false;
  bool renewable = true;
  std::string path_suffix;
  std::vector<std::string> allowed_entity_aliases;
  // token_type is one of "service", "batch", "default-service", "default-batch".
  TokenParams token;
  // Deprecated copies, as last written (0 / empty when the token_* field was used).
  std::chrono::seconds period{0};
  std::chrono::seconds explicit_max_ttl{0};
  std::vector<std::string> bound_cidrs;

  Json ToJson() const;  // the stored form
  // Also upgrades: "default" type → "default-service"; legacy values fill unset token_*.
  static Result<TokenRole> FromJson(const Json& stored);
  // The body of a read of auth/token/roles/<name>, keyed as Vault's tokenStoreRoleRead.
  Json ReadData() const;

  // Whether a create against this role uses its own policy rules (any allowed or
  // disallowed list or glob set) rather than the parent-subset rule.
  bool HasPolicyRules() const;
};

// Storage of roles in the auth/token/ mount's view.
Result<std::optional<TokenRole>> LoadRole(storage::Backend& s, const std::string& name);
Status SaveRole(storage::Backend& s, const TokenRole& role);
Status DeleteRole(storage::Backend& s, const std::string& name);
Result<std::vector<std::string>> ListRoles(storage::Backend& s);

// ryanuber/go-glob as Vault's strutil.StrListContainsGlob uses it: '*' matches any run of
// characters anywhere in the pattern; a pattern without '*' must equal `value`.
bool GlobMatch(std::string_view pattern, std::string_view value);
bool ListContainsGlob(const std::vector<std::string>& patterns, std::string_view value);

// Vault's policyutil.SanitizePolicies: trimmed, lower-cased, empty names dropped, "root"
// alone swallows the rest, "default" added when asked (unless "root"), sorted, unique.
std::vector<std::string> SanitizeTokenPolicies(const std::vector<std::string>& in,
                                               bool add_default);
// Vault's strutil.RemoveDuplicates(list, lowercase=true): trimmed, lower-cased, empty
// entries dropped, sorted, unique.
std::vector<std::string> RemoveDuplicatesLower(const std::vector<std::string>& in);

// The policies a create against `role` gives the token (the role branch of Vault's
// handleCreateCommon), before "default" is stripped for no_default_policy. Errors are
// Vault's: "token policies (...) must be subset of the role's allowed policies (...) or glob
// policies (...)", "token policy \"x\" is disallowed by this role".
Result<std::vector<std::string>> RolePolicies(const TokenRole& role,
                                              const std::vector<std::string>& requested,
                                              const std::vector<std::string>& parent_policies,
                                              bool no_default_policy);

}  // namespace coffer::auth::token
