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
//     segment file that exists has a complete header.
//
// Not thread-safe: one driver owns a Wal. All entries are also held in memory (there is
// no compaction yet), so Term() and Entries() never touch the disk.

#include <cstddef>
#include <cstdint>
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
  uint64_t LastIndex() const override { return entries_.size(); }
  SnapshotMeta Snapshot() const override { return {}; }
  uint64_t Term(uint64_t index) const override;
  std::vector<Entry> Entries(uint64_t lo, uint64_t hi) const override;

  // Writes `entries` (contiguous, first index in [1, LastIndex() + 1]); entries at or
  // after the first new index are dropped. Durable only after Sync().
  Status Append(const std::vector<Entry>& entries);
  // Writes a hard state record. Durable only after Sync().
  Status SetHardState(const HardState& hs);
  // One fdatasync for everything written since the last Sync() (group commit).
  Status Sync();

  // The current hard state (what InitialHardState() will return after a reopen).
  const HardState& hard_state() const { return hard_state_; }
  // Number of segment files; for tests.
  size_t segment_count() const { return segment_count_; }

 private:
  Wal(std::string dir, WalOptions options);
  Status Replay();
  Status ReplaySegment(const std::string& path, bool last);
  Status ApplyRecord(uint8_t type, std::string_view payload);
  Status CreateSegment();
  Status WriteRecords(const std::string& records);
  // Appends `record` to `pending`, first writing `pending` and rotating to a new segment
  // if the record would take the current one past options_.segment_bytes.
  Status AddRecord(std::string* pending, std::string record);

  const std::string dir_;
  const WalOptions options_;
  HardState hard_state_;
  std::vector<Entry> entries_;  // entries_[i] has index i + 1
  int fd_ = -1;                 // the last segment, open for appending
  uint64_t next_seq_ = 1;       // sequence number of the next segment to create
  uint64_t segment_size_ = 0;   // bytes in the last segment
  size_t segment_count_ = 0;
  Status broken_;  // sticky: after a failed write the file state is unknown
};

// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), as used by the WAL records.
uint32_t Crc32c(std::string_view data);

}  // namespace coffer::storage::raft
