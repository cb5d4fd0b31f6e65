#pragma once
// Node: the driver loop that owns a Raft, its Wal and its StateMachine; RaftBackend: a
// storage::Backend whose writes go through the Raft log.
//
// One loop thread owns the Raft: it ticks on a timer, takes proposals from a bounded
// queue and incoming messages from Step(), and for each Ready follows the driver
// contract of README.md: Wal::Append(entries), SetHardState, one Sync for the whole
// Ready (group commit), then Transport::Send(messages), then StateMachine::Apply for the
// committed entries, then Advance. A proposal completes when the entry at its index is
// applied: Ok if that entry has the proposal's term, Unavailable if another term's entry
// replaced it.
//
// Membership: the voters and learners come from the state machine's membership (applied
// with each conf-change entry, and carried by snapshots). A fresh node has none and waits
// for Bootstrap() or a leader; NodeOptions::peers makes static voters (tests), and a log
// written before memberships existed keeps its single voter {id}. Snapshots: received
// ones are installed from a verified file before the Ready's messages go out; outgoing
// ones are streamed by the Transport from a consistent read of the state machine.
// Compaction: see NodeOptions::snapshot_threshold. Details: README.md.
//
// Thread-safety: every public method is safe for concurrent use; the ones that wait
// (Propose, membership changes, ReadBarrier, TransferLeadership, GetStatus, Restore)
// must not be called from the loop thread (on_leadership, Transport callbacks).

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "base/status.h"
#include "storage/backend.h"
#include "storage/raft/fsm.h"
#include "storage/raft/membership.h"
#include "storage/raft/raft.h"
#include "storage/raft/snapshot.h"
#include "storage/raft/types.h"
#include "storage/raft/wal.h"

namespace coffer::storage::raft {

// Member, MemberId (membership.h), SnapshotSink and SnapshotSource (snapshot.h).

// Delivers a Ready's messages to peers. Called on the loop thread after the Ready's
// writes are durable; must not block for long (queue and return).
class Transport {
 public:
  virtual ~Transport() = default;
  // Every message except MsgSnap.
  virtual void Send(std::vector<Message> messages) = 0;
  // Streams a snapshot to m.to on a transport thread: calls `write` (which produces the
  // stream from a consistent read of the state machine) with a sink to the peer, then
  // reports the outcome with Node::ReportSnapshot. The receiver saves the stream to a
  // file and hands it to its Node::ReceiveSnapshot.
  // The stream's header carries the meta the data matches (the state machine's applied
  // index, at or past m.snapshot.index); Node::ReceiveSnapshot uses it in place of
  // m.snapshot, so the transport need not rewrite m.
  virtual void SendSnapshot(Message m, std::function<Status(const SnapshotSink&)> write) = 0;
  // The membership changed (also called once at Open): where each peer is.
  virtual void UpdatePeers(const std::vector<Member>& members) = 0;
};

// What sys/storage/raft/configuration and autopilot report about one member.
struct PeerStatus {
  Member member;
  uint64_t match = 0;  // leader only: highest index known replicated to it
  std::chrono::milliseconds since_last_contact{0};  // leader only; 0 for self
  bool healthy = true;
};

struct NodeStatus {
  uint64_t id = kNone;
  uint64_t term = 0;
  uint64_t leader = kNone;
  StateType state = StateType::kFollower;
  uint64_t commit_index = 0;
  uint64_t applied_index = 0;
  uint64_t last_index = 0;
  uint64_t last_term = 0;
  uint64_t snapshot_index = 0;  // the WAL's compaction point
  uint64_t wal_segments = 0;
  std::vector<PeerStatus> peers;  // every member, this node included
};

struct NodeOptions {
  uint64_t id = 1;
  // Static voters including id (tests). Empty: the voters and learners are the state
  // machine's membership (none on a fresh node: it waits for Bootstrap or a leader).
  std::vector<uint64_t> peers;
  // One Raft tick; the server uses 100ms × performance_multiplier.
  std::chrono::milliseconds tick_interval{100};
  int election_tick = 10;
  int heartbeat_tick = 1;
  size_t wal_segment_bytes = 64u << 20;
  size_t fsm_map_size = 1ull << 30;
  // Proposals waiting for the loop; Propose blocks (up to its timeout) when full.
  size_t max_queued_proposals = 4096;
  // How long Propose waits for its entry to be applied.
  std::chrono::milliseconds propose_timeout{10000};
  // Skip the state machine's fsync on Apply. Safe: a crash may lose the last applies,
  // and Raft delivers them again from the WAL (Config::applied).
  bool fsm_no_sync = false;
  // Tests only: skip the WAL's fdatasync as well. Data survives a process restart (it is
  // in the page cache), not a machine crash.
  bool unsafe_wal_no_sync = false;
  Transport* transport = nullptr;  // required with more than one peer; must outlive the Node

