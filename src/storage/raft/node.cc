#include "storage/raft/node.h"

#include <utility>

#include "storage/keys.h"

namespace coffer::storage::raft {

Result<std::unique_ptr<Node>> Node::Open(const std::string& dir, NodeOptions options) {
  if (options.id == kNone) return Err(InvalidArgument("raft: node id must be non-zero"));
  if (options.peers.empty()) options.peers = {options.id};
  if (options.peers.size() > 1 && options.transport == nullptr) {
    return Err(InvalidArgument("raft: a transport is required with more than one peer"));
  }
  WalOptions wal_opts;
  wal_opts.segment_bytes = options.wal_segment_bytes;
  COFFER_ASSIGN_OR_RETURN(auto wal, Wal::Open(dir + "/wal", wal_opts));
  StateMachineOptions fsm_opts;
  fsm_opts.map_size = options.fsm_map_size;
  fsm_opts.no_sync = options.fsm_no_sync;
  COFFER_ASSIGN_OR_RETURN(auto fsm, StateMachine::Open(dir + "/fsm", fsm_opts));
  if (fsm->AppliedIndex() > wal->hard_state().commit) {
    return Err(Corruption("raft: state machine applied index " +
                          std::to_string(fsm->AppliedIndex()) + " is past the WAL's commit index " +
                          std::to_string(wal->hard_state().commit)));
  }
  std::unique_ptr<Node> node(new Node(std::move(options), std::move(wal), std::move(fsm)));
  // A single voter needs no election timeout: it wins its own vote at once.
  if (node->options_.peers.size() == 1) node->raft_->Campaign();
  node->is_leader_ = node->raft_->state() == StateType::kLeader;
  COFFER_RETURN_IF_ERROR(node->HandleReadies());
  node->loop_ = std::thread([n = node.get()] { n->Run(); });
  return node;
}

Node::Node(NodeOptions options, std::unique_ptr<Wal> wal, std::unique_ptr<StateMachine> fsm)
    : options_(std::move(options)), wal_(std::move(wal)), fsm_(std::move(fsm)) {
  Config config;
  config.id = options_.id;
  config.peers = options_.peers;
  config.election_tick = options_.election_tick;
  config.heartbeat_tick = options_.heartbeat_tick;
  config.pre_vote = true;
  config.check_quorum = true;
  config.seed = static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
  config.storage = wal_.get();
  config.applied = fsm_->AppliedIndex();
  raft_ = std::make_unique<Raft>(config);
}

Node::~Node() { Shutdown(); }

void Node::Shutdown() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  loop_cv_.notify_all();
  if (loop_.joinable()) loop_.join();
  std::lock_guard<std::mutex> lock(mu_);
  is_leader_ = false;
  FailAll(Unavailable("raft: node shutting down"));
}

Status Node::error() const {
  std::lock_guard<std::mutex> lock(mu_);
  return error_;
}

Status Node::Propose(std::string command) {
  auto p = std::make_shared<Proposal>();
  p->command = std::move(command);
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
    inbox_.push_back(std::move(m));
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
  done_cv_.notify_all();
}

void Node::Run() {
  auto next_tick = std::chrono::steady_clock::now() + options_.tick_interval;
  std::deque<ProposalPtr> proposals;
  std::vector<Message> inbox;
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      loop_cv_.wait_until(lock, next_tick,
                          [&] { return stopping_ || !queue_.empty() || !inbox_.empty(); });
      if (stopping_) return;
      proposals.swap(queue_);
      inbox.swap(inbox_);
    }
    done_cv_.notify_all();  // queue space freed
    const auto now = std::chrono::steady_clock::now();
    if (now >= next_tick) {
      raft_->Tick();
      next_tick += options_.tick_interval;
      if (next_tick < now) next_tick = now + options_.tick_interval;
    }
    for (const Message& m : inbox) raft_->Step(m);
    inbox.clear();
    std::vector<std::pair<ProposalPtr, Status>> rejected;
    for (auto& p : proposals) {
      Status st = raft_->Propose(p->command);
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
    proposals.clear();
    if (!rejected.empty()) {
      std::lock_guard<std::mutex> lock(mu_);
      for (auto& [p, st] : rejected) Complete(p, std::move(st));
      done_cv_.notify_all();
    }
    Status st = HandleReadies();
    is_leader_ = raft_->state() == StateType::kLeader;
    if (!st.ok()) {
      // After a failed write or fdatasync the durable state is unknown: stop for good.
      std::lock_guard<std::mutex> lock(mu_);
      error_ = st;
      stopping_ = true;
      is_leader_ = false;
      FailAll(st);
      return;
    }
  }
}

Status Node::HandleReadies() {
  while (raft_->HasReady()) {
    Ready rd = raft_->GetReady();
    if (!rd.entries.empty()) COFFER_RETURN_IF_ERROR(wal_->Append(rd.entries));
    if (rd.hard_state) COFFER_RETURN_IF_ERROR(wal_->SetHardState(*rd.hard_state));
    if (!rd.entries.empty() || rd.hard_state) {
      if (!options_.unsafe_wal_no_sync) COFFER_RETURN_IF_ERROR(wal_->Sync());
      ++sync_count_;
    }
    if (!rd.messages.empty() && options_.transport != nullptr) {
      options_.transport->Send(std::move(rd.messages));
    }
    if (!rd.committed_entries.empty()) {
      std::vector<std::pair<ProposalPtr, Status>> finished;
      for (const Entry& e : rd.committed_entries) {
        COFFER_RETURN_IF_ERROR(fsm_->Apply(e.index, e.term, e.data));
        ++apply_count_;
        // Every proposal at or before this index is decided: its entry is this one or
        // was replaced by an entry of another term.
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
    }
    raft_->Advance(rd);
  }
  return Status::Ok();
}

Result<std::unique_ptr<RaftBackend>> RaftBackend::Open(const std::string& dir,
                                                       NodeOptions options) {
  COFFER_ASSIGN_OR_RETURN(auto node, Node::Open(dir, std::move(options)));
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
