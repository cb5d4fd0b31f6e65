#include "storage/raft/node.h"

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <utility>

#include "base/log.h"
#include "storage/keys.h"
#include "telemetry/metrics.h"

namespace coffer::storage::raft {

namespace {
// ReadIndex contexts of the lease rounds: the prefix and the send time (steady_clock ns).
constexpr std::string_view kLeasePrefix = "lease-";
}  // namespace

Result<std::unique_ptr<Node>> Node::Open(const std::string& dir, NodeOptions options) {
  if (options.id == kNone) return Err(InvalidArgument("raft: node id must be non-zero"));
  if (options.peers.size() > 1 && options.transport == nullptr) {
    return Err(InvalidArgument("raft: a transport is required with more than one peer"));
  }
  if (options.snapshot_dir.empty()) options.snapshot_dir = dir + "/snapshots";
  std::error_code ec;
  std::filesystem::create_directories(options.snapshot_dir, ec);
  if (ec) return Err(IoError("raft: create " + options.snapshot_dir + ": " + ec.message()));
  // Staged snapshots do not outlive the process that received them.
  for (const auto& f : std::filesystem::directory_iterator(options.snapshot_dir, ec)) {
    const std::string name = f.path().filename().string();
    if (name.ends_with(".snap") || name.ends_with(".snap.tmp")) std::filesystem::remove(f, ec);
  }
  WalOptions wal_opts;
  wal_opts.segment_bytes = options.wal_segment_bytes;
  COFFER_ASSIGN_OR_RETURN(auto wal, Wal::Open(dir + "/wal", wal_opts));
  StateMachineOptions fsm_opts;
  fsm_opts.map_size = options.fsm_map_size;
  fsm_opts.no_sync = options.fsm_no_sync;
  COFFER_ASSIGN_OR_RETURN(auto fsm, StateMachine::Open(dir + "/fsm", fsm_opts));
  const uint64_t applied = fsm->AppliedIndex();
  if (applied > wal->hard_state().commit) {
    // A snapshot was installed in the state machine and the crash came before the WAL
    // recorded it: the state machine is authoritative up to its applied index.
    HardState hs = wal->hard_state();
    hs.term = std::max(hs.term, fsm->AppliedTerm());
    hs.commit = applied;
    COFFER_RETURN_IF_ERROR(
        wal->ApplySnapshot(SnapshotMeta{applied, fsm->AppliedTerm(), fsm->membership().conf}));
    COFFER_RETURN_IF_ERROR(wal->SetHardState(hs));
    COFFER_RETURN_IF_ERROR(wal->Sync());
  }
  if (applied < wal->Snapshot().index) {
    return Err(Corruption("raft: state machine applied index " + std::to_string(applied) +
                          " is before the WAL's compaction point " +
                          std::to_string(wal->Snapshot().index) + " (state machine lost?)"));
  }
  std::unique_ptr<Node> node(new Node(std::move(options), std::move(wal), std::move(fsm)));
  const Membership membership = node->fsm_->membership();
  if (node->options_.transport != nullptr) {
    node->options_.transport->UpdatePeers(membership.members);
  }
  // A single voter needs no election timeout: it wins its own vote at once.
  if (node->raft_->conf_state().voters == std::vector<uint64_t>{node->options_.id} &&
      node->raft_->conf_state().learners.empty()) {
    node->raft_->Campaign();
  }
  COFFER_RETURN_IF_ERROR(node->HandleReadies());
  node->UpdateLeadership();
  node->loop_ = std::thread([n = node.get()] { n->Run(); });
  return node;
}

Node::Node(NodeOptions options, std::unique_ptr<Wal> wal, std::unique_ptr<StateMachine> fsm)
    : options_(std::move(options)),
      wal_(std::move(wal)),
      fsm_(std::move(fsm)),
      started_(std::chrono::steady_clock::now()) {
  if (options_.election_tick > 2) {
    lease_duration_ = std::chrono::duration_cast<std::chrono::nanoseconds>(
                          options_.tick_interval * (options_.election_tick - 2)) *
                      9 / 10;
  }
  std::vector<uint64_t> peers = options_.peers;
  // A log written before memberships were recorded belongs to a single voter.
  if (peers.empty() && fsm_->membership().empty() && wal_->LastIndex() > 0) {
    peers = {options_.id};
  }
  raft_ = std::make_unique<Raft>(MakeConfig(peers));
  metrics_collector_ = telemetry::RegisterCollector([this] { EmitMetrics(); });
}

void Node::EmitMetrics() {
  NodeStatus st = GetStatus();
  StateMachine::Stats fsm = fsm_->GetStats();
  auto gauge = [](const char* name, uint64_t v) {
    telemetry::SetGauge(name, static_cast<double>(v));
  };
  gauge("raft_storage.stats.commit_index", st.commit_index);
  gauge("raft_storage.stats.applied_index", st.applied_index);
  gauge("raft_storage.stats.last_index", st.last_index);
  gauge("raft_storage.stats.snapshot_index", st.snapshot_index);
  gauge("raft_storage.stats.fsm_map_size_bytes", fsm.map_size_bytes);
  gauge("raft_storage.stats.fsm_used_bytes", fsm.used_bytes);
  gauge("raft_storage.stats.fsm_entries", fsm.entries);
  gauge("raft_storage.stats.wal_segments", st.wal_segments);
  gauge("raft.term", st.term);
  gauge("raft.peers", st.peers.size());
  if (st.state != StateType::kLeader) return;
  // hashicorp/raft samples the time since each follower was last heard from.
  for (const PeerStatus& p : st.peers) {
    if (p.member.id == st.id || p.since_last_contact == std::chrono::milliseconds::max()) continue;
    telemetry::AddSample("raft.leader.lastContact",
                         static_cast<double>(p.since_last_contact.count()));
  }
}

Config Node::MakeConfig(const std::vector<uint64_t>& peers) const {
  Config config;
  config.id = options_.id;
  config.conf = fsm_->membership().conf;
  config.peers = peers;
  config.election_tick = options_.election_tick;
  config.heartbeat_tick = options_.heartbeat_tick;
  config.pre_vote = true;
  config.check_quorum = true;
  config.seed = static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
  config.storage = wal_.get();
  config.applied = fsm_->AppliedIndex();
  return config;
}

Node::~Node() { Shutdown(); }

void Node::Shutdown() {
  telemetry::UnregisterCollector(metrics_collector_);  // waits for a running EmitMetrics
  metrics_collector_ = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  loop_cv_.notify_all();
  if (loop_.joinable()) loop_.join();
  std::lock_guard<std::mutex> lock(mu_);
  is_leader_ = false;
  FailAll(Unavailable("raft: node shutting down"));
  for (auto& [task, done] : tasks_) *done = true;  // never run
  tasks_.clear();
  done_cv_.notify_all();
}

Status Node::error() const {
  std::lock_guard<std::mutex> lock(mu_);
  return error_;
}

Status Node::Propose(std::string command) {
  auto p = std::make_shared<Proposal>();
  p->command = std::move(command);
  telemetry::IncrCounter("raft.apply");
  auto start = std::chrono::steady_clock::now();
  Status st = ProposeAndWait(std::move(p));
  // hashicorp/raft's commitTime is dispatch to commit; here it runs to the entry's apply,
  // which is when the proposer learns of the commit.
  if (st.ok()) telemetry::MeasureSince("raft.commitTime", start);
  return st;
}

Status Node::ProposeAndWait(ProposalPtr p) {
  const auto deadline = std::chrono::steady_clock::now() + options_.propose_timeout;
  std::unique_lock<std::mutex> lock(mu_);
  if (!done_cv_.wait_until(lock, deadline, [&] {
        return stopping_ || queue_.size() < options_.max_queued_proposals;
      })) {
    return Unavailable("raft: proposal queue full");
  }
  if (!error_.ok()) return error_;
  if (stopping_) return Unavailable("raft: node shutting down");
  queue_.push_back(p);
  loop_cv_.notify_one();
  if (!done_cv_.wait_until(lock, deadline, [&] { return p->done; })) {
    return Unavailable("raft: proposal timed out; it may still be applied");
  }
  return p->status;
}

void Node::Step(Message m) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return;
    if (m.type == MessageType::kMsgSnap) return;  // only through ReceiveSnapshot
    if (m.from != kNone) last_contact_[m.from] = std::chrono::steady_clock::now();
    inbox_.push_back(std::move(m));
  }
  loop_cv_.notify_one();
}

