#pragma once
// TokenStore: service tokens (hvs.*) persisted only as salted hashes, with accessors
// and a parent → child index so revoking a token revokes its descendants; batch tokens
// (hvb.*) are encrypted, self-contained and never stored. Expiry is checked on lookup;
// an expired token is revoked lazily. Storage layout (under the "sys/token/" view):
//   id/<hmac(salt, token)>        → TokenEntry JSON
//   accessor/<hmac(salt, acc)>    → {"id_hash": ..., "accessor": ...}
//   parent/<parent_hash>/<child_hash> → ""  (children of a token)
//
// Thread-safety: all methods are safe for concurrent use.

#include <chrono>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/json.h"
#include "base/secret_bytes.h"
#include "base/status.h"
#include "core/logical.h"
#include "storage/backend.h"

namespace coffer::crypto {
class Random;
}

namespace coffer::core {

class ExpirationManager;
struct LeaseIndexDelta;

struct TokenEntry {
  std::string id;       // plaintext; only set on creation and after a lookup by id
  std::string id_hash;  // storage key
  std::string accessor;
  std::string parent_hash;  // empty for orphans and root tokens
  std::vector<std::string> policies;
  std::string path;  // creation path, e.g. "auth/token/create", "auth/userpass/login/bob"
  std::map<std::string, std::string> meta;
  std::string display_name;
  int64_t num_uses = 0;         // 0 = unlimited; decremented on use
  int64_t creation_time = 0;    // unix seconds
  std::chrono::seconds ttl{0};  // current TTL granted at creation / last renewal
  std::chrono::seconds explicit_max_ttl{0};
  std::chrono::seconds period{0};
  int64_t expire_time = 0;      // unix seconds; 0 = never (root tokens)
  int64_t max_expire_time = 0;  // absolute cap from max TTLs; 0 = none
  TokenType type = TokenType::kService;
  bool orphan = false;
  bool renewable = false;
  std::string entity_id;
  std::string mount_accessor;           // auth mount that issued it
  Json internal_data = Json::object();  // from Auth.internal_data, for login renewals
  int64_t last_renewal_time = 0;
  std::string role;                      // auth/token role it was created against, if any
  std::vector<std::string> bound_cidrs;  // IPs / CIDR blocks allowed to use it; empty = any

  bool IsRoot() const;
  Json ToJson() const;  // storage form (no plaintext id)
  static Result<TokenEntry> FromJson(const Json& j);
  // The body of auth/token/lookup*.
  Json LookupData(const Clock& clock) const;
};

struct TokenCreateParams {
  std::string id;  // optional requested id (root/sudo only), e.g. dev root token
  std::vector<std::string> policies;
  std::map<std::string, std::string> meta;
  std::string display_name;
  int64_t num_uses = 0;
  std::chrono::seconds ttl{0};
  std::chrono::seconds explicit_max_ttl{0};
  std::chrono::seconds period{0};
  bool orphan = false;
  bool renewable = true;
  bool no_default_policy = false;
  TokenType type = TokenType::kService;
  std::string path;
  std::string mount_accessor;
  std::string entity_id;
  Json internal_data = Json::object();
  std::string role;
  std::vector<std::string> bound_cidrs;
  // Limits from mount tuning and the system: ttl is capped by max_ttl.
  std::chrono::seconds default_ttl{0};
  std::chrono::seconds max_ttl{0};
};

class TokenStore {
 public:
  // `view` is the barrier view "sys/token/"; `salt_key` is derived from the keyring.
  TokenStore(storage::Backend& view, SecretBytes salt_key, SecretBytes batch_key,
             crypto::Random& random, const Clock& clock);

  // Creates a token as a child of `parent` (nullptr → orphan/root). Returns the entry
  // with its plaintext id set.
  Result<TokenEntry> Create(const TokenCreateParams& params, const TokenEntry* parent);

  // A root token (policies ["root"], no expiry), e.g. at init or for -dev-root-token-id.
  Result<TokenEntry> CreateRootToken(const std::string& requested_id);

