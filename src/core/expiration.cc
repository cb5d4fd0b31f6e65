#include "core/expiration.h"

#include <cinttypes>
#include <cstdio>

#include "base/log.h"
#include "crypto/hash.h"
#include "crypto/random.h"
#include "telemetry/metrics.h"

namespace coffer::core {

namespace {

constexpr size_t kLeaseRandomChars = 24;
constexpr auto kCountSlice = std::chrono::milliseconds(200);

std::string Rfc3339(int64_t unix_seconds) {
  return FormatTime(TimePoint(std::chrono::seconds(unix_seconds)));
}

}  // namespace

// --- LeaseEntry ---

Json LeaseEntry::ToJson() const {
  Json j{{"lease_id", lease_id},
         {"path", path},
         {"mount_accessor", mount_accessor},
         {"token_hash", token_hash},
         {"is_token", is_token},
         {"data", data},
         {"internal_data", internal_data},
         {"renewable", renewable},
         {"ttl", ttl},
         {"max_ttl", max_ttl},
         {"issue_time", issue_time},
         {"expire_time", expire_time},
         {"last_renewal_time", last_renewal_time}};
  if (!revoke_error.empty()) j["revoke_error"] = revoke_error;
  return j;
}

Result<LeaseEntry> LeaseEntry::FromJson(const Json& j) {
  if (!j.is_object() || !j.contains("lease_id")) return Err(Corruption("bad lease entry"));
  LeaseEntry e;
  e.lease_id = j.value("lease_id", "");
  e.path = j.value("path", "");
  e.mount_accessor = j.value("mount_accessor", "");
  e.token_hash = j.value("token_hash", "");
  e.is_token = j.value("is_token", false);
  e.data = j.contains("data") ? j["data"] : Json(nullptr);
  e.internal_data = j.contains("internal_data") ? j["internal_data"] : Json::object();
  e.renewable = j.value("renewable", false);
  e.ttl = j.value("ttl", int64_t{0});
  e.max_ttl = j.value("max_ttl", int64_t{0});
  e.issue_time = j.value("issue_time", int64_t{0});
  e.expire_time = j.value("expire_time", int64_t{0});
  e.last_renewal_time = j.value("last_renewal_time", int64_t{0});
  e.revoke_error = j.value("revoke_error", "");
  return e;
}

Json LeaseEntry::LookupData(int64_t now) const {
  Json j{{"id", lease_id},
         {"issue_time", Rfc3339(issue_time)},
         {"expire_time", expire_time ? Json(Rfc3339(expire_time)) : Json(nullptr)},
         {"last_renewal", last_renewal_time ? Json(Rfc3339(last_renewal_time)) : Json(nullptr)},
         {"renewable", renewable},
         {"ttl", expire_time ? std::max<int64_t>(0, expire_time - now) : 0}};
  return j;
}

// --- ExpirationManager ---

ExpirationManager::ExpirationManager(storage::Backend& view, std::string view_prefix,
                                     LeaseRevoker& revoker, const Clock& clock,
                                     crypto::Random& random)
    : view_(view),
      view_prefix_(std::move(view_prefix)),
      revoker_(revoker),
      clock_(clock),
      random_(random) {}

ExpirationManager::~ExpirationManager() { Stop(); }

std::string ExpirationManager::Hash(const std::string& lease_id) {
  return crypto::HexEncode(crypto::Sha256(lease_id)).substr(0, 32);
}

std::string ExpirationManager::BucketName(int64_t bucket) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%012" PRId64, bucket < 0 ? int64_t{0} : bucket);
  return buf;
}

int64_t ExpirationManager::Now() const {
  return std::chrono::duration_cast<std::chrono::seconds>(clock_.Now().time_since_epoch()).count();
}

Result<std::string> ExpirationManager::NewLeaseId(const std::string& path) {
  COFFER_ASSIGN_OR_RETURN(std::string rnd, crypto::RandomBase62(random_, kLeaseRandomChars));
  std::string p = path;
  while (!p.empty() && p.back() == '/') p.pop_back();
  return p + "/" + rnd;
}