bool Node::RunOnLoop(Task task) {
  auto done = std::make_shared<bool>(false);
  bool ran = false;  // written by the loop before it sets *done under mu_
  std::unique_lock<std::mutex> lock(mu_);
  if (stopping_) return false;
  tasks_.emplace_back(
      [&ran, t = std::move(task)] {
        t();
        ran = true;
      },
      done);
  loop_cv_.notify_one();
  done_cv_.wait(lock, [&] { return *done; });
  return ran;
}

void Node::PostToLoop(Task task) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return;
    tasks_.emplace_back(std::move(task), std::make_shared<bool>(false));
  }
  loop_cv_.notify_one();
}

void Node::Complete(const ProposalPtr& p, Status status) {
  if (p->done) return;
  p->done = true;
  p->status = std::move(status);
}

void Node::FailAll(const Status& status) {
  for (auto& p : queue_) Complete(p, status);
  queue_.clear();
  for (auto& [index, p] : waiting_) Complete(p, status);
  waiting_.clear();
  for (auto& [context, r] : reads_) r->done = true;
  done_cv_.notify_all();
}

void Node::Run() {
  auto next_tick = std::chrono::steady_clock::now() + options_.tick_interval;
  std::deque<ProposalPtr> proposals;
  std::vector<Message> inbox;
  std::deque<std::pair<Task, std::shared_ptr<bool>>> tasks;
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      loop_cv_.wait_until(lock, next_tick, [&] {
        return stopping_ || !queue_.empty() || !inbox_.empty() || !tasks_.empty();
      });
      if (stopping_) return;
      proposals.swap(queue_);
      inbox.swap(inbox_);
      tasks.swap(tasks_);
    }
    done_cv_.notify_all();  // queue space freed
    const auto now = std::chrono::steady_clock::now();
    if (now >= next_tick) {
      raft_->Tick();
      RenewLease();
      next_tick += options_.tick_interval;
      if (next_tick < now) next_tick = now + options_.tick_interval;
    }
    for (const Message& m : inbox) {
      if (!IgnoredAtBoot(m)) raft_->Step(m);
    }
    inbox.clear();
    for (auto& [task, done] : tasks) task();
    RunStep(proposals);
    proposals.clear();
    Status st = HandleReadies();
    if (st.ok()) UpdateLeadership();
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (auto& [task, done] : tasks) *done = true;
      if (!st.ok()) {
        // After a failed write or fdatasync the durable state is unknown: stop for good.
        log::Error("raft", "node stopped", {{"error", st.ToString()}});
        error_ = st;
        stopping_ = true;
        is_leader_ = false;
        FailAll(st);
        for (auto& [task, done] : tasks_) *done = true;  // never run
        tasks_.clear();
      }
      DropStaleSnapshotFiles();
      done_cv_.notify_all();
    }
    tasks.clear();
    if (!st.ok()) {
      if (options_.on_stopped) options_.on_stopped(st);
      return;
    }
  }
}