  // Looks up a live token; expired or unknown → std::nullopt. Does not use a num_uses.
  Result<std::optional<TokenEntry>> Lookup(const std::string& token);
  Result<std::optional<TokenEntry>> LookupByAccessor(const std::string& accessor);
  // By storage hash (TokenEntry::id_hash); the entry has no plaintext id.
  Result<std::optional<TokenEntry>> LookupByHash(const std::string& hash) {
    return LoadByHash(hash);
  }
  // Consumes one use of a limited-use token. On its last use the entry is marked
  // revocation-pending (num_uses -1: every later lookup fails) and `entry.num_uses` is
  // set to -1 so the caller revokes it when its request is done. Returns false if the
  // token had no uses left.
  Result<bool> UseToken(TokenEntry& entry);

  // Revokes the token and all of its descendants.
  Status RevokeTree(const TokenEntry& entry);
  // The entry of a token whose last use UseToken took (by storage hash), for the request
  // that took it; nullopt if it is gone.
  Result<std::optional<TokenEntry>> LookupUsedUp(const std::string& hash);
  // Revokes a token whose last use UseToken took (by storage hash), with its tree.
  Status RevokeUsedUp(const std::string& hash);
  // Revokes only the token; its children become orphans.
  Status RevokeOrphan(const TokenEntry& entry);

  // Extends a token's TTL by `increment` (0 → its original ttl), capped by max TTLs
  // and explicit_max_ttl; periodic tokens reset to their period.
  Result<TokenEntry> Renew(TokenEntry entry, std::chrono::seconds increment,
                           std::chrono::seconds system_max_ttl);

  // Accessors of every live token, sorted (auth/token/accessors). Expired tokens met on
  // the way are revoked, as Lookup does; with `drop_dangling`, accessor index entries whose
  // token is gone are deleted (auth/token/tidy).
  Result<std::vector<std::string>> ListAccessors(bool drop_dangling);

  // Number of stored (service) tokens: one storage List, so callers poll it rarely
  // (the token.count gauge, every usage_gauge_period).
  Result<int64_t> CountServiceTokens();

  // Hash of a token id or accessor with the store's salt (hex). Stable per cluster.
  std::string SaltedHash(std::string_view value) const;

  // Keeps a lease (core/expiration.h) for every service token with a TTL, written in the
  // token's own batches on `root` — the barrier, on which this store's view has the
  // prefix `view_prefix`. Call before the store is used; `leases` outlives the store's use.
  void SetLeases(ExpirationManager* leases, storage::Backend* root, std::string view_prefix) {
    leases_ = leases;
    root_ = root;
    view_prefix_ = std::move(view_prefix);
  }
  // The lease id of a token: its creation path + "/" + its storage hash (as Vault's).
  static std::string LeaseIdOf(const TokenEntry& entry);

  // Hook run for every revoked token (cubbyhole destruction, lease revocation).
  void SetRevokeHook(std::function<void(const TokenEntry&)> hook) {
    revoke_hook_ = std::move(hook);
  }

 private:
  Result<std::optional<TokenEntry>> LoadByHash(const std::string& hash);
  Status RevokeOne(const TokenEntry& entry, bool orphan_children);
  Result<std::string> NewBatchToken(const TokenEntry& entry);
  Result<std::optional<TokenEntry>> OpenBatchToken(const std::string& token);
  // Commits `ops` (keys of this store's view) plus the lease ops `with` adds (keys on the
  // barrier) in one batch.
  Status CommitWithLease(
      const std::vector<storage::Op>& ops,
      const std::function<Status(std::vector<storage::Op>*, LeaseIndexDelta*)>& with);

  storage::Backend& view_;
  SecretBytes salt_key_;
  SecretBytes batch_key_;
  crypto::Random& random_;
  const Clock& clock_;
  std::function<void(const TokenEntry&)> revoke_hook_;
  ExpirationManager* leases_ = nullptr;
  storage::Backend* root_ = nullptr;
  std::string view_prefix_;
  std::mutex use_mu_;
};

}  // namespace coffer::core
