#pragma once
// InmemBackend: a storage::Backend held in memory (dev mode and tests). Nothing survives
// the object. Same key contract and List semantics as the durable backends.
//
// Thread-safety: safe for concurrent use; readers share a lock, writers (including a
// whole Batch) hold it exclusively, so a Batch is atomic with respect to readers.

#include <map>
#include <optional>
#include <shared_mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "storage/backend.h"

namespace coffer::storage {

class InmemBackend final : public Backend {
 public:
  InmemBackend() = default;
  InmemBackend(const InmemBackend&) = delete;
  InmemBackend& operator=(const InmemBackend&) = delete;

  Result<std::optional<std::string>> Get(std::string_view key) override;
  Status Put(std::string_view key, std::string_view value) override;
  Status Delete(std::string_view key) override;
  Result<std::vector<std::string>> List(std::string_view prefix) override;
  Status Batch(std::span<const Op> ops) override;

 private:
  std::shared_mutex mu_;
  std::map<std::string, std::string, std::less<>> entries_;  // guarded by mu_
};

}  // namespace coffer::storage
