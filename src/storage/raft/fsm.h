#pragma once
// The Raft state machine: the replicated key space, held in LMDB, plus the index and term
// of the last Raft entry applied to it. Layout and command encoding:
// docs/formats/raft-fsm.md.
//
// Invariants:
// - Every Apply is one LMDB write transaction holding both the batch's data changes and
//   the new applied index/term, so after a crash the data always matches AppliedIndex().
// - Apply(index) with index <= AppliedIndex() changes nothing (replay after restart, when
//   Raft delivers committed entries again from index 1); index > AppliedIndex() + 1 is
//   PreconditionFailed (a gap would make replicas diverge).
// - A command that does not decode (or names an invalid key) is recorded as applied with
//   no data change, counted in rejected_commands() and logged, so every replica stays
//   identical. An empty command (a leader's empty entry) is a no-op that is not counted.
// - The applied index/term live in a second named database ("meta"), outside the user
//   key space; no storage key can reach them.
// - The membership (ConfState and address book) lives in "meta" too and changes only
//   through ApplyMembership or Install, in the same transaction as the applied index.
// - The live data is one of four data databases ("slots"); meta names the live one and
//   the one staging an operator restore. Install streams a snapshot into free slots in
//   as many transactions as it likes, then switches the pointers, the applied index and
//   the membership in one transaction: a crash leaves the old state or the new one,
//   never a half-replaced key space. RestoreCommit switches the same way.
// - Restore commands (RestoreBegin/Chunk/Commit) start with a byte that is not
//   kBatchVersion, so DecodeBatch rejects them; a chunk or commit naming another restore
//   id than the one begun last is ignored (the index advances), identically everywhere.
// - A directory is open at most once per process (LMDB forbids two environments on one
//   file in a process).
//
// Reads: Get and List have storage::Backend's semantics (keys.h). The state machine does
// not implement storage::Backend: its only write path is Apply, so nothing can write
// around Raft. (fsm_test.cc adapts it to Backend for the conformance suite by encoding
// every write and applying it at the next index.)
//
// Thread-safety: safe for concurrent use; Apply calls are serialized, readers never wait
// for writers (only for a map resize).

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "storage/backend.h"
#include "storage/raft/membership.h"
#include "storage/raft/snapshot.h"

namespace coffer::storage::raft {

// The version byte that starts every encoded batch.
inline constexpr uint8_t kBatchVersion = 1;

// Encodes `ops` as a Raft command (version byte, then the ops in order).
std::string EncodeBatch(std::span<const Op> ops);

// Decodes a command produced by EncodeBatch. Corruption for an unknown version, a
// truncated or oversized field, an unknown op kind or trailing bytes. Does not validate
// keys (Apply does). Never allocates more than a small multiple of data.size().
Result<std::vector<Op>> DecodeBatch(std::string_view data);

// Operator restore commands (docs/formats/raft-fsm.md): a kind byte, the restore id (u64,
// non-zero), and for a chunk the records (u32 key length, key, u32 value length, value).
inline constexpr uint8_t kRestoreBegin = 0x81;
inline constexpr uint8_t kRestoreChunk = 0x82;
inline constexpr uint8_t kRestoreCommit = 0x83;
std::string EncodeRestoreBegin(uint64_t restore_id);
std::string EncodeRestoreCommit(uint64_t restore_id);
// A chunk command with no records yet; add them with AppendRestoreRecord.
std::string EncodeRestoreChunk(uint64_t restore_id);
void AppendRestoreRecord(std::string* chunk, std::string_view key, std::string_view value);

struct StateMachineOptions {
  // The initial size of the LMDB memory map; grown when a write fills it.
  size_t map_size = 1ull << 30;
  // Skip the fsync on commit: a crash may lose the last applies (Raft re-delivers them),
  // never tear one.
  bool no_sync = false;
};

class StateMachine {
 public:
  // Opens, or creates, the state machine in `dir` (created with mode 0700 if missing).
  static Result<std::unique_ptr<StateMachine>> Open(const std::string& dir,
                                                    const StateMachineOptions& opts);

  StateMachine(const StateMachine&) = delete;
  StateMachine& operator=(const StateMachine&) = delete;
  // No call may be in progress.
  ~StateMachine();

  // Applies the committed entry (`index`, `term`) whose data is `command`; see the
  // invariants above. Durable when it returns Ok (unless no_sync).
  Status Apply(uint64_t index, uint64_t term, std::string_view command);

  // Applies a conf-change entry: records `membership` as the membership in force, with
  // the applied index, in one transaction. Same index rules as Apply.
  Status ApplyMembership(uint64_t index, uint64_t term, const Membership& membership);
  // The membership at the applied index (empty for a new state machine).
  Membership membership();

  // Streams a snapshot (docs/formats/raft-snapshot.md) of one read transaction: the live
  // data, the restore in progress, the applied index/term and the membership. Holds one
  // chunk in memory. Returns the header it wrote. A map resize (a write filling the map)
  // waits until the stream ends.
  Result<SnapshotHeader> WriteSnapshot(const SnapshotSink& sink);
  // Installs a received snapshot: stages its records in free slots, and only once the
  // whole stream verified (trailer, SHA-256) switches to it in one transaction with its
  // applied index/term and membership. On any error (Corruption for a damaged stream)
  // the state is unchanged. Blocks Apply while it runs.
  Result<SnapshotHeader> Install(const SnapshotSource& source);
  Result<SnapshotHeader> InstallFile(const std::string& path);
  // Flushes the environment to disk (needed with no_sync before the WAL is compacted).
  Status Sync();

  // The operator restore in progress (0: none); for tests and status.
  uint64_t restore_id();

  // The index and term of the last applied entry; 0 for a new state machine.
  // The LMDB environment's size, for the raft_storage.stats.* gauges.
  struct Stats {
    uint64_t map_size_bytes = 0;  // the memory map (grows when full)
    uint64_t used_bytes = 0;      // pages in use up to the highest one written
    uint64_t entries = 0;         // keys in the live slot
  };
  Stats GetStats();

  uint64_t AppliedIndex();
  uint64_t AppliedTerm();

  // Commands recorded as applied without effect because they did not decode, since Open.
  uint64_t rejected_commands();

  // As storage::Backend::Get and List.
  Result<std::optional<std::string>> Get(std::string_view key);
  Result<std::vector<std::string>> List(std::string_view prefix);

 private:
  class Env;  // the LMDB environment (fsm.cc)
  explicit StateMachine(std::unique_ptr<Env> env);
  Status ApplyRestore(uint64_t index, uint64_t term, std::string_view command);

  std::unique_ptr<Env> env_;
};

}  // namespace coffer::storage::raft
