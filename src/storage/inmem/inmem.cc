#include "storage/inmem/inmem.h"

#include <mutex>

#include "storage/keys.h"

namespace coffer::storage {

Result<std::optional<std::string>> InmemBackend::Get(std::string_view key) {
  Status st = ValidateKey(key);
  if (!st.ok()) return Err(std::move(st));
  std::shared_lock lock(mu_);
  auto it = entries_.find(key);
  if (it == entries_.end()) return std::optional<std::string>();
  return std::optional<std::string>(it->second);
}

Status InmemBackend::Put(std::string_view key, std::string_view value) {
  Status st = ValidateKey(key);
  if (!st.ok()) return st;
  std::unique_lock lock(mu_);
  entries_.insert_or_assign(std::string(key), std::string(value));
  return Status::Ok();
}

Status InmemBackend::Delete(std::string_view key) {
  Status st = ValidateKey(key);
  if (!st.ok()) return st;
  std::unique_lock lock(mu_);
  auto it = entries_.find(key);
  if (it != entries_.end()) entries_.erase(it);
  return Status::Ok();
}

Result<std::vector<std::string>> InmemBackend::List(std::string_view prefix) {
  std::vector<std::string> out;
  std::shared_lock lock(mu_);
  auto it = entries_.lower_bound(prefix);
  while (it != entries_.end() && std::string_view(it->first).starts_with(prefix)) {
    std::string_view entry = ListEntry(prefix, it->first);
    if (entry.empty()) {  // the key equal to prefix
      ++it;
      continue;
    }
    out.emplace_back(entry);
    if (entry.back() == '/') {
      it = entries_.lower_bound(PastFolder(it->first.substr(0, prefix.size() + entry.size())));
    } else {
      ++it;
    }
  }
  return out;
}

Status InmemBackend::Batch(std::span<const Op> ops) {
  Status st = ValidateOps(ops);
  if (!st.ok()) return st;
  std::unique_lock lock(mu_);
  for (const Op& op : ops) {
    if (op.kind == Op::Kind::kPut) {
      entries_.insert_or_assign(op.key, op.value);
    } else {
      entries_.erase(op.key);
    }
  }
  return Status::Ok();
}

}  // namespace coffer::storage
