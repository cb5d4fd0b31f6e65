#pragma once
// Plain data exchanged between the Raft core and the loop that drives it: log entries,
// messages between peers, and the state that must be persisted before messages are sent.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace coffer::storage::raft {

// Peer ids are non-zero; kNone means "no peer" (no vote, no known leader).
inline constexpr uint64_t kNone = 0;

enum class EntryType { kNormal, kConfigChange };

struct Entry {
  uint64_t term = 0;
  uint64_t index = 0;
  EntryType type = EntryType::kNormal;
  std::string data;

  bool operator==(const Entry&) const = default;
};

enum class MessageType {
  kMsgProp,            // local: a proposal (entries) handed to the leader
  kMsgApp,             // leader -> follower: append entries after (index, log_term)
  kMsgAppResp,         // follower -> leader: index matched, or reject with a hint
  kMsgVote,            // candidate -> all: vote for me in `term`
  kMsgVoteResp,        // reject == false grants the vote
  kMsgPreVote,         // pre-candidate -> all: would you vote for me in `term`?
  kMsgPreVoteResp,     // reject == false: yes
  kMsgHeartbeat,       // leader -> follower: commit = min(follower match, leader commit)
  kMsgHeartbeatResp,   // follower -> leader: still here; `context` echoes a ReadIndex round
  kMsgSnap,            // leader -> follower: install the snapshot described by `snapshot`
                       // (its data is streamed by the transport out of band)
  kMsgSnapStatus,      // local: the transport finished sending a snapshot to `from`
                       // (reject == true: it failed)
  kMsgUnreachable,     // local: the transport could not deliver to `from`
  kMsgTransferLeader,  // local (or to the leader): hand leadership to `from`
  kMsgTimeoutNow,      // leader -> transferee: campaign now, ignoring leases and pre-vote
  kMsgReadIndex,       // local or follower -> leader: confirm leadership for `context`
  kMsgReadIndexResp,   // leader -> follower: `index` is safe to read at for `context`
};

const char* MessageTypeName(MessageType type);

// Voters and learners (non-voters). A node is in at most one of the two lists; both
// are sorted.
struct ConfState {
  std::vector<uint64_t> voters;
  std::vector<uint64_t> learners;

  bool operator==(const ConfState&) const = default;
};

// The last entry covered by a snapshot (or by log compaction), and the membership in
// force at it.
struct SnapshotMeta {
  uint64_t index = 0;
  uint64_t term = 0;
  ConfState conf;

  bool operator==(const SnapshotMeta&) const = default;
};

// A membership change, carried as the data of an EntryType::kConfigChange entry and
// applied (Raft::ApplyConfChange) when that entry is applied. One at a time: the
// leader refuses a second one while one is committed-but-unapplied or uncommitted.
enum class ConfChangeType : uint8_t {
  kAddVoter = 1,    // add a voter, or promote a learner
  kAddLearner = 2,  // add a learner, or demote a voter
  kRemoveNode = 3,
};

struct ConfChange {
  ConfChangeType type = ConfChangeType::kAddVoter;
  uint64_t node_id = kNone;
  std::string context;  // opaque to the core (the driver puts the node's name/address here)

  bool operator==(const ConfChange&) const = default;
};

// Binary encoding of a ConfChange (version byte, type, id, context); Decode rejects
// anything else with Corruption.
std::string EncodeConfChange(const ConfChange& cc);
Result<ConfChange> DecodeConfChange(std::string_view data);

struct Message {
  MessageType type = MessageType::kMsgApp;
  uint64_t from = kNone;
  uint64_t to = kNone;
  uint64_t term = 0;
  uint64_t log_term = 0;  // term of the entry at `index` (MsgApp), or last term (votes)
  uint64_t index = 0;     // entry preceding `entries` (MsgApp), matched index (MsgAppResp)
  std::vector<Entry> entries;
  uint64_t commit = 0;
  bool reject = false;
  uint64_t reject_hint = 0;  // follower's last index when it rejects a MsgApp
  SnapshotMeta snapshot;     // MsgSnap
  std::string context;       // ReadIndex request id (MsgReadIndex[Resp], heartbeats)
};

// A ReadIndex request that completed: reads issued for `context` are linearizable once
// the state machine has applied `index`.
struct ReadState {
  uint64_t index = 0;
  std::string context;
};

// Must be durable before any message of the same Ready is sent.
struct HardState {
  uint64_t term = 0;
  uint64_t vote = kNone;
  uint64_t commit = 0;

  bool operator==(const HardState&) const = default;
};

}  // namespace coffer::storage::raft
