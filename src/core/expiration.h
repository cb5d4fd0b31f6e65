#pragma once
// ExpirationManager: every token and secret with a TTL is a lease, persisted under the
// barrier view "sys/expire/" and revoked when it expires (Vault's vault/expiration.go).
//
// Storage layout (keys relative to the view; <h> = the first 32 hex digits of
// SHA-256(lease_id), <b> = expire_time / kBucketSeconds, 12 digits zero-padded so the
// buckets list in time order):
//   id/<lease_id>            → LeaseEntry JSON (lease ids contain '/', so "list by prefix"
//                               is a storage List of id/<prefix>)
//   due/<b>/<h>              → lease_id       (every revocable lease, exactly once)
//   token/<token_hash>/<h>   → lease_id       (secret leases of a token)
//   irrevocable/<h>          → lease_id       (revocation gave up; reported, kept)
//
// Scale: nothing is loaded per lease when a node becomes active. Start only starts the
// manager's thread, which lists the due bucket names (one key per minute of future
// expiries, not one per lease), then revokes due buckets in time order and, in between,
// counts the leases of each bucket for sys/leases/count. In memory: a count per bucket and a
// heap of the leases of buckets already drained (at most about a minute of expiries plus
// failed revocations waiting for their retry), so memory does not grow with the number
// of leases or with token churn.
//
// Counting while writers run: a write that adds or removes a due key adjusts its
// bucket's count before the write if the bucket is counted; otherwise it records the key
// in the bucket's pending set, which the counting pass (under the same mutex) folds into
// the keys it lists; until the bucket names are listed every bucket counts as uncounted.
// A failed write undoes its adjustment.
//
// Revocation goes through a LeaseRevoker (Core: the secret's backend, or the token store
// for a token's own lease). A failed revocation is retried with exponential backoff
// (1 s, 2 s, ... 32 s); after kMaxRevokeAttempts the lease is marked irrevocable (error
// kept in the entry, logged, counted, listed by sys/leases?type=irrevocable) until
// revoke-force removes it.
//
// Thread-safety: all public methods are safe for concurrent use.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <queue>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "base/clock.h"
#include "base/json.h"
#include "base/status.h"
#include "storage/backend.h"

namespace coffer::crypto {
class Random;
}

namespace coffer::core {

inline constexpr int64_t kBucketSeconds = 60;
inline constexpr int kMaxRevokeAttempts = 6;

struct LeaseEntry {
  std::string lease_id;
  std::string path;  // the request path that created it
  std::string mount_accessor;
  std::string token_hash;  // owning token's storage hash; for a token lease, the token
  bool is_token = false;   // the lease of a token itself
  Json data = nullptr;     // the secret's response data (for revocation)
  Json internal_data = Json::object();
  bool renewable = false;
  int64_t ttl = 0;         // seconds granted at issue / last renewal
  int64_t max_ttl = 0;     // backend's cap from issue time; 0 = the mount's
  int64_t issue_time = 0;  // unix seconds
  int64_t expire_time = 0;
  int64_t last_renewal_time = 0;
  std::string revoke_error;  // set once revocation gave up

  Json ToJson() const;
  static Result<LeaseEntry> FromJson(const Json& j);
  // The body of sys/leases/lookup.
  Json LookupData(int64_t now) const;
};

// How leases are revoked and renewed (implemented by Core, which routes to backends).
class LeaseRevoker {
 public:
  virtual ~LeaseRevoker() = default;
  // Revokes a secret through the backend that issued it.
  virtual Status RevokeSecret(const LeaseEntry& lease) = 0;
  // Revokes the token behind a token lease (and its tree). Ok if it is already gone.
  virtual Status RevokeToken(const LeaseEntry& lease) = 0;
};

// The due-index changes of one write, for counting and scheduling.
struct LeaseIndexDelta {
  std::vector<std::pair<int64_t, std::string>> adds, removes;  // (bucket, key hash)
  std::vector<std::pair<int64_t, std::string>> due;            // (expire_time, lease_id)
};

class ExpirationManager {
 public:
  using Pending = LeaseIndexDelta;

  // `view` is the barrier view "sys/expire/"; `view_prefix` its prefix on the barrier (for
  // ops the token store batches with its own).
  ExpirationManager(storage::Backend& view, std::string view_prefix, LeaseRevoker& revoker,
                    const Clock& clock, crypto::Random& random);
  ~ExpirationManager();  // Stop()

  // Starts the expiry thread, ticking every `tick`. Returns at once; listing the due
  // buckets, counting and revocation run on that thread.
  Status Start(std::chrono::milliseconds tick = std::chrono::milliseconds(1000));
  // Stops and joins the thread (a revocation in progress finishes first).
  void Stop();

  // A new lease id for a secret read at `path`: path + "/" + 24 random base62 characters.
  Result<std::string> NewLeaseId(const std::string& path);