// Hands the queued proposals to Raft and registers them by log index.
void Node::RunStep(const std::deque<ProposalPtr>& proposals) {
  std::vector<std::pair<ProposalPtr, Status>> rejected;
  for (const ProposalPtr& p : proposals) {
    Status st =
        p->conf_change ? raft_->ProposeConfChange(*p->conf_change) : raft_->Propose(p->command);
    if (!st.ok()) {
      rejected.emplace_back(p, std::move(st));
      continue;
    }
    p->index = raft_->log().LastIndex();
    p->term = raft_->term();
    p->command.clear();
    auto [it, inserted] = waiting_.try_emplace(p->index, p);
    if (!inserted) {  // our older entry at this index was truncated away
      rejected.emplace_back(it->second,
                            Unavailable("raft: proposal replaced by another leader's entry"));
      it->second = p;
    }
  }
  if (!rejected.empty()) {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& [p, st] : rejected) Complete(p, std::move(st));
    done_cv_.notify_all();
  }
}

Status Node::HandleReadies() {
  while (raft_->HasReady()) {
    Ready rd = raft_->GetReady();
    // A leader replicates in parallel with its own disk write (Raft thesis §10.2.1, as
    // etcd's server does): its appends and heartbeats go out first. Safe in this loop:
    // an entry commits only once acknowledgements are stepped in, after this Ready's
    // sync, so the leader's own copy is durable before it counts toward a quorum.
    if (raft_->state() == StateType::kLeader && !rd.messages.empty()) {
      std::vector<Message> early;
      std::vector<Message> rest;
      for (Message& m : rd.messages) {
        bool replication = m.type == MessageType::kMsgApp || m.type == MessageType::kMsgHeartbeat;
        (replication ? early : rest).push_back(std::move(m));
      }
      rd.messages = std::move(rest);
      SendMessages(std::move(early));
    }
    if (rd.snapshot) COFFER_RETURN_IF_ERROR(InstallSnapshot(*rd.snapshot));
    if (!rd.entries.empty()) COFFER_RETURN_IF_ERROR(wal_->Append(rd.entries));
    if (rd.hard_state) COFFER_RETURN_IF_ERROR(wal_->SetHardState(*rd.hard_state));
    if (rd.snapshot || !rd.entries.empty() || rd.hard_state) {
      if (!options_.unsafe_wal_no_sync || rd.snapshot) COFFER_RETURN_IF_ERROR(wal_->Sync());
      ++sync_count_;
    }
    SendMessages(std::move(rd.messages));
    for (const ReadState& rs : rd.read_states) {
      if (rs.context.starts_with(kLeasePrefix)) {
        // A quorum acknowledged the heartbeat sent at the time in the context.
        if (raft_->state() == StateType::kLeader && raft_->lead_transferee() == kNone) {
          const int64_t until =
              std::stoll(rs.context.substr(kLeasePrefix.size())) + lease_duration_.count();
          if (until > lease_until_.load()) lease_until_ = until;
        }
        continue;
      }
      auto it = reads_.find(rs.context);
      if (it == reads_.end()) continue;
      it->second->index = rs.index;
      it->second->ready = true;
    }
    COFFER_RETURN_IF_ERROR(ApplyEntries(rd.committed_entries));
    raft_->Advance(rd);
    if (!rd.committed_entries.empty()) COFFER_RETURN_IF_ERROR(MaybeCompact());
    CompleteReads();
  }
  return Status::Ok();
}

