#pragma once
// LmdbBackend: a durable storage::Backend in one LMDB environment (a directory holding
// data.mdb and lock.mdb) with one named database, "entries". Key = storage key bytes,
// value = the bytes given (ciphertext from the barrier). Layout: docs/formats/lmdb-storage.md.
//
// Invariants:
// - Every write (Put, Delete, Batch) is one LMDB write transaction: all or nothing, and
//   durable when it returns Ok unless LmdbOptions::no_sync (then a crash may lose the
//   last commits, never tear one).
// - When a write finds the map full, the map is grown (mdb_env_set_mapsize) and the whole
//   transaction is retried; growing needs no transaction open in the process, so every
//   transaction runs under resize_mu_ held shared and a resize holds it exclusively
//   (writer-priority, so a resize is not starved by a stream of readers).
// - A directory is open at most once per process (LMDB forbids two environments on one
//   file in a process); a second Open of it fails until the first backend is destroyed.
//
// Thread-safety: safe for concurrent use. MDB_NOTLS lets any thread run read transactions
// (one reader slot each, up to kMaxReaders at once); writers are serialized by LMDB's own
// writer lock, and readers never wait for writers.

#include <sys/types.h>

#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "storage/backend.h"
#include "storage/lmdb/writer_priority_mutex.h"

struct MDB_env;
struct MDB_txn;

namespace coffer::storage {

struct LmdbOptions {
  // The initial size of the memory map, the most the file may hold before it is grown.
  // Address space only: the file grows with the data.
  size_t map_size = 8ull << 30;
  // Skip the fsync on commit (MDB_NOSYNC): faster, a crash may lose recent writes.
  bool no_sync = false;
};

class LmdbBackend final : public Backend {
 public:
  // Concurrent read transactions allowed at once (LMDB reader-table slots).
  static constexpr unsigned kMaxReaders = 512;

  // Opens, or creates, the environment in `dir`, creating the directory (mode 0700, with
  // missing parents) if it does not exist. The data file is created with mode 0600.
  static Result<std::unique_ptr<LmdbBackend>> Open(const std::string& dir, const LmdbOptions& opts);

  LmdbBackend(const LmdbBackend&) = delete;
  LmdbBackend& operator=(const LmdbBackend&) = delete;
  // No call may be in progress.
  ~LmdbBackend() override;

  Result<std::optional<std::string>> Get(std::string_view key) override;
  Status Put(std::string_view key, std::string_view value) override;
  Status Delete(std::string_view key) override;
  Result<std::vector<std::string>> List(std::string_view prefix) override;
  Status Batch(std::span<const Op> ops) override;

  // The current size of the memory map in bytes (grows when writes fill it).
  size_t map_size();
  const std::string& dir() const { return dir_; }

 private:
  explicit LmdbBackend(std::string dir) : dir_(std::move(dir)) {}
  Status OpenEnv(const LmdbOptions& opts);
  // Begins a transaction holding `lock` (shared on resize_mu_) for its whole life.
  Status Begin(unsigned int flags, std::shared_lock<WriterPriorityMutex>* lock, MDB_txn** txn);
  // Runs `apply` (which returns an LMDB code) in a write transaction and commits it,
  // growing the map and retrying when it is full; `payload` (bytes written) sizes the
  // growth, `what` names the operation in errors.
  Status Write(std::string_view what, size_t payload, const std::function<int(MDB_txn*)>& apply);
  // Sets the map size (0: adopt the size another process set), unless it is no longer
  // `seen` (another writer already grew it). On failure the backend is unusable.
  Status Resize(size_t size, size_t seen);
  Status MdbError(std::string_view what, int rc) const;

  const std::string dir_;
  std::optional<std::pair<dev_t, ino_t>> open_id_;  // this directory in the open registry
  MDB_env* env_ = nullptr;
  unsigned int dbi_ = 0;

  WriterPriorityMutex resize_mu_;  // shared: any transaction; exclusive: a map resize
  size_t map_size_ = 0;            // guarded by resize_mu_
  Status broken_;                  // guarded by resize_mu_; set when a resize failed
};

}  // namespace coffer::storage