  // Persists a new secret lease (lease_id, issue_time and expire_time set by the caller).
  Status Register(const LeaseEntry& lease);

  // The ops that persist, re-time or drop a token's lease, keyed on the barrier, for the
  // token store to commit in the batch that writes the token. Call Committed(delta, ok)
  // after the batch.
  void TokenCreateOps(const LeaseEntry& lease, std::vector<storage::Op>* ops, Pending* p);
  Status TokenRenewOps(const std::string& lease_id, int64_t expire_time, int64_t now,
                       std::vector<storage::Op>* ops, Pending* p);
  Status TokenRevokeOps(const std::string& lease_id, std::vector<storage::Op>* ops, Pending* p);
  void Committed(const Pending& p, bool ok);

  Result<std::optional<LeaseEntry>> Lookup(const std::string& lease_id);
  // Keys under id/<prefix> (a storage List: "name" or "folder/").
  Result<std::vector<std::string>> ListPrefix(const std::string& prefix);

  // Renews a secret lease: `renew` asks the backend for the new TTL (given the entry) and
  // returns it already capped; the entry is re-timed and persisted.
  Result<LeaseEntry> Renew(const std::string& lease_id,
                           const std::function<Result<int64_t>(const LeaseEntry&)>& renew);

  // Revokes one lease now (backend first, then the records). NotFound if unknown.
  Status Revoke(const std::string& lease_id);
  // Revokes every lease under `prefix`; with `force`, records whose backend refuses are
  // removed anyway (revoke-force).
  Status RevokePrefix(const std::string& prefix, bool force);
  // Revokes the secret leases owned by a token; leases whose backend fails are set to
  // expire now and left to the expiry thread's retries.
  Status RevokeByToken(const std::string& token_hash);
  // Removes index entries that point at missing leases and revokes leases whose token is
  // gone (`token_exists` answers for a token hash).
  Status Tidy(const std::function<Result<bool>(const std::string&)>& token_exists);

  // Number of leases (revocable + irrevocable). Waits for the counting pass up to
  // `wait`; Unavailable if it has not finished by then.
  Result<int64_t> Count(std::chrono::milliseconds wait);
  Result<std::vector<std::string>> ListIrrevocable();
  int64_t IrrevocableCount();

  // One pass of the expiry thread at the current time: revokes what is due, retries
  // failures whose backoff passed. Tests call it directly with a FakeClock (after
  // Start(std::chrono::hours(24)) or without Start, see LoadBuckets).
  void RunOnce();
  // Lists the due buckets (the thread does this first); counting happens on the thread.
  Status LoadBuckets();
  // Counts every uncounted bucket now (tests and the bench).
  Status CountAll();

 private:
  struct Due {
    int64_t when;
    std::string lease_id;
    bool operator>(const Due& o) const { return when > o.when; }
  };
  static std::string Hash(const std::string& lease_id);
  static std::string BucketName(int64_t bucket);
  static int64_t BucketOf(int64_t expire_time) { return expire_time / kBucketSeconds; }
  int64_t Now() const;

  void AddIndexOps(const LeaseEntry& lease, const std::string& prefix,
                   std::vector<storage::Op>* ops, Pending* p);
  void RemoveIndexOps(const LeaseEntry& lease, const std::string& prefix,
                      std::vector<storage::Op>* ops, Pending* p);
  // Applies p's count changes before a write (under mu_).
  void Reserve(const Pending& p);
  Status Commit(std::vector<storage::Op> ops, const Pending& p);
  Status RevokeEntry(const LeaseEntry& lease, bool force);
  Status DropRecords(const LeaseEntry& lease);
  void DrainBucket(int64_t bucket, int64_t now);
  void ExpireOne(const std::string& lease_id, int64_t now);
  void Failed(const LeaseEntry& lease, const Status& st, int64_t now);
  bool CountOneBucket();
  void Loop(std::chrono::milliseconds tick);

  storage::Backend& view_;
  const std::string view_prefix_;
  LeaseRevoker& revoker_;
  const Clock& clock_;
  crypto::Random& random_;

  std::mutex mu_;  // guards everything below
  std::condition_variable cv_;
  bool stop_ = false;
  bool buckets_loaded_ = false;
  std::set<int64_t> waiting_;     // buckets not yet drained into heap_
  int64_t frontier_ = INT64_MIN;  // buckets <= frontier_ are drained
  std::priority_queue<Due, std::vector<Due>, std::greater<Due>> heap_;
  std::map<std::string, int> attempts_;  // lease_id → failed revocations
  std::map<int64_t, int64_t> counts_;    // counted buckets → due keys
  std::set<int64_t> uncounted_;
  std::map<int64_t, std::map<std::string, int>> pending_;  // uncounted bucket → hash → ±1
  int64_t irrevocable_ = -1;                               // -1 until counted
  std::condition_variable counted_cv_;
  std::thread thread_;
};

}  // namespace coffer::core