// Ready::snapshot: the file ReceiveSnapshot verified goes into the state machine, then
// the WAL drops its log for it (synced by the caller before any message is sent).
Status Node::InstallSnapshot(const SnapshotMeta& meta) {
  telemetry::ScopedTimer timer("raft.fsm.restore");
  std::string path;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = snapshot_files_.find(meta.index);
    if (it == snapshot_files_.end()) {
      return Internal("raft: no received file for snapshot " + std::to_string(meta.index));
    }
    path = it->second;
  }
  COFFER_ASSIGN_OR_RETURN(SnapshotHeader header, fsm_->InstallFile(path));
  if (header.meta.index != meta.index || header.meta.term != meta.term) {
    return Internal("raft: snapshot file changed since it was received");
  }
  COFFER_RETURN_IF_ERROR(fsm_->Sync());  // the WAL forgets the log below it next
  COFFER_RETURN_IF_ERROR(wal_->ApplySnapshot(meta));
  {
    std::lock_guard<std::mutex> lock(mu_);
    DropStaleSnapshotFiles();
  }
  log::Info("raft", "installed snapshot",
            {{"index", std::to_string(meta.index)}, {"term", std::to_string(meta.term)}});
  if (options_.transport != nullptr) options_.transport->UpdatePeers(header.members);
  return Status::Ok();
}

// Received snapshots the core did not install (stale, or its log already held them).
// Requires mu_.
void Node::DropStaleSnapshotFiles() {
  const uint64_t applied = fsm_->AppliedIndex();
  for (auto it = snapshot_files_.begin(); it != snapshot_files_.end() && it->first <= applied;) {
    ::unlink(it->second.c_str());
    it = snapshot_files_.erase(it);
  }
}

void Node::SendMessages(std::vector<Message> messages) {
  if (messages.empty() || options_.transport == nullptr) return;
  std::vector<Message> plain;
  for (Message& m : messages) {
    if (m.type != MessageType::kMsgSnap) {
      plain.push_back(std::move(m));
      continue;
    }
    // The stream is a consistent read of the state machine at its applied index (at or
    // past the compaction point the core asked for); the receiver takes the meta from the
    // stream's header, so meta and data always match.
    options_.transport->SendSnapshot(std::move(m), [this](const SnapshotSink& sink) -> Status {
      auto header = fsm_->WriteSnapshot(sink);
      return header ? Status::Ok() : header.error();
    });
  }
  if (!plain.empty()) options_.transport->Send(std::move(plain));
}

