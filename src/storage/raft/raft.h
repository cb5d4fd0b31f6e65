#pragma once
// Raft: the deterministic consensus core, after etcd-io/raft's raft.go and node.go.
// No I/O, no threads, no clock: the driver calls Tick() at a fixed interval, feeds
// peer messages to Step(), and drains Ready batches:
//
//   while (raft.HasReady()) {
//     Ready rd = raft.GetReady();
//     persist rd.hard_state and rd.entries;  // durable before any message is sent
//     send rd.messages; apply rd.committed_entries;
//     raft.Advance(rd);
//   }
//
// Not thread-safe: one driver owns a Raft instance. See README.md for what is missing.

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "storage/raft/log.h"
#include "storage/raft/types.h"

namespace coffer::storage::raft {

struct Config {
  uint64_t id = kNone;
  // The membership at `applied` (from the state machine). When both lists are empty,
  // `peers` are the voters (tests and a fresh single node).
  ConfState conf;
  std::vector<uint64_t> peers;
  int election_tick = 10;  // followers campaign after [election_tick, 2*election_tick)
  int heartbeat_tick = 1;
  bool pre_vote = false;             // campaign with a pre-vote round that does not bump the term
  bool check_quorum = false;         // leader steps down without a quorum of recent contacts
  uint64_t seed = 0;                 // for the default PRNG when `random` is empty
  std::function<uint64_t()> random;  // injected randomness (election timeouts)
  const LogStorage* storage = nullptr;  // required; must outlive the Raft
  // The state machine's last applied index, read by the driver on restart: committed
  // entries up to it are not delivered again. At most the persisted commit index.
  uint64_t applied = 0;
  // Most entries in one MsgApp, and most MsgApps in flight to a replicating follower.
  size_t max_entries_per_msg = 64;
  size_t max_inflight_msgs = 256;
  // ReadIndex: kSafe confirms leadership with a heartbeat round per request batch;
  // kLeaseBased (needs check_quorum) answers from the leader's lease at once.
  enum class ReadOnlyOption { kSafe, kLeaseBased } read_only = ReadOnlyOption::kSafe;
};

struct Ready {
  std::optional<HardState> hard_state;   // set only when changed since the last Ready
  std::vector<Entry> entries;            // to append to stable storage
  std::vector<Entry> committed_entries;  // to apply, in order
  std::vector<Message> messages;         // to send after entries are persisted
  // An accepted MsgSnap: install the received snapshot data for it in the state machine
  // and record it in the log storage (dropping the log) before sending `messages`.
  std::optional<SnapshotMeta> snapshot;
  std::vector<ReadState> read_states;  // completed ReadIndex requests
};

enum class StateType { kFollower, kPreCandidate, kCandidate, kLeader };

// The leader's view of one follower.
struct Progress {
  uint64_t match = 0;
  uint64_t next = 1;
  bool replicate = false;   // false: probing, one MsgApp in flight at a time
  bool probe_sent = false;  // probing and a MsgApp is outstanding
  bool recent_active = false;
  bool learner = false;
  uint64_t pending_snapshot = 0;  // > 0: a snapshot up to this index is being sent
  // Replicating: the last index of each unacknowledged MsgApp (at most
  // Config::max_inflight_msgs; sending pauses when full).
  std::deque<uint64_t> inflight;
};

class Raft {
 public:
  explicit Raft(const Config& config);

  // Advances logical time by one tick.
  void Tick();
  // Handles a message from a peer (or a local MsgProp).
  void Step(const Message& m);
  // Appends `data` to the log if this node is the leader; Unavailable otherwise.
  Status Propose(std::string data);
  // Starts an election now (as after an election timeout).
  void Campaign();

  // Proposes a membership change (an EntryType::kConfigChange entry). Unavailable when
  // not the leader; FailedPrecondition while another change is pending or before the
  // leader has committed an entry of its term; InvalidArgument for a change that makes
  // no sense (removing an unknown node, leaving no voter).
  Status ProposeConfChange(const ConfChange& cc);
  // The driver calls this when it applies a kConfigChange entry; returns the membership
  // now in force. A removed leader steps down; a removed node stops campaigning.
  ConfState ApplyConfChange(const ConfChange& cc);
  ConfState conf_state() const;

  // Hands leadership to `transferee` (a voter): stops accepting proposals, brings it up
  // to date, then sends MsgTimeoutNow. Abandoned after an election timeout.
  // Unavailable when not the leader, InvalidArgument for a non-voter or self.
  Status TransferLeader(uint64_t transferee);
  uint64_t lead_transferee() const { return lead_transferee_; }

  // Requests a linearizable read point for `context` (unique per request). On the
  // leader the ReadState arrives in a later Ready once a quorum confirmed leadership;
  // a follower forwards it to the leader. Dropped (no ReadState) when there is no leader
  // or the leader has not committed an entry of its term; the caller times out.
  void ReadIndex(std::string context);

