#pragma once
// storage::Backend — the only persistence interface. Physical backends (inmem, lmdb,
// raft) implement it and see only ciphertext; core's Barrier and BarrierView implement
// the same interface over plaintext, so one conformance suite checks them all.
//
// Keys are '/'-separated paths ("core/mounts", "logical/<uuid>/foo"): any bytes, non-empty,
// at most kMaxKeySize bytes (LMDB's key limit, enforced by every backend alike so dev mode
// fails where production would). Get/Put/Delete and Batch reject any other key with
// InvalidArgument. Values are arbitrary bytes held in std::string (empty is a value).
//
// Thread-safety: every implementation is safe for concurrent use.

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace coffer::storage {

// The longest key any backend accepts, in bytes.
inline constexpr size_t kMaxKeySize = 511;

struct Op {
  enum class Kind { kPut, kDelete };
  Kind kind = Kind::kPut;
  std::string key;
  std::string value;  // empty for kDelete

  static Op Put(std::string k, std::string v) { return {Kind::kPut, std::move(k), std::move(v)}; }
  static Op Delete(std::string k) { return {Kind::kDelete, std::move(k), {}}; }
};

class Backend {
 public:
  virtual ~Backend() = default;

  // The value at `key`, std::nullopt when absent.
  virtual Result<std::optional<std::string>> Get(std::string_view key) = 0;

  // Creates or replaces the value at `key`. Durable when it returns Ok (for durable
  // backends).
  virtual Status Put(std::string_view key, std::string_view value) = 0;

  // Removes `key`; deleting an absent key is Ok.
  virtual Status Delete(std::string_view key) = 0;

  // The immediate children of `prefix`, sorted: "foo" for a key prefix+"foo", and "bar/"
  // (once) for any key under prefix+"bar/". `prefix` is normally "" or ends with '/'.
  // A key equal to `prefix` itself is not listed; an unknown prefix lists as empty.
  virtual Result<std::vector<std::string>> List(std::string_view prefix) = 0;

  // Applies all ops or none, atomically with respect to readers and crashes.
  virtual Status Batch(std::span<const Op> ops) = 0;
};

}  // namespace coffer::storage
