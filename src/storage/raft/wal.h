#pragma once
// Wal: the durable LogStorage, a segmented, checksummed write-ahead log in one directory.
// The on-disk format and recovery rules are in docs/formats/raft-wal.md.
//
// Invariants:
//   - the log is the replay of every record of every segment in sequence order: an entry
//     record at index i drops any entry at or after i, then becomes entry i;
//   - every segment except the last was fdatasync'ed before the next one was created, so
//     only the last segment may have a torn tail;
//   - segment headers are written to a temporary file and renamed into place, so a
//     segment file that exists has a complete header, and (version 2) starts with the
//     snapshot and hard state in force when it was created: the segments after any
//     deleted prefix replay on their own;
//   - a segment is deleted only after a durable compaction or snapshot record made every
//     entry in it obsolete, oldest first, never the last segment.
//
// Not thread-safe: one driver owns a Wal. The entries after the compaction point are also
// held in memory, so Term() and Entries() never touch the disk.

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "storage/raft/log.h"
#include "storage/raft/types.h"

namespace coffer::storage::raft {

struct WalOptions {
  // A record that would take a non-empty segment past this size starts a new segment;
  // a single record larger than this gets a segment of its own.
  size_t segment_bytes = 64u << 20;
};

class Wal : public LogStorage {
 public:
  // Opens (creating if missing) the log in `dir` and replays it. A torn or corrupt tail
  // of the last segment is truncated away; any other damage is a Corruption error.
  static Result<std::unique_ptr<Wal>> Open(const std::string& dir, WalOptions options = {});
  ~Wal() override;
  Wal(const Wal&) = delete;
  Wal& operator=(const Wal&) = delete;

  HardState InitialHardState() const override { return hard_state_; }
  uint64_t LastIndex() const override {
    return entries_.empty() ? snapshot_.index : entries_.back().index;
  }
  SnapshotMeta Snapshot() const override { return snapshot_; }
  uint64_t Term(uint64_t index) const override;
  std::vector<Entry> Entries(uint64_t lo, uint64_t hi) const override;

  // Writes `entries` (contiguous, first index in [1, LastIndex() + 1]); entries at or
  // after the first new index are dropped. Durable only after Sync().
  Status Append(const std::vector<Entry>& entries);
  // Writes a hard state record. Durable only after Sync().
  Status SetHardState(const HardState& hs);
  // One fdatasync for everything written since the last Sync() (group commit); then
  // deletes the segments a compaction or snapshot record made obsolete.
  Status Sync();

  // Log compaction: entries up to `index` (<= LastIndex(), already in a snapshot of the
  // state machine) are dropped; Snapshot() becomes {index, Term(index), empty conf}.
  // A no-op for index <= Snapshot().index; InvalidArgument past LastIndex(). Durable
  // (and old segments deleted) after Sync().
  Status Compact(uint64_t index);
  // An installed snapshot: every entry is dropped, Snapshot() = meta, LastIndex() =
  // meta.index. Durable (and old segments deleted) after Sync().
  Status ApplySnapshot(const SnapshotMeta& meta);

  // The current hard state (what InitialHardState() will return after a reopen).
  const HardState& hard_state() const { return hard_state_; }
  // Number of segment files; for tests.
  size_t segment_count() const { return segments_.size(); }

 private:
  struct Segment {
    uint64_t seq = 0;
    uint64_t max_index = 0;  // highest entry index written to it (0: none)
  };

  Wal(std::string dir, WalOptions options);
  Status Replay();
  Status ReplaySegment(const std::string& path, bool first, bool last);
  Status ApplyRecord(uint8_t type, std::string_view payload, bool first_record);
  Status ApplyEntry(Entry e);
  Status ApplySnapshotRecord(uint8_t kind, SnapshotMeta meta, bool first_record);
  Status CreateSegment();
  Status DropObsoleteSegments();
  void ForgetSupersededFrom(uint64_t index);
  std::string SegmentPath(uint64_t seq) const;
  Status WriteRecords(const std::string& records);
  // Appends `record` to `pending`, first writing `pending` and rotating to a new segment
  // if the record would take the current one past options_.segment_bytes.
  Status AddRecord(std::string* pending, std::string record);

  const std::string dir_;
  const WalOptions options_;
  HardState hard_state_;
  SnapshotMeta snapshot_;      // the compaction point / installed snapshot
  std::deque<Entry> entries_;  // contiguous, from snapshot_.index + 1 (after replay)
  std::deque<Segment> segments_;
  int fd_ = -1;                // the last segment, open for appending
  uint64_t next_seq_ = 1;      // sequence number of the next segment to create
  uint64_t segment_size_ = 0;  // bytes in the last segment
  uint64_t segment_base_ = 0;  // bytes of its header and starting records
  uint64_t install_seq_ = 0;   // segments before this one hold only dropped entries
  bool hole_allowed_ = false;  // replay: the first entry may follow a deleted prefix
  Status broken_;              // sticky: after a failed write the file state is unknown
};

// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), as used by the WAL records.
uint32_t Crc32c(std::string_view data);

}  // namespace coffer::storage::raft