Status ExpirationManager::LoadBuckets() {
  COFFER_ASSIGN_OR_RETURN(auto names, view_.List("due/"));
  std::lock_guard<std::mutex> l(mu_);
  for (const auto& n : names) {
    if (n.empty() || n.back() != '/') continue;
    int64_t b = std::strtoll(n.c_str(), nullptr, 10);
    waiting_.insert(b);
    if (!counts_.count(b)) uncounted_.insert(b);
  }
  // Buckets written while the list ran: counted by listing them like the others.
  for (const auto& [b, keys] : pending_) {
    (void)keys;
    if (!counts_.count(b)) uncounted_.insert(b);
  }
  buckets_loaded_ = true;
  return Status::Ok();
}

Status ExpirationManager::Start(std::chrono::milliseconds tick) {
  std::lock_guard<std::mutex> l(mu_);
  if (thread_.joinable()) return Status::Ok();
  stop_ = false;
  thread_ = std::thread([this, tick] { Loop(tick); });
  return Status::Ok();
}

void ExpirationManager::Stop() {
  {
    std::lock_guard<std::mutex> l(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  counted_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void ExpirationManager::Loop(std::chrono::milliseconds tick) {
  std::unique_lock<std::mutex> l(mu_);
  while (!stop_) {
    bool loaded = buckets_loaded_;
    l.unlock();
    if (!loaded) {
      // Not in Start: with millions of leases the list touches most of the due index's
      // pages (1.8 s from a cold cache at 1M leases), and activation must not wait for it.
      Status st = LoadBuckets();
      if (!st.ok()) log::Warn("expiration", "listing due leases failed", {{"error", st.message()}});
    }
    RunOnce();
    auto until = std::chrono::steady_clock::now() + kCountSlice;
    while (std::chrono::steady_clock::now() < until && CountOneBucket()) {
    }
    l.lock();
    bool more = !buckets_loaded_ || !uncounted_.empty() || irrevocable_ < 0;
    cv_.wait_for(l, more ? std::chrono::milliseconds(1) : tick, [this] { return stop_; });
  }
}

// --- index ops and counting ---

void ExpirationManager::AddIndexOps(const LeaseEntry& lease, const std::string& prefix,
                                    std::vector<storage::Op>* ops, Pending* p) {
  const std::string h = Hash(lease.lease_id);
  ops->push_back(storage::Op::Put(prefix + "id/" + lease.lease_id, lease.ToJson().dump()));
  if (lease.revoke_error.empty()) {
    int64_t b = BucketOf(lease.expire_time);
    ops->push_back(storage::Op::Put(prefix + "due/" + BucketName(b) + "/" + h, lease.lease_id));
    p->adds.emplace_back(b, h);
    p->due.emplace_back(lease.expire_time, lease.lease_id);
  }
  if (!lease.is_token && !lease.token_hash.empty())
    ops->push_back(
        storage::Op::Put(prefix + "token/" + lease.token_hash + "/" + h, lease.lease_id));
}

void ExpirationManager::RemoveIndexOps(const LeaseEntry& lease, const std::string& prefix,
                                       std::vector<storage::Op>* ops, Pending* p) {
  const std::string h = Hash(lease.lease_id);
  ops->push_back(storage::Op::Delete(prefix + "id/" + lease.lease_id));
  if (lease.revoke_error.empty()) {
    int64_t b = BucketOf(lease.expire_time);
    ops->push_back(storage::Op::Delete(prefix + "due/" + BucketName(b) + "/" + h));
    p->removes.emplace_back(b, h);
  } else {
    ops->push_back(storage::Op::Delete(prefix + "irrevocable/" + h));
  }
  if (!lease.is_token && !lease.token_hash.empty())
    ops->push_back(storage::Op::Delete(prefix + "token/" + lease.token_hash + "/" + h));
}

// --- registration and the token store's ops ---

Status ExpirationManager::Register(const LeaseEntry& lease) {
  std::vector<storage::Op> ops;
  Pending p;
  AddIndexOps(lease, "", &ops, &p);
  return Commit(std::move(ops), p);
}

void ExpirationManager::TokenCreateOps(const LeaseEntry& lease, std::vector<storage::Op>* ops,
                                       Pending* p) {
  AddIndexOps(lease, view_prefix_, ops, p);
  Reserve(*p);
}

Status ExpirationManager::TokenRenewOps(const std::string& lease_id, int64_t expire_time,
                                        int64_t now, std::vector<storage::Op>* ops, Pending* p) {
  COFFER_ASSIGN_OR_RETURN(auto lease, Lookup(lease_id));
  if (!lease) return Status::Ok();  // a token created before leases were kept
  LeaseEntry updated = *lease;
  updated.expire_time = expire_time;
  updated.last_renewal_time = now;
  updated.ttl = expire_time - now;
  RemoveIndexOps(*lease, view_prefix_, ops, p);
  AddIndexOps(updated, view_prefix_, ops, p);
  Reserve(*p);
  return Status::Ok();
}

Status ExpirationManager::TokenRevokeOps(const std::string& lease_id, std::vector<storage::Op>* ops,
                                         Pending* p) {
  COFFER_ASSIGN_OR_RETURN(auto lease, Lookup(lease_id));
  if (!lease) return Status::Ok();
  RemoveIndexOps(*lease, view_prefix_, ops, p);
  Reserve(*p);
  return Status::Ok();
}

// --- lookup, renew, revoke ---

Result<std::optional<LeaseEntry>> ExpirationManager::Lookup(const std::string& lease_id) {
  if (lease_id.empty()) return std::optional<LeaseEntry>();
  COFFER_ASSIGN_OR_RETURN(auto raw, view_.Get("id/" + lease_id));
  if (!raw) return std::optional<LeaseEntry>();
  COFFER_ASSIGN_OR_RETURN(Json j, ParseJson(*raw));
  COFFER_ASSIGN_OR_RETURN(LeaseEntry e, LeaseEntry::FromJson(j));
  return std::optional<LeaseEntry>(std::move(e));
}

Result<std::vector<std::string>> ExpirationManager::ListPrefix(const std::string& prefix) {
  return view_.List("id/" + prefix);
}

Result<LeaseEntry> ExpirationManager::Renew(
    const std::string& lease_id, const std::function<Result<int64_t>(const LeaseEntry&)>& renew) {
  COFFER_ASSIGN_OR_RETURN(auto lease, Lookup(lease_id));
  if (!lease) return Err(InvalidArgument("lease not found"));
  if (lease->is_token)
    return Err(InvalidArgument("tokens cannot be renewed through this endpoint"));
  if (!lease->revoke_error.empty()) return Err(InvalidArgument("lease is being revoked"));
  int64_t now = Now();
  if (lease->expire_time <= now) return Err(InvalidArgument("lease expired"));
  if (!lease->renewable) return Err(InvalidArgument("lease is not renewable"));
  COFFER_ASSIGN_OR_RETURN(int64_t ttl, renew(*lease));
  if (ttl <= 0) return Err(InvalidArgument("past the max TTL, cannot renew"));
  LeaseEntry updated = *lease;
  updated.ttl = ttl;
  updated.expire_time = now + ttl;
  updated.last_renewal_time = now;
  std::vector<storage::Op> ops;
  Pending p;
  RemoveIndexOps(*lease, "", &ops, &p);
  AddIndexOps(updated, "", &ops, &p);
  COFFER_RETURN_IF_ERROR(Commit(std::move(ops), p));
  return updated;
}

Status ExpirationManager::DropRecords(const LeaseEntry& lease) {
  std::vector<storage::Op> ops;
  Pending p;
  RemoveIndexOps(lease, "", &ops, &p);
  Status st = Commit(std::move(ops), p);
  if (st.ok() && !lease.revoke_error.empty()) {
    std::lock_guard<std::mutex> l(mu_);
    if (irrevocable_ > 0) --irrevocable_;
  }
  if (st.ok()) {
    std::lock_guard<std::mutex> l(mu_);
    attempts_.erase(lease.lease_id);
  }
  return st;
}

Status ExpirationManager::RevokeEntry(const LeaseEntry& lease, bool force) {
  // Every revocation (API, prefix, token, expiry) goes through here.
  telemetry::ScopedTimer timer("expire.revoke");
  if (lease.is_token) {
    Status st = revoker_.RevokeToken(lease);
    if (!st.ok() && !force) return st;
    // The token store drops the lease with the token; a token already gone leaves it.
    COFFER_ASSIGN_OR_RETURN(auto still, Lookup(lease.lease_id));
    if (still) return DropRecords(*still);
    return Status::Ok();
  }
  Status st = revoker_.RevokeSecret(lease);
  if (!st.ok() && !force) return st;
  if (!st.ok())
    log::Warn("expiration", "revoke-force dropped a lease its backend refused to revoke",
              {{"lease_id", lease.lease_id}, {"error", st.message()}});
  return DropRecords(lease);
}

Status ExpirationManager::Revoke(const std::string& lease_id) {
  COFFER_ASSIGN_OR_RETURN(auto lease, Lookup(lease_id));
  if (!lease) return Status::Ok();  // Vault: revoking an unknown lease succeeds
  return RevokeEntry(*lease, false);
}

Status ExpirationManager::RevokePrefix(const std::string& prefix, bool force) {
  telemetry::ScopedTimer timer("expire.revoke-prefix");
  std::vector<std::string> stack{prefix};
  Status first = Status::Ok();
  while (!stack.empty()) {
    std::string dir = std::move(stack.back());
    stack.pop_back();
    if (!dir.empty() && dir.back() != '/') dir += '/';
    COFFER_ASSIGN_OR_RETURN(auto keys, view_.List("id/" + dir));
    for (const auto& k : keys) {
      if (!k.empty() && k.back() == '/') {
        stack.push_back(dir + k);
        continue;
      }
      COFFER_ASSIGN_OR_RETURN(auto lease, Lookup(dir + k));
      if (!lease) continue;
      Status st = RevokeEntry(*lease, force);
      if (!st.ok() && first.ok()) first = st;
    }
  }
  return first;
}

Status ExpirationManager::RevokeByToken(const std::string& token_hash) {
  if (token_hash.empty()) return Status::Ok();
  telemetry::ScopedTimer timer("expire.revoke-by-token");
  COFFER_ASSIGN_OR_RETURN(auto keys, view_.List("token/" + token_hash + "/"));
  int64_t now = Now();
  for (const auto& h : keys) {
    COFFER_ASSIGN_OR_RETURN(auto id, view_.Get("token/" + token_hash + "/" + h));
    if (!id) continue;
    COFFER_ASSIGN_OR_RETURN(auto lease, Lookup(*id));
    if (!lease) {
      COFFER_RETURN_IF_ERROR(view_.Delete("token/" + token_hash + "/" + h));
      continue;
    }
    Status st = RevokeEntry(*lease, false);
    if (st.ok() || !lease->revoke_error.empty()) continue;
    // Leave it to the expiry thread's retries: due now.
    LeaseEntry updated = *lease;
    updated.expire_time = now;
    std::vector<storage::Op> ops;
    Pending p;
    RemoveIndexOps(*lease, "", &ops, &p);
    AddIndexOps(updated, "", &ops, &p);
    COFFER_RETURN_IF_ERROR(Commit(std::move(ops), p));
  }
  return Status::Ok();
}

Status ExpirationManager::Tidy(
    const std::function<Result<bool>(const std::string&)>& token_exists) {
  // Leases of tokens that no longer exist.
  COFFER_ASSIGN_OR_RETURN(auto tokens, view_.List("token/"));
  for (const auto& t : tokens) {
    if (t.empty() || t.back() != '/') continue;
    std::string hash = t.substr(0, t.size() - 1);
    COFFER_ASSIGN_OR_RETURN(bool exists, token_exists(hash));
    if (!exists) COFFER_RETURN_IF_ERROR(RevokeByToken(hash));
  }
  // Due keys whose lease record is gone.
  COFFER_ASSIGN_OR_RETURN(auto buckets, view_.List("due/"));
  for (const auto& bn : buckets) {
    COFFER_ASSIGN_OR_RETURN(auto keys, view_.List("due/" + bn));
    for (const auto& h : keys) {
      COFFER_ASSIGN_OR_RETURN(auto id, view_.Get("due/" + bn + h));
      std::optional<LeaseEntry> lease;
      if (id) {
        COFFER_ASSIGN_OR_RETURN(lease, Lookup(*id));
      }
      if (lease) continue;
      Pending p;
      p.removes.emplace_back(std::strtoll(bn.c_str(), nullptr, 10), h);
      COFFER_RETURN_IF_ERROR(Commit({storage::Op::Delete("due/" + bn + h)}, p));
    }
  }
  return Status::Ok();
}

// --- the expiry thread ---

void ExpirationManager::Failed(const LeaseEntry& lease, const Status& st, int64_t now) {
  int attempts;
  {
    std::lock_guard<std::mutex> l(mu_);
    attempts = ++attempts_[lease.lease_id];
    if (attempts < kMaxRevokeAttempts) {
      heap_.push(Due{now + (int64_t{1} << (attempts - 1)), lease.lease_id});
      return;
    }
    attempts_.erase(lease.lease_id);
  }
  log::Error("expiration", "lease revocation failed; marked irrevocable",
             {{"lease_id", lease.lease_id},
              {"attempts", std::to_string(attempts)},
              {"error", st.message()}});
  LeaseEntry marked = lease;
  marked.revoke_error = st.message();
  std::vector<storage::Op> ops;
  Pending p;
  RemoveIndexOps(lease, "", &ops, &p);
  ops.push_back(storage::Op::Put("id/" + marked.lease_id, marked.ToJson().dump()));
  ops.push_back(storage::Op::Put("irrevocable/" + Hash(marked.lease_id), marked.lease_id));
  if (!marked.is_token && !marked.token_hash.empty())
    ops.push_back(storage::Op::Put("token/" + marked.token_hash + "/" + Hash(marked.lease_id),
                                   marked.lease_id));
  if (Commit(std::move(ops), p).ok()) {
    std::lock_guard<std::mutex> l(mu_);
    if (irrevocable_ >= 0) ++irrevocable_;
  }
}

void ExpirationManager::ExpireOne(const std::string& lease_id, int64_t now) {
  auto lease = Lookup(lease_id);
  if (!lease || !*lease) return;  // revoked meanwhile (or unreadable: next restart retries)
  if ((*lease)->expire_time > now || !(*lease)->revoke_error.empty()) return;
  Status st = RevokeEntry(**lease, false);
  if (!st.ok()) {
    Failed(**lease, st, now);
    return;
  }
  std::lock_guard<std::mutex> l(mu_);
  attempts_.erase(lease_id);
}

void ExpirationManager::DrainBucket(int64_t bucket, int64_t now) {
  {
    std::lock_guard<std::mutex> l(mu_);
    if (bucket > frontier_) frontier_ = bucket;
  }
  const std::string dir = "due/" + BucketName(bucket) + "/";
  auto keys = view_.List(dir);
  if (!keys) {
    log::Warn("expiration", "listing due leases failed", {{"error", keys.error().message()}});
    std::lock_guard<std::mutex> l(mu_);
    heap_.push(Due{now + 1, std::string()});  // retry the bucket shortly
    waiting_.insert(bucket);
    return;
  }
  for (const auto& h : *keys) {
    {
      std::lock_guard<std::mutex> l(mu_);
      if (stop_) {
        waiting_.insert(bucket);
        return;
      }
    }
    auto id = view_.Get(dir + h);
    if (!id || !*id) continue;
    auto lease = Lookup(**id);
    if (!lease) continue;
    if (!*lease) {
      Pending p;
      p.removes.emplace_back(bucket, h);
      (void)Commit({storage::Op::Delete(dir + h)}, p);  // dangling index entry
      continue;
    }
    if ((*lease)->expire_time <= now) {
      ExpireOne(**id, now);
    } else {
      std::lock_guard<std::mutex> l(mu_);
      heap_.push(Due{(*lease)->expire_time, **id});
    }
  }
}

void ExpirationManager::RunOnce() {
  const int64_t now = Now();
  for (;;) {
    int64_t bucket;
    {
      std::lock_guard<std::mutex> l(mu_);
      if (stop_ && thread_.joinable()) return;
      if (waiting_.empty() || *waiting_.begin() > BucketOf(now)) break;
      bucket = *waiting_.begin();
      waiting_.erase(waiting_.begin());
    }
    DrainBucket(bucket, now);
  }
  for (;;) {
    std::string id;
    {
      std::lock_guard<std::mutex> l(mu_);
      if (stop_ && thread_.joinable()) return;
      if (heap_.empty() || heap_.top().when > now) return;
      id = heap_.top().lease_id;
      heap_.pop();
    }
    if (!id.empty()) ExpireOne(id, now);
  }
}

}  // namespace coffer::core
