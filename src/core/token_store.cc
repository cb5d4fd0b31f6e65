#include "core/token_store.h"

#include <algorithm>
#include <set>

#include "core/expiration.h"
#include "crypto/aes_gcm.h"
#include "crypto/hash.h"
#include "crypto/random.h"
#include "telemetry/metrics.h"

namespace coffer::core {

namespace {

constexpr char kServicePrefix[] = "hvs.";
constexpr char kBatchPrefix[] = "hvb.";
constexpr size_t kTokenRandomChars = 24;

int64_t UnixSeconds(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

std::string IdKey(const std::string& hash) { return "id/" + hash; }

// Vault's creation_ttl label: the TTL rounded up to one of a few buckets.
std::string TtlBucket(std::chrono::seconds ttl) {
  static const std::pair<int64_t, const char*> kBuckets[] = {
      {60, "1m"},    {600, "10m"},   {1200, "20m"},  {3600, "1h"},    {7200, "2h"},
      {86400, "1d"}, {172800, "2d"}, {604800, "7d"}, {2592000, "30d"}};
  if (ttl.count() == 0) return "+Inf";
  for (const auto& [limit, name] : kBuckets)
    if (ttl.count() <= limit) return name;
  return "+Inf";
}

// token.creation{auth_method, mount_point, creation_ttl, token_type}: the mount comes from
// the creation path ("auth/approle/login" → "auth/approle/"); auth_method is the mount's
// path segment, which is its type unless the method was mounted elsewhere.
void CountCreation(const TokenEntry& e) {
  if (!telemetry::Enabled()) return;
  std::string mount = "auth/token/", method = "token";
  if (e.path.rfind("auth/", 0) == 0) {
    size_t slash = e.path.find('/', 5);
    if (slash != std::string::npos) {
      mount = e.path.substr(0, slash + 1);
      method = e.path.substr(5, slash - 5);
    }
  }
  telemetry::IncrCounter("token.creation", 1,
                         {{"auth_method", method},
                          {"creation_ttl", TtlBucket(e.ttl)},
                          {"mount_point", mount},
                          {"namespace", "root"},
                          {"token_type", e.type == TokenType::kBatch ? "batch" : "service"}});
}
std::string AccessorKey(const std::string& hash) { return "accessor/" + hash; }
std::string ParentKey(const std::string& parent, const std::string& child) {
  return "parent/" + parent + "/" + child;
}

std::vector<std::string> NormalisePolicies(std::vector<std::string> in, bool add_default) {
  std::set<std::string> s;
  for (auto& p : in) {
    std::transform(p.begin(), p.end(), p.begin(), [](unsigned char c) { return std::tolower(c); });
    if (!p.empty()) s.insert(p);
  }
  if (s.count("root")) return {"root"};
  if (add_default) s.insert("default");
  return {s.begin(), s.end()};
}

// base64url without padding, for batch tokens.
std::string B64Url(std::string_view bytes) {
  std::string s = crypto::Base64Encode(bytes);
  for (auto& c : s) c = c == '+' ? '-' : c == '/' ? '_' : c;
  while (!s.empty() && s.back() == '=') s.pop_back();
  return s;
}

Result<std::string> FromB64Url(std::string s) {
  for (auto& c : s) c = c == '-' ? '+' : c == '_' ? '/' : c;
  while (s.size() % 4 != 0) s.push_back('=');
  return crypto::Base64Decode(s);
}

}  // namespace

TokenStore::TokenStore(storage::Backend& view, SecretBytes salt_key, SecretBytes batch_key,
                       crypto::Random& random, const Clock& clock)
    : view_(view),
      salt_key_(std::move(salt_key)),
      batch_key_(std::move(batch_key)),
      random_(random),
      clock_(clock) {}

std::string TokenStore::SaltedHash(std::string_view value) const {
  return crypto::HexEncode(crypto::HmacSha256(salt_key_.view(), value));
}

Result<TokenEntry> TokenStore::CreateRootToken(const std::string& requested_id) {
  TokenCreateParams p;
  p.id = requested_id;
  p.policies = {"root"};
  p.path = "auth/token/root";
  p.display_name = "root";
  p.orphan = true;
  p.renewable = false;
  return Create(p, nullptr);
}

Result<int64_t> TokenStore::CountServiceTokens() {
  COFFER_ASSIGN_OR_RETURN(auto keys, view_.List("id/"));
  return static_cast<int64_t>(keys.size());
}

Result<TokenEntry> TokenStore::Create(const TokenCreateParams& params, const TokenEntry* parent) {
  TokenEntry e;
  e.type = params.type;
  e.policies = NormalisePolicies(params.policies, !params.no_default_policy);
  e.meta = params.meta;
  e.display_name = params.display_name;
  e.num_uses = params.num_uses;
  e.path = params.path;
  e.mount_accessor = params.mount_accessor;
  e.entity_id = params.entity_id;
  e.internal_data = params.internal_data;
  e.role = params.role;
  e.bound_cidrs = params.bound_cidrs;
  e.explicit_max_ttl = params.explicit_max_ttl;
  e.period = params.period;
  e.renewable = params.renewable && e.type == TokenType::kService;
  e.creation_time = UnixSeconds(clock_.Now());
  if (parent != nullptr && !params.orphan) {
    if (parent->type == TokenType::kBatch && e.type == TokenType::kService)
      return Err(InvalidArgument("batch tokens cannot create service tokens"));
    e.parent_hash = parent->id_hash;
  }
  e.orphan = e.parent_hash.empty();

  // TTL: periodic tokens live for their period; others get ttl (or the mount default),
  // capped by the mount/system max and by explicit_max_ttl. Root tokens may not expire.
  std::chrono::seconds ttl = params.ttl;
  std::chrono::seconds cap = params.max_ttl;
  if (e.explicit_max_ttl.count() > 0 && (cap.count() == 0 || e.explicit_max_ttl < cap))
    cap = e.explicit_max_ttl;
  if (e.period.count() > 0) {
    ttl = e.period;  // capped by the mount/system max, as Vault does
    if (params.max_ttl.count() > 0 && ttl > params.max_ttl) ttl = params.max_ttl;
    cap = e.explicit_max_ttl;
  } else if (ttl.count() == 0 && !(e.IsRoot() && params.default_ttl.count() == 0)) {
    ttl = params.default_ttl;
  }
  if (cap.count() > 0 && (ttl.count() == 0 || ttl > cap)) ttl = cap;
  e.ttl = ttl;
  if (ttl.count() > 0) e.expire_time = e.creation_time + ttl.count();
  if (cap.count() > 0) e.max_expire_time = e.creation_time + cap.count();
  if (e.expire_time == 0) e.renewable = false;

  if (e.type == TokenType::kBatch) {
    COFFER_ASSIGN_OR_RETURN(e.id, NewBatchToken(e));
    CountCreation(e);
    return e;
  }

  if (!params.id.empty()) {
    e.id = params.id;
  } else {
    COFFER_ASSIGN_OR_RETURN(std::string rnd, crypto::RandomBase62(random_, kTokenRandomChars));
    e.id = kServicePrefix + rnd;
  }
  COFFER_ASSIGN_OR_RETURN(e.accessor, crypto::RandomBase62(random_, kTokenRandomChars));
  e.id_hash = SaltedHash(e.id);
  COFFER_ASSIGN_OR_RETURN(auto existing, view_.Get(IdKey(e.id_hash)));
  if (existing) return Err(InvalidArgument("cannot create a token with a duplicate ID"));

  std::vector<storage::Op> ops;
  ops.push_back(storage::Op::Put(IdKey(e.id_hash), e.ToJson().dump()));
  ops.push_back(
      storage::Op::Put(AccessorKey(SaltedHash(e.accessor)), Json{{"id_hash", e.id_hash}}.dump()));
  if (!e.parent_hash.empty())
    ops.push_back(storage::Op::Put(ParentKey(e.parent_hash, e.id_hash), ""));
  COFFER_RETURN_IF_ERROR(
      CommitWithLease(ops, [&](std::vector<storage::Op>* root_ops, LeaseIndexDelta* delta) {
        if (e.expire_time == 0) return Status::Ok();
        LeaseEntry lease;
        lease.lease_id = LeaseIdOf(e);
        lease.path = e.path;
        lease.mount_accessor = e.mount_accessor;
        lease.token_hash = e.id_hash;
        lease.is_token = true;
        lease.renewable = e.renewable;
        lease.ttl = e.ttl.count();
        lease.issue_time = e.creation_time;
        lease.expire_time = e.expire_time;
        leases_->TokenCreateOps(lease, root_ops, delta);
        return Status::Ok();
      }));
  CountCreation(e);
  return e;
}

std::string TokenStore::LeaseIdOf(const TokenEntry& entry) {
  std::string path = entry.path;
  while (!path.empty() && path.back() == '/') path.pop_back();
  return path + "/" + entry.id_hash;
}

Status TokenStore::CommitWithLease(
    const std::vector<storage::Op>& ops,
    const std::function<Status(std::vector<storage::Op>*, LeaseIndexDelta*)>& with) {
  if (leases_ == nullptr || root_ == nullptr) return view_.Batch(ops);
  std::vector<storage::Op> root_ops;
  root_ops.reserve(ops.size() + 4);
  for (const auto& op : ops) {
    storage::Op r = op;
    r.key = view_prefix_ + op.key;
    root_ops.push_back(std::move(r));
  }
  LeaseIndexDelta delta;
  Status st = with(&root_ops, &delta);
  if (!st.ok()) {
    leases_->Committed(delta, false);
    return st;
  }
  st = root_->Batch(root_ops);
  leases_->Committed(delta, st.ok());
  return st;
}

Result<std::string> TokenStore::NewBatchToken(const TokenEntry& entry) {
  std::string nonce(12, '\0');
  COFFER_RETURN_IF_ERROR(random_.Fill(reinterpret_cast<uint8_t*>(nonce.data()), nonce.size()));
  COFFER_ASSIGN_OR_RETURN(
      std::string ct, crypto::AesGcmSeal(batch_key_, nonce, entry.ToJson().dump(), kBatchPrefix));
  return std::string(kBatchPrefix) + B64Url(nonce + ct);
}

Result<std::optional<TokenEntry>> TokenStore::OpenBatchToken(const std::string& token) {
  auto raw = FromB64Url(token.substr(4));
  if (!raw || raw->size() < 12 + 16) return std::optional<TokenEntry>();
  auto pt = crypto::AesGcmOpen(batch_key_, raw->substr(0, 12), raw->substr(12), kBatchPrefix);
  if (!pt) return std::optional<TokenEntry>();
  auto j = ParseJson(*pt);
  if (!j) return std::optional<TokenEntry>();
  COFFER_ASSIGN_OR_RETURN(TokenEntry e, TokenEntry::FromJson(*j));
  if (e.expire_time != 0 && e.expire_time <= UnixSeconds(clock_.Now()))
    return std::optional<TokenEntry>();
  // A batch token is not in the parent index, so revoking its parent cannot reach it:
  // like Vault, a non-orphan batch token stops working once its parent is gone.
  if (!e.parent_hash.empty()) {
    COFFER_ASSIGN_OR_RETURN(auto parent, LoadByHash(e.parent_hash));
    if (!parent) return std::optional<TokenEntry>();
  }
  e.id = token;
  return std::optional<TokenEntry>(std::move(e));
}

Result<std::optional<TokenEntry>> TokenStore::LoadByHash(const std::string& hash) {
  COFFER_ASSIGN_OR_RETURN(auto raw, view_.Get(IdKey(hash)));
  if (!raw) return std::optional<TokenEntry>();
  COFFER_ASSIGN_OR_RETURN(Json j, ParseJson(*raw));
  COFFER_ASSIGN_OR_RETURN(TokenEntry e, TokenEntry::FromJson(j));
  if (e.expire_time != 0 && e.expire_time <= UnixSeconds(clock_.Now())) {
    COFFER_RETURN_IF_ERROR(RevokeOne(e, /*orphan_children=*/false));
    return std::optional<TokenEntry>();
  }
  if (e.num_uses < 0) return std::optional<TokenEntry>();  // revocation pending
  return std::optional<TokenEntry>(std::move(e));
}

Result<std::optional<TokenEntry>> TokenStore::Lookup(const std::string& token) {
  if (token.empty()) return std::optional<TokenEntry>();
  if (token.rfind(kBatchPrefix, 0) == 0) return OpenBatchToken(token);
  COFFER_ASSIGN_OR_RETURN(auto e, LoadByHash(SaltedHash(token)));
  if (e) e->id = token;
  return e;
}

Result<std::optional<TokenEntry>> TokenStore::LookupByAccessor(const std::string& accessor) {
  if (accessor.empty()) return std::optional<TokenEntry>();
  COFFER_ASSIGN_OR_RETURN(auto raw, view_.Get(AccessorKey(SaltedHash(accessor))));
  if (!raw) return std::optional<TokenEntry>();
  COFFER_ASSIGN_OR_RETURN(Json j, ParseJson(*raw));
  return LoadByHash(j.value("id_hash", ""));
}

Result<std::vector<std::string>> TokenStore::ListAccessors(bool drop_dangling) {
  COFFER_ASSIGN_OR_RETURN(auto keys, view_.List("accessor/"));
  std::vector<std::string> out;
  for (const auto& key : keys) {
    COFFER_ASSIGN_OR_RETURN(auto index, view_.Get("accessor/" + key));
    if (!index) continue;
    auto j = ParseJson(*index);
    std::string id_hash = j && j->is_object() ? j->value("id_hash", "") : "";
    std::optional<TokenEntry> entry;
    if (!id_hash.empty()) {
      COFFER_ASSIGN_OR_RETURN(entry, LoadByHash(id_hash));
    }
    if (!entry) {
      if (drop_dangling) COFFER_RETURN_IF_ERROR(view_.Delete("accessor/" + key));
      continue;
    }
    out.push_back(entry->accessor);
  }
  std::sort(out.begin(), out.end());
  return out;
}

Result<bool> TokenStore::UseToken(TokenEntry& entry) {
  if (entry.num_uses == 0 || entry.type == TokenType::kBatch) return true;
  std::lock_guard<std::mutex> lock(use_mu_);
  COFFER_ASSIGN_OR_RETURN(auto fresh, LoadByHash(entry.id_hash));
  if (!fresh || fresh->num_uses <= 0) return false;
  // The last use marks the token revocation-pending (-1); the caller revokes it after
  // its request, so the request can still read what the token owns (a wrapping token's
  // cubbyhole) while any other request with it is refused.
  fresh->num_uses = fresh->num_uses == 1 ? -1 : fresh->num_uses - 1;
  entry.num_uses = fresh->num_uses;
  COFFER_RETURN_IF_ERROR(view_.Put(IdKey(fresh->id_hash), fresh->ToJson().dump()));
  return true;
}

Status TokenStore::RevokeOne(const TokenEntry& entry, bool orphan_children) {
  if (entry.type == TokenType::kBatch) return Status::Ok();  // batch tokens are not stored
  auto children = view_.List("parent/" + entry.id_hash + "/");
  if (!children) return children.error();
  for (const auto& child : *children) {
    auto c = LoadByHash(child);
    if (!c) return c.error();
    if (!c->has_value()) {
      COFFER_RETURN_IF_ERROR(view_.Delete(ParentKey(entry.id_hash, child)));
      continue;
    }
    if (orphan_children) {
      TokenEntry ce = std::move(**c);
      ce.parent_hash.clear();
      ce.orphan = true;
      std::vector<storage::Op> ops = {storage::Op::Put(IdKey(ce.id_hash), ce.ToJson().dump()),
                                      storage::Op::Delete(ParentKey(entry.id_hash, child))};
      COFFER_RETURN_IF_ERROR(view_.Batch(ops));
    } else {
      COFFER_RETURN_IF_ERROR(RevokeOne(**c, false));
    }
  }
  if (revoke_hook_) revoke_hook_(entry);
  std::vector<storage::Op> ops = {storage::Op::Delete(IdKey(entry.id_hash)),
                                  storage::Op::Delete(AccessorKey(SaltedHash(entry.accessor)))};
  if (!entry.parent_hash.empty())
    ops.push_back(storage::Op::Delete(ParentKey(entry.parent_hash, entry.id_hash)));
  return CommitWithLease(ops, [&](std::vector<storage::Op>* root_ops, LeaseIndexDelta* delta) {
    if (entry.expire_time == 0) return Status::Ok();
    return leases_->TokenRevokeOps(LeaseIdOf(entry), root_ops, delta);
  });
}

Status TokenStore::RevokeTree(const TokenEntry& entry) {
  if (entry.type == TokenType::kBatch) return InvalidArgument("batch tokens cannot be revoked");
  return RevokeOne(entry, /*orphan_children=*/false);
}

Result<std::optional<TokenEntry>> TokenStore::LookupUsedUp(const std::string& hash) {
  COFFER_ASSIGN_OR_RETURN(auto raw, view_.Get(IdKey(hash)));
  if (!raw) return std::optional<TokenEntry>();
  COFFER_ASSIGN_OR_RETURN(Json j, ParseJson(*raw));
  COFFER_ASSIGN_OR_RETURN(TokenEntry e, TokenEntry::FromJson(j));
  return std::optional<TokenEntry>(std::move(e));
}

Status TokenStore::RevokeUsedUp(const std::string& hash) {
  COFFER_ASSIGN_OR_RETURN(auto e, LookupUsedUp(hash));
  if (!e) return Status::Ok();
  return RevokeOne(*e, /*orphan_children=*/false);
}

Status TokenStore::RevokeOrphan(const TokenEntry& entry) {
  if (entry.type == TokenType::kBatch) return InvalidArgument("batch tokens cannot be revoked");
  return RevokeOne(entry, /*orphan_children=*/true);
}

Result<TokenEntry> TokenStore::Renew(TokenEntry entry, std::chrono::seconds increment,
                                     std::chrono::seconds system_max_ttl) {
  if (entry.type == TokenType::kBatch)
    return Err(InvalidArgument("batch tokens cannot be renewed"));
  if (!entry.renewable || entry.expire_time == 0)
    return Err(InvalidArgument("lease is not renewable"));
  int64_t now = UnixSeconds(clock_.Now());
  std::chrono::seconds ttl = entry.period.count() > 0 ? entry.period
                             : increment.count() > 0  ? increment
                                                      : entry.ttl;
  int64_t expire = now + ttl.count();
  int64_t cap = entry.max_expire_time;
  if (entry.period.count() == 0 && system_max_ttl.count() > 0) {
    int64_t sys_cap = entry.creation_time + system_max_ttl.count();
    if (cap == 0 || sys_cap < cap) cap = sys_cap;
  }
  if (cap != 0 && expire > cap) expire = cap;
  if (expire <= now) return Err(InvalidArgument("past the max TTL, cannot renew"));
  entry.expire_time = expire;
  entry.last_renewal_time = now;
  std::string id = entry.id;
  std::vector<storage::Op> ops = {storage::Op::Put(IdKey(entry.id_hash), entry.ToJson().dump())};
  COFFER_RETURN_IF_ERROR(
      CommitWithLease(ops, [&](std::vector<storage::Op>* root_ops, LeaseIndexDelta* delta) {
        return leases_->TokenRenewOps(LeaseIdOf(entry), expire, now, root_ops, delta);
      }));
  entry.id = id;
  return entry;
}

}  // namespace coffer::core