  // This node's name and cluster address, recorded when it bootstraps a cluster.
  std::string name;
  std::string address;
  // Compaction (Vault's raft storage options): once snapshot_threshold entries were
  // applied since the last compaction, compact the WAL keeping trailing_logs entries.
  uint64_t snapshot_threshold = 8192;
  uint64_t trailing_logs = 10000;
  // Where received snapshots are staged (default dir/snapshots).
  std::string snapshot_dir;
  // Called on the loop thread whenever this node gains or loses leadership (after a new
  // leader's entry of its term is applied: is_leader == true; on loss: false). Must not
  // block: queue the work.
  std::function<void(bool is_leader, uint64_t term)> on_leadership;
  // Called once, on the loop thread, when a failed WAL or state machine write stopped the
  // loop for good (error()). After a failed write or fdatasync the durable state is
  // unknown, so the node cannot go on; the server exits and restarts from its WAL.
  std::function<void(const Status& error)> on_stopped;
};

class Node {
 public:
  // Opens the WAL in dir/wal and the state machine in dir/fsm, replays the log into a Raft
  // (applied = the state machine's applied index) and starts the loop.
  static Result<std::unique_ptr<Node>> Open(const std::string& dir, NodeOptions options);
  ~Node();  // Shutdown()
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  // Appends `command` to the log and waits until it is applied. Unavailable when this
  // node is not the leader, the entry was replaced by another term's, the node shuts
  // down, or the timeout passes (then the command may still be applied later).
  Status Propose(std::string command);
  // Hands a message from a peer to the loop.
  void Step(Message m);
  bool IsLeader() const { return is_leader_.load(); }
  // The leader lease: true while this node leads and a quorum acknowledged a heartbeat
  // it sent less than lease_duration() ago. A follower that acknowledged one ignores
  // votes for an election timeout (check-quorum), and a node ignores them for an
  // election timeout after it starts, so no other leader can exist before the lease
  // ends: the local state machine is current for reads. Renewed by a ReadIndex round
  // every tick; dropped when a leadership transfer starts.
  bool HasLeaderLease() const;
  // Returns Ok once this node is known to still lead: at once while the lease holds,
  // else after a ReadIndex round (ReadBarrier) of at most an election timeout.
  // Unavailable when it does not lead.
  Status ConfirmLeadership();
  // (election_tick - 2) ticks less 10% for clock drift: ticks may bunch after a late
  // loop (the tick schedule catches up one tick at a time). Zero: no lease.
  std::chrono::nanoseconds lease_duration() const { return lease_duration_; }

  // A fresh node with no membership (it will join a cluster) stays a follower with an
  // empty log until a leader contacts it. Bootstrap makes it the single voter of a new
  // cluster (Member{options.id, options.name, options.address}; a cluster should use
  // id = MemberId(name)); PreconditionFailed when it already has a membership, a log, a
  // term, or static peers.
  Status Bootstrap();
  // The membership at the applied index.
  std::vector<Member> Members();
  // Adds a learner, promotes/demotes (AddMember with a different voter flag), or
  // removes a member; waits until the change is applied. One at a time
  // (PreconditionFailed while another is pending). Unavailable when not the leader;
  // InvalidArgument for a change that makes no sense. member.id kNone: MemberId(name).
  Status AddMember(const Member& member);
  Status RemoveMember(uint64_t id);
  // Hands leadership to `to` (kNone: the most up-to-date voter) and waits until this
  // node is no longer leader, or `timeout`.
  Status TransferLeadership(uint64_t to, std::chrono::milliseconds timeout);
  // Linearizable read barrier (ReadIndex): returns Ok once this node's state machine has
  // applied everything committed before the call and leadership was confirmed by a
  // quorum. Unavailable without a leader or on timeout.
  Status ReadBarrier(std::chrono::milliseconds timeout);
  NodeStatus GetStatus();

  // sys/storage/raft/snapshot: a consistent stream of the state machine (its meta:
  // applied index/term and membership), without holding it in memory.
  Result<SnapshotMeta> SaveSnapshot(const SnapshotSink& sink);
  // Restore on the leader: reads and verifies the whole stream into a staging file
  // first (Corruption for a damaged or truncated one: nothing changes), then replicates
  // its data through the log and switches every replica's data to it in one applied
  // entry. The membership stays the current one.
  // `check`, when set, sees every data record of the verified stream before anything is
  // proposed; an error from it refuses the restore.
  Status RestoreSnapshot(
      const SnapshotSource& source,
      const std::function<Status(std::string_view key, std::string_view value)>& check = {});

  // From the transport: the stream for MsgSnap `m`, saved in `path`. The node takes the
  // file: it verifies it (a damaged one is logged and deleted), steps `m` with the meta
  // of the file's header, and deletes the file once installed (or at the next Open).
  void ReceiveSnapshot(Message m, std::string path);
  void ReportSnapshot(uint64_t to, bool failed);
  void ReportUnreachable(uint64_t to);
  // Stops the loop and fails every queued or unapplied proposal with Unavailable.
  // Idempotent.
  void Shutdown();

  // Safe for concurrent reads; written only by the loop.
  StateMachine& state_machine() { return *fsm_; }
  // Ready batches whose writes were synced (one fdatasync each unless unsafe_wal_no_sync).
  uint64_t sync_count() const { return sync_count_.load(); }
  // Entries this process applied to the state machine (replays skipped by
  // Config::applied are not counted).
  uint64_t apply_count() const { return apply_count_.load(); }
  // A sticky error from the WAL or the state machine that stopped the loop.
  Status error() const;