Status Node::ApplyEntries(const std::vector<Entry>& entries) {
  if (entries.empty()) return Status::Ok();
  std::vector<std::pair<ProposalPtr, Status>> finished;
  for (const Entry& e : entries) {
    if (e.type == EntryType::kConfigChange) {
      COFFER_RETURN_IF_ERROR(ApplyConfChangeEntry(e));
    } else {
      COFFER_RETURN_IF_ERROR(fsm_->Apply(e.index, e.term, e.data));
    }
    ++apply_count_;
    // Every proposal at or before this index is decided: its entry is this one or was
    // replaced by an entry of another term.
    while (!waiting_.empty() && waiting_.begin()->first <= e.index) {
      ProposalPtr p = waiting_.begin()->second;
      waiting_.erase(waiting_.begin());
      if (p->index == e.index && p->term == e.term) {
        finished.emplace_back(std::move(p), Status::Ok());
      } else {
        finished.emplace_back(std::move(p),
                              Unavailable("raft: proposal replaced by another leader's entry"));
      }
    }
  }
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& [p, st] : finished) Complete(p, std::move(st));
  done_cv_.notify_all();
  return Status::Ok();
}

// A conf-change entry: the core's membership and the state machine's record (with the
// applied index, one transaction) change in the same apply step.
Status Node::ApplyConfChangeEntry(const Entry& e) {
  Membership next = fsm_->membership();
  Result<ConfChange> cc = DecodeConfChange(e.data);
  if (!cc) {
    log::Warn("raft", "undecodable conf change applied without effect",
              {{"index", std::to_string(e.index)}});
    return fsm_->ApplyMembership(e.index, e.term, next);
  }
  next.conf = raft_->ApplyConfChange(*cc);
  const uint64_t id = cc->node_id;
  std::optional<Member> old;
  if (const Member* m = next.Find(id)) old = *m;
  std::erase_if(next.members, [&](const Member& m) { return m.id == id; });
  if (cc->type != ConfChangeType::kRemoveNode && id != kNone) {
    Member m = old.value_or(Member{id, "", "", true});
    if (Result<Member> given = DecodeMember(cc->context); given) {
      m.name = given->name;
      m.address = given->address;
    }
    m.id = id;
    m.voter = cc->type == ConfChangeType::kAddVoter;
    next.members.push_back(std::move(m));
    std::sort(next.members.begin(), next.members.end(),
              [](const Member& a, const Member& b) { return a.id < b.id; });
  }
  COFFER_RETURN_IF_ERROR(fsm_->ApplyMembership(e.index, e.term, next));
  if (options_.transport != nullptr) options_.transport->UpdatePeers(next.members);
  return Status::Ok();
}

// Once snapshot_threshold entries were applied past the compaction point, the state
// machine is flushed (it holds them) and the WAL keeps only trailing_logs of them.
Status Node::MaybeCompact() {
  const uint64_t applied = raft_->log().applied();
  const uint64_t point = wal_->Snapshot().index;
  if (applied < point + std::max<uint64_t>(options_.snapshot_threshold, 1)) return Status::Ok();
  if (applied <= options_.trailing_logs) return Status::Ok();
  const uint64_t target = std::min(applied - options_.trailing_logs, wal_->LastIndex());
  if (target <= point) return Status::Ok();
  // The state machine is the snapshot (LMDB); taking one is syncing it and compacting the log.
  telemetry::ScopedTimer timer("raft.snapshot.persist");
  COFFER_RETURN_IF_ERROR(fsm_->Sync());
  COFFER_RETURN_IF_ERROR(wal_->Compact(target));
  return wal_->Sync();
}

void Node::CompleteReads() {
  if (reads_.empty()) return;
  const uint64_t applied = raft_->log().applied();
  bool any = false;
  std::lock_guard<std::mutex> lock(mu_);
  for (auto it = reads_.begin(); it != reads_.end();) {
    ReadRequest& r = *it->second;
    if (r.ready && applied >= r.index) {
      r.done = true;
      any = true;
    }
    if (r.done || r.abandoned) {
      it = reads_.erase(it);
    } else {
      ++it;
    }
  }
  if (any) done_cv_.notify_all();
}