  // The transport finished (or failed) streaming a snapshot to `to`.
  void ReportSnapshot(uint64_t to, bool failed);
  // The transport could not reach `to`: drop it back to probing.
  void ReportUnreachable(uint64_t to);
  bool HasReady() const;
  // The next batch; call Advance(rd) with it before the next GetReady().
  Ready GetReady();
  void Advance(const Ready& rd);

  uint64_t id() const { return id_; }
  uint64_t term() const { return term_; }
  uint64_t vote() const { return vote_; }
  uint64_t leader() const { return lead_; }
  StateType state() const { return state_; }
  const RaftLog& log() const { return log_; }
  const Progress* progress(uint64_t peer) const;
  // The campaign context of a MsgVote sent on MsgTimeoutNow: voters grant it despite
  // check-quorum's leader lease.
  static constexpr const char* kTransferContext = "transfer";

 private:
  // A ReadIndex request waiting for a quorum of heartbeat acknowledgements (kSafe).
  struct PendingRead {
    std::string context;
    uint64_t index = 0;     // the commit index when the request arrived
    uint64_t from = kNone;  // the requesting follower; kNone: this node
    std::vector<uint64_t> acks;
  };

  HardState CurrentHardState() const { return {term_, vote_, log_.committed()}; }
  size_t VoterCount() const;
  size_t Quorum() const { return VoterCount() / 2 + 1; }
  bool IsVoter(uint64_t id) const;
  bool CommittedInTerm() const { return log_.Term(log_.committed()) == term_; }
  void Send(Message m);
  void ResetRandomizedTimeout();
  void Reset(uint64_t term);
  void BecomeFollower(uint64_t term, uint64_t lead);
  void BecomePreCandidate();
  void BecomeCandidate();
  void BecomeLeader();
  void StartCampaign(bool pre, bool transfer = false);
  void StepLeader(const Message& m);
  void StepCandidate(const Message& m);
  void StepFollower(const Message& m);
  void HandleVoteRequest(const Message& m);
  void HandleAppend(const Message& m);
  void HandleHeartbeat(const Message& m);
  void HandleAppendResponse(const Message& m, Progress& pr);
  void HandleSnapshot(const Message& m);
  void HandleSnapStatus(const Message& m, Progress& pr);
  void HandleTransferLeader(uint64_t transferee);
  void HandleReadIndex(const Message& m);
  void HandleReadIndexAck(const Message& m);
  void RespondToRead(uint64_t from, uint64_t index, std::string context);
  // Whether the leader may propose `cc` now (ProposeConfChange's errors).
  Status CheckConfChange(const ConfChange& cc) const;
  void AbortLeaderTransfer() { lead_transferee_ = kNone; }
  bool RemovesSelf(const ConfChange& cc) const;
  // Sets leaving_index_ if the unapplied log holds a change removing or demoting us.
  void FindLeavingChange();
  void BecomeProbe(Progress& pr);
  void SendTimeoutNow(uint64_t to);
  void SendSnapshot(uint64_t to, Progress& pr);
  void AppendEntries(std::vector<Entry> entries);
  void SendAppend(uint64_t to);
  void BroadcastAppend();
  void BroadcastHeartbeat();
  bool MaybeCommit();
  bool QuorumActive();

  const uint64_t id_;
  const int election_tick_;
  const int heartbeat_tick_;
  const bool pre_vote_;
  const bool check_quorum_;
  const size_t max_entries_per_msg_;
  const size_t max_inflight_msgs_;
  const Config::ReadOnlyOption read_only_;
  std::function<uint64_t()> random_;
  uint64_t prng_state_;

  RaftLog log_;
  StateType state_ = StateType::kFollower;
  uint64_t term_ = 0;
  uint64_t vote_ = kNone;
  uint64_t lead_ = kNone;
  std::map<uint64_t, Progress> prs_;  // every voter and learner, including this node
  uint64_t lead_transferee_ = kNone;
  uint64_t pending_conf_index_ = 0;  // a conf change at or below this index is not applied
  // Leader: a change removing or demoting this node is in the log (at this index): it
  // accepts no more proposals, so that when it steps down on applying the change, the
  // voters that committed it hold its whole log and it can vote for them.
  uint64_t leaving_index_ = 0;
  std::map<uint64_t, bool> votes_;  // granted (true) or rejected, this campaign
  int election_elapsed_ = 0;
  int heartbeat_elapsed_ = 0;
  int randomized_election_timeout_ = 0;
  std::vector<Message> msgs_;
  std::vector<ReadState> read_states_;     // completed, for the next Ready
  std::deque<PendingRead> pending_reads_;  // leader, kSafe: in arrival order
  HardState prev_hard_state_;
};

}  // namespace coffer::storage::raft
