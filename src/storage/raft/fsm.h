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

namespace coffer::storage::raft {

// The version byte that starts every encoded batch.
inline constexpr uint8_t kBatchVersion = 1;

// Encodes `ops` as a Raft command (version byte, then the ops in order).
std::string EncodeBatch(std::span<const Op> ops);

// Decodes a command produced by EncodeBatch. Corruption for an unknown version, a
// truncated or oversized field, an unknown op kind or trailing bytes. Does not validate
// keys (Apply does). Never allocates more than a small multiple of data.size().
Result<std::vector<Op>> DecodeBatch(std::string_view data);

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

  // The index and term of the last applied entry; 0 for a new state machine.
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

  std::unique_ptr<Env> env_;
};

}  // namespace coffer::storage::raft
