#pragma once
// RaftLog: the replicated log as the Raft core sees it, the stable prefix held by a
// LogStorage plus the unstable suffix not yet persisted by the driver.
//
// Invariants:
//   - indexes are contiguous from 1; index 0 is a sentinel with term 0;
//   - entries up to the snapshot point (the storage's Snapshot(), or a snapshot received
//     from the leader and not yet persisted) are gone: only the snapshot point's term is
//     known, and snapshot index <= applied <= committed <= LastIndex();
//   - a committed entry is never truncated (that would be a safety bug: we abort).

#include <cstdint>
#include <optional>
#include <vector>

#include "base/status.h"
#include "storage/raft/types.h"

namespace coffer::storage::raft {

// The stable log, written by the driver from Ready::entries before Advance().
class LogStorage {
 public:
  virtual ~LogStorage() = default;
  // State persisted from Ready::hard_state (zero value on a fresh node).
  virtual HardState InitialHardState() const = 0;
  // Index of the last stable entry (Snapshot().index if none).
  virtual uint64_t LastIndex() const = 0;
  // The entry just before FirstIndex(): the point the log was compacted to, or a snapshot
  // installed (index 0, term 0 on a fresh node). Its `conf` may be empty (the driver
  // passes the membership through Config::conf).
  virtual SnapshotMeta Snapshot() const = 0;
  // The first entry still held: Snapshot().index + 1.
  uint64_t FirstIndex() const { return Snapshot().index + 1; }
  // Term of entry `index` in [FirstIndex() - 1, LastIndex()]; 0 for index 0.
  virtual uint64_t Term(uint64_t index) const = 0;
  // Entries with indexes in [lo, hi), lo >= FirstIndex(), hi <= LastIndex() + 1.
  virtual std::vector<Entry> Entries(uint64_t lo, uint64_t hi) const = 0;
};

// LogStorage in memory; the simulator and tests use it. Not thread-safe.
class MemoryStorage : public LogStorage {
 public:
  HardState InitialHardState() const override { return hard_state_; }
  uint64_t LastIndex() const override { return snapshot_.index + entries_.size(); }
  SnapshotMeta Snapshot() const override { return snapshot_; }
  uint64_t Term(uint64_t index) const override;
  std::vector<Entry> Entries(uint64_t lo, uint64_t hi) const override;

  // Appends `entries` (contiguous), first dropping any stored entry at or after the
  // first new index; entries at or below the snapshot point are skipped.
  void Append(const std::vector<Entry>& entries);
  void SetHardState(const HardState& hs) { hard_state_ = hs; }
  // Drops the entries up to `index` (the state machine holds them), keeping its term as
  // the snapshot point; Snapshot().conf becomes empty. PreconditionFailed when `index` is
  // past LastIndex(); a no-op at or below the current snapshot point.
  Status Compact(uint64_t index);
  // A snapshot received from the leader was installed: drops every entry.
  // PreconditionFailed (nothing changes) when it is older than the current one.
  Status ApplySnapshot(const SnapshotMeta& meta);

 private:
  HardState hard_state_;
  SnapshotMeta snapshot_;
  std::vector<Entry> entries_;  // entries_[i] has index snapshot_.index + 1 + i
};

class RaftLog {
 public:
  // `applied` is the state machine's last applied index on restart (0 on a fresh node);
  // it must not exceed the persisted commit index (the driver applies only what it
  // persisted as committed), else we abort.
  explicit RaftLog(const LogStorage& storage, uint64_t applied = 0);

  uint64_t LastIndex() const;
  uint64_t LastTerm() const { return Term(LastIndex()); }
  // The first entry still held (the snapshot point + 1).
  uint64_t FirstIndex() const;
  // The snapshot point: the unstable snapshot if any, else the storage's.
  SnapshotMeta SnapshotPoint() const;
  // Term of entry `index`, or 0 if index is 0, past LastIndex() or compacted (below
  // FirstIndex() - 1).
  uint64_t Term(uint64_t index) const;
  bool MatchTerm(uint64_t index, uint64_t term) const;
  // Whether a log ending at (last_index, last_term) is at least as up to date (§5.4.1).
  bool IsUpToDate(uint64_t last_index, uint64_t last_term) const;

  // Follower side of MsgApp: if our entry at `index` has `log_term`, merges `entries`
  // (truncating from the first conflict), commits up to min(commit, last new index) and
  // returns true with the last new index in *last_new.
  bool MaybeAppend(uint64_t index, uint64_t log_term, uint64_t commit,
                   const std::vector<Entry>& entries, uint64_t* last_new);
  // Appends entries that follow or overwrite the uncommitted tail.
  void Append(const std::vector<Entry>& entries);

  // Leader side (§5.4.2): commits up to `max_index` only if that entry is from `term`.
  bool MaybeCommit(uint64_t max_index, uint64_t term);
  // Raises committed to min(commit, LastIndex()); never lowers it.
  void CommitTo(uint64_t commit);
  uint64_t committed() const { return committed_; }
  uint64_t applied() const { return applied_; }

  // Entries in [lo, hi), at most max_count of them; lo >= FirstIndex() (else we abort).
  std::vector<Entry> Slice(uint64_t lo, uint64_t hi, size_t max_count) const;
  const std::vector<Entry>& UnstableEntries() const { return unstable_; }
  // Entries committed but not yet applied (none while a snapshot is unstable).
  std::vector<Entry> NextCommittedEntries() const;
  bool HasNextCommittedEntries() const { return !snapshot_ && committed_ > applied_; }

  // Follower side of MsgSnap: drops the whole log for the snapshot `meta` (it becomes
  // the unstable snapshot, committed = meta.index) until the driver installed it.
  void Restore(const SnapshotMeta& meta);
  const std::optional<SnapshotMeta>& UnstableSnapshot() const { return snapshot_; }

  // The driver persisted entries up to (index, term) / applied up to index.
  void StableTo(uint64_t index, uint64_t term);
  // The driver installed the unstable snapshot up to `index`: applied = index.
  void StableSnapshotTo(uint64_t index);
  void AppliedTo(uint64_t index);

 private:
  const LogStorage& storage_;
  std::optional<SnapshotMeta> snapshot_;  // received, not yet installed by the driver
  std::vector<Entry> unstable_;           // unstable_[i] has index offset_ + i
  uint64_t offset_;
  uint64_t committed_;
  uint64_t applied_;
};

}  // namespace coffer::storage::raft
