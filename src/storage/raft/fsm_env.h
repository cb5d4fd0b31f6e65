#pragma once
// StateMachine::Env: the LMDB environment behind a StateMachine (private to fsm*.cc).
// Layout: docs/formats/raft-fsm.md.

#include <lmdb.h>
#include <sys/types.h>

#include <array>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "storage/lmdb/writer_priority_mutex.h"
#include "storage/raft/fsm.h"

namespace coffer::storage::raft {

inline constexpr int kSlots = 4;  // live, restore staging, and two for an install
inline constexpr uint8_t kNoSlot = 0xFF;

inline MDB_val Val(std::string_view s) { return MDB_val{s.size(), const_cast<char*>(s.data())}; }
inline std::string_view View(const MDB_val& v) {
  return std::string_view(static_cast<const char*>(v.mv_data), v.mv_size);
}

// What the meta database says, cached under apply_mu_.
struct FsmMeta {
  uint64_t applied_index = 0;
  uint64_t applied_term = 0;
  uint8_t live = 0;  // the slot holding the live data
  uint64_t restore_id = 0;
  uint8_t restore_slot = kNoSlot;
  Membership membership;
};

class StateMachine::Env {
 public:
  explicit Env(std::string dir) : dir_(std::move(dir)) {}
  ~Env();

  Status Open(const StateMachineOptions& opts);
  // A read transaction under resize_mu_ (shared).
  Status Read(const std::function<Status(MDB_txn*)>& fn);
  // Runs `fn` in a write transaction, commits when it returns 0, grows the map when full
  // (then runs `fn` again in a new transaction).
  Status Write(size_t payload, const std::function<int(MDB_txn*)>& fn);
  Status MdbError(std::string_view what, int rc) const;
  // The live slot's database as of `txn`.
  Result<MDB_dbi> LiveDb(MDB_txn* txn);
  // Reads every meta record in `txn`.
  Status ReadMeta(MDB_txn* txn, FsmMeta* out);
  // Puts the applied record (and, when given, the other meta records) in `txn`.
  int PutApplied(MDB_txn* txn, uint64_t index, uint64_t term);
  int PutSlots(MDB_txn* txn, uint8_t live, uint64_t restore_id, uint8_t restore_slot);
  int PutMembership(MDB_txn* txn, const Membership& m);

  const std::string dir_;
  std::optional<std::pair<dev_t, ino_t>> open_id_;
  MDB_env* env_ = nullptr;
  std::array<MDB_dbi, kSlots> slots_{};
  MDB_dbi meta_ = 0;
  WriterPriorityMutex resize_mu_;  // shared: any transaction; exclusive: a map resize
  std::mutex apply_mu_;            // serializes writers; guards the fields below
  FsmMeta meta_cache_;
  uint64_t rejected_ = 0;
};

}  // namespace coffer::storage::raft