// Leadership as the rest of the server sees it: a leader counts once it applied an entry
// of its term (so its state machine holds everything committed before it).
void Node::UpdateLeadership() {
  // hashicorp/raft's state counters: one per transition into the state.
  if (raft_->state() != last_state_) {
    last_state_ = raft_->state();
    if (last_state_ == StateType::kCandidate) telemetry::IncrCounter("raft.state.candidate");
    if (last_state_ == StateType::kLeader) telemetry::IncrCounter("raft.state.leader");
    if (last_state_ == StateType::kFollower) telemetry::IncrCounter("raft.state.follower");
  }
  const bool leading = raft_->state() == StateType::kLeader && fsm_->AppliedTerm() == raft_->term();
  // A transferee may be elected at once (MsgTimeoutNow lifts the followers' lease).
  if (!leading || raft_->lead_transferee() != kNone) lease_until_ = 0;
  if (leading == leading_) return;
  leading_ = leading;
  is_leader_ = leading;
  if (options_.on_leadership) options_.on_leadership(leading, raft_->term());
  std::lock_guard<std::mutex> lock(mu_);
  done_cv_.notify_all();
}

// Every tick a leader sends a ReadIndex whose context is the send time; the ReadState
// that answers it (a quorum acknowledged a heartbeat carrying it) extends the lease.
void Node::RenewLease() {
  if (!leading_ || lease_duration_.count() == 0 || raft_->lead_transferee() != kNone) return;
  const int64_t now = std::chrono::steady_clock::now().time_since_epoch().count();
  raft_->ReadIndex(std::string(kLeasePrefix) + std::to_string(now));
}

// The other half of the lease after a restart: a node that acknowledged a leader's
// heartbeat and restarted at once has forgotten it heard from a leader, so for an
// election timeout after it starts it ignores votes (except a transferee's), as
// check-quorum makes it do after a heartbeat.
bool Node::IgnoredAtBoot(const Message& m) const {
  if (m.type != MessageType::kMsgVote && m.type != MessageType::kMsgPreVote) return false;
  if (m.context == Raft::kTransferContext) return false;
  return std::chrono::steady_clock::now() <
         started_ + options_.tick_interval * options_.election_tick;
}

bool Node::HasLeaderLease() const {
  if (!is_leader_.load()) return false;
  const int64_t now = std::chrono::steady_clock::now().time_since_epoch().count();
  return now < lease_until_.load();
}

Status Node::ConfirmLeadership() {
  if (HasLeaderLease()) return Status::Ok();
  if (!is_leader_.load()) return Unavailable("raft: not the leader");
  COFFER_RETURN_IF_ERROR(ReadBarrier(options_.tick_interval * options_.election_tick));
  if (!is_leader_.load()) return Unavailable("raft: not the leader");
  return Status::Ok();
}

Result<std::unique_ptr<RaftBackend>> RaftBackend::Open(const std::string& dir,
                                                       NodeOptions options) {
  const bool standalone = options.transport == nullptr;
  COFFER_ASSIGN_OR_RETURN(auto node, Node::Open(dir, std::move(options)));
  // Without a transport a node can only ever be a single voter: a fresh one bootstraps.
  if (standalone) {
    Status st = node->Bootstrap();
    if (!st.ok() && st.code() != StatusCode::kPreconditionFailed) return Err(std::move(st));
  }
  return std::make_unique<RaftBackend>(std::move(node));
}

Result<std::optional<std::string>> RaftBackend::Get(std::string_view key) {
  return node_->state_machine().Get(key);
}

Result<std::vector<std::string>> RaftBackend::List(std::string_view prefix) {
  return node_->state_machine().List(prefix);
}

Status RaftBackend::Put(std::string_view key, std::string_view value) {
  const Op ops[] = {Op::Put(std::string(key), std::string(value))};
  return Batch(ops);
}

Status RaftBackend::Delete(std::string_view key) {
  const Op ops[] = {Op::Delete(std::string(key))};
  return Batch(ops);
}

Status RaftBackend::Batch(std::span<const Op> ops) {
  COFFER_RETURN_IF_ERROR(ValidateOps(ops));
  if (ops.empty()) return Status::Ok();
  return node_->Propose(EncodeBatch(ops));
}

}  // namespace coffer::storage::raft