 private:
  struct Proposal {
    std::string command;
    // Set for a membership change: proposed with Raft::ProposeConfChange instead.
    std::optional<ConfChange> conf_change;
    uint64_t index = 0;
    uint64_t term = 0;
    bool done = false;
    Status status;
  };
  using ProposalPtr = std::shared_ptr<Proposal>;
  struct ReadRequest {
    std::string context;
    uint64_t index = 0;  // from the ReadState
    bool ready = false;  // the ReadState arrived
    bool done = false;
    bool abandoned = false;  // the caller timed out
  };
  using ReadPtr = std::shared_ptr<ReadRequest>;
  using Task = std::function<void()>;

  Node(NodeOptions options, std::unique_ptr<Wal> wal, std::unique_ptr<StateMachine> fsm);
  Config MakeConfig(const std::vector<uint64_t>& peers) const;
  void Run();
  void RunStep(const std::deque<ProposalPtr>& proposals);
  Status HandleReadies();
  Status InstallSnapshot(const SnapshotMeta& meta);
  void SendMessages(std::vector<Message> messages);
  Status ApplyEntries(const std::vector<Entry>& entries);
  Status ApplyConfChangeEntry(const Entry& e);
  Status MaybeCompact();
  void CompleteReads();
  void DropStaleSnapshotFiles();  // requires mu_
  void UpdateLeadership();
  void EmitMetrics();  // telemetry collector: raft_storage.stats.*, raft.leader.lastContact
  void RenewLease();   // loop thread
  bool IgnoredAtBoot(const Message& m) const;  // loop thread
  Status DoBootstrap();
  // Queues `task` for the loop thread and waits until it ran; false if the node stopped.
  bool RunOnLoop(Task task);
  void PostToLoop(Task task);
  // Proposes through the queue and waits until applied (Propose's contract).
  Status ProposeAndWait(ProposalPtr p);
  void Complete(const ProposalPtr& p, Status status);  // requires mu_
  void FailAll(const Status& status);                  // requires mu_

  const NodeOptions options_;
  std::unique_ptr<Wal> wal_;
  std::unique_ptr<StateMachine> fsm_;
  std::unique_ptr<Raft> raft_;               // loop thread only (and Open before it starts)
  std::map<uint64_t, ProposalPtr> waiting_;  // by log index; loop thread only
  std::map<std::string, ReadPtr> reads_;     // by context; loop thread only
  int metrics_collector_ = 0;
  StateType last_state_ = StateType::kFollower;  // for the raft.state.* counters; loop thread
  bool leading_ = false;                         // what on_leadership last said; loop thread
  uint64_t read_seq_ = 0;                        // guarded by mu_

  mutable std::mutex mu_;
  std::condition_variable loop_cv_;  // work for the loop
  std::condition_variable done_cv_;  // a proposal completed or queue space freed
  std::deque<ProposalPtr> queue_;    // guarded by mu_
  std::vector<Message> inbox_;       // guarded by mu_
  std::deque<std::pair<Task, std::shared_ptr<bool>>> tasks_;  // guarded by mu_
  // Received snapshot files by snapshot index, until installed; guarded by mu_.
  std::map<uint64_t, std::string> snapshot_files_;
  // When each peer's last message arrived; guarded by mu_.
  std::map<uint64_t, std::chrono::steady_clock::time_point> last_contact_;
  bool stopping_ = false;  // guarded by mu_
  Status error_;           // guarded by mu_

  std::atomic<bool> is_leader_{false};
  // steady_clock nanoseconds since epoch; written by the loop, read by any thread.
  std::atomic<int64_t> lease_until_{0};
  std::chrono::nanoseconds lease_duration_{0};
  std::chrono::steady_clock::time_point started_;
  std::atomic<uint64_t> sync_count_{0};
  std::atomic<uint64_t> apply_count_{0};
  std::thread loop_;
};

// storage::Backend over a Node. Open bootstraps a fresh node that has no transport (a
// single-node server). Writes are validated, encoded with EncodeBatch and proposed; they
// return once applied. Reads go to the local state machine, which holds
// every write acknowledged by this node: linearizable for a single node. With more nodes
// the caller confirms leadership first (Node::ConfirmLeadership; the core does it for
// every request it serves).
class RaftBackend : public Backend {
 public:
  static Result<std::unique_ptr<RaftBackend>> Open(const std::string& dir, NodeOptions options);
  explicit RaftBackend(std::unique_ptr<Node> node) : node_(std::move(node)) {}

  Result<std::optional<std::string>> Get(std::string_view key) override;
  Status Put(std::string_view key, std::string_view value) override;
  Status Delete(std::string_view key) override;
  Result<std::vector<std::string>> List(std::string_view prefix) override;
  Status Batch(std::span<const Op> ops) override;

  Node& node() { return *node_; }

 private:
  std::unique_ptr<Node> node_;
};

}  // namespace coffer::storage::raft
