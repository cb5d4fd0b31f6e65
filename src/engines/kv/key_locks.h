#pragma once
// KeyLocks: a fixed set of reader/writer locks striped by key hash (Vault's locksutil).
// Every read-modify-write of one key's metadata holds its stripe exclusively, so two
// writers to the same key never both build on the same current_version; readers hold it
// shared so a destroy cannot remove a version between reading metadata and data.
// Two keys may share a stripe; that only serialises them.

#include <array>
#include <cstddef>
#include <functional>
#include <shared_mutex>
#include <string_view>

namespace coffer::engines::kv {

class KeyLocks {
 public:
  std::shared_mutex& For(std::string_view key) {
    return stripes_[std::hash<std::string_view>{}(key) % kStripes];
  }

 private:
  static constexpr size_t kStripes = 256;
  std::array<std::shared_mutex, kStripes> stripes_;
};

}  // namespace coffer::engines::kv
