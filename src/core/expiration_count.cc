// ExpirationManager's lease counting (see "Counting while writers run" in expiration.h):
// per-bucket counts adjusted before each write, pending sets for buckets not yet counted,
// and the counting pass that folds them into what it lists.

#include <algorithm>

#include "base/log.h"
#include "core/expiration.h"

namespace coffer::core {

void ExpirationManager::Reserve(const Pending& p) {
  std::lock_guard<std::mutex> l(mu_);
  auto apply = [this](int64_t b, const std::string& h, int delta) {
    if (auto it = counts_.find(b); it != counts_.end()) {
      it->second += delta;
    } else if (!buckets_loaded_ || uncounted_.count(b)) {
      pending_[b][h] = delta;
    } else {
      counts_[b] = delta;  // a bucket that did not exist when the buckets were listed
    }
  };
  for (const auto& [b, h] : p.adds) apply(b, h, +1);
  for (const auto& [b, h] : p.removes) apply(b, h, -1);
}

void ExpirationManager::Committed(const Pending& p, bool ok) {
  std::lock_guard<std::mutex> l(mu_);
  if (!ok) {
    auto undo = [this](int64_t b, const std::string& h, int delta) {
      if (auto it = counts_.find(b); it != counts_.end()) {
        it->second -= delta;
      } else if (auto pit = pending_.find(b); pit != pending_.end()) {
        pit->second.erase(h);
      }
    };
    for (const auto& [b, h] : p.adds) undo(b, h, +1);
    for (const auto& [b, h] : p.removes) undo(b, h, -1);
    return;
  }
  // New due keys: a bucket already drained (or being drained) hands them to the heap;
  // a later one waits for its turn.
  for (const auto& [when, id] : p.due) {
    if (BucketOf(when) > frontier_)
      waiting_.insert(BucketOf(when));
    else
      heap_.push(Due{when, id});
  }
  cv_.notify_all();
}

Status ExpirationManager::Commit(std::vector<storage::Op> ops, const Pending& p) {
  Reserve(p);
  Status st = view_.Batch(ops);
  Committed(p, st.ok());
  return st;
}

bool ExpirationManager::CountOneBucket() {
  std::lock_guard<std::mutex> l(mu_);
  if (stop_ || !buckets_loaded_) return false;
  if (irrevocable_ < 0) {
    auto keys = view_.List("irrevocable/");
    if (!keys) return false;
    irrevocable_ = static_cast<int64_t>(keys->size());
    counted_cv_.notify_all();
    return true;
  }
  if (uncounted_.empty()) return false;
  int64_t b = *uncounted_.begin();
  auto keys = view_.List("due/" + BucketName(b) + "/");
  if (!keys) {
    log::Warn("expiration", "counting leases failed", {{"error", keys.error().message()}});
    return false;
  }
  std::set<std::string> s(keys->begin(), keys->end());
  if (auto it = pending_.find(b); it != pending_.end()) {
    for (const auto& [h, delta] : it->second) {
      if (delta > 0)
        s.insert(h);
      else
        s.erase(h);
    }
    pending_.erase(it);
  }
  counts_[b] = static_cast<int64_t>(s.size());
  uncounted_.erase(b);
  if (uncounted_.empty()) counted_cv_.notify_all();
  return true;
}

Status ExpirationManager::CountAll() {
  while (CountOneBucket()) {
  }
  std::lock_guard<std::mutex> l(mu_);
  if (!buckets_loaded_ || !uncounted_.empty() || irrevocable_ < 0)
    return Unavailable("lease counting failed");
  return Status::Ok();
}

Result<int64_t> ExpirationManager::Count(std::chrono::milliseconds wait) {
  std::unique_lock<std::mutex> l(mu_);
  bool done = counted_cv_.wait_for(l, wait, [this] {
    return stop_ || (buckets_loaded_ && uncounted_.empty() && irrevocable_ >= 0);
  });
  if (!done || !buckets_loaded_ || !uncounted_.empty() || irrevocable_ < 0)
    return Err(Unavailable("leases are still being counted, try again"));
  int64_t n = irrevocable_;
  for (const auto& [b, c] : counts_) n += c;
  return n;
}

int64_t ExpirationManager::IrrevocableCount() {
  std::lock_guard<std::mutex> l(mu_);
  return irrevocable_ < 0 ? 0 : irrevocable_;
}

Result<std::vector<std::string>> ExpirationManager::ListIrrevocable() {
  COFFER_ASSIGN_OR_RETURN(auto keys, view_.List("irrevocable/"));
  std::vector<std::string> out;
  for (const auto& k : keys) {
    COFFER_ASSIGN_OR_RETURN(auto id, view_.Get("irrevocable/" + k));
    if (id) out.push_back(*id);
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace coffer::core
