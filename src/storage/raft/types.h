#pragma once
// Plain data exchanged between the Raft core and the loop that drives it: log entries,
// messages between peers, and the state that must be persisted before messages are sent.

#include <cstdint>
#include <string>
#include <vector>

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
  kMsgProp,           // local: a proposal (entries) handed to the leader
  kMsgApp,            // leader -> follower: append entries after (index, log_term)
  kMsgAppResp,        // follower -> leader: index matched, or reject with a hint
  kMsgVote,           // candidate -> all: vote for me in `term`
  kMsgVoteResp,       // reject == false grants the vote
  kMsgPreVote,        // pre-candidate -> all: would you vote for me in `term`?
  kMsgPreVoteResp,    // reject == false: yes
  kMsgHeartbeat,      // leader -> follower: commit = min(follower match, leader commit)
  kMsgHeartbeatResp,  // follower -> leader: still here
};

const char* MessageTypeName(MessageType type);

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
};

// Must be durable before any message of the same Ready is sent.
struct HardState {
  uint64_t term = 0;
  uint64_t vote = kNone;
  uint64_t commit = 0;

  bool operator==(const HardState&) const = default;
};

}  // namespace coffer::storage::raft
