#include "storage/raft/raft.h"

#include <algorithm>
#include <utility>

namespace coffer::storage::raft {
namespace {

uint64_t SplitMix64(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

MessageType VoteRespType(MessageType t) {
  return t == MessageType::kMsgVote ? MessageType::kMsgVoteResp : MessageType::kMsgPreVoteResp;
}

// Messages that carry no term: stepped in by the driver, or forwarded to the leader.
bool IsLocal(MessageType t) {
  return t == MessageType::kMsgProp || t == MessageType::kMsgSnapStatus ||
         t == MessageType::kMsgUnreachable || t == MessageType::kMsgTransferLeader ||
         t == MessageType::kMsgReadIndex;
}

}  // namespace

const char* MessageTypeName(MessageType type) {
  switch (type) {
    case MessageType::kMsgProp:
      return "MsgProp";
    case MessageType::kMsgApp:
      return "MsgApp";
    case MessageType::kMsgAppResp:
      return "MsgAppResp";
    case MessageType::kMsgVote:
      return "MsgVote";
    case MessageType::kMsgVoteResp:
      return "MsgVoteResp";
    case MessageType::kMsgPreVote:
      return "MsgPreVote";
    case MessageType::kMsgPreVoteResp:
      return "MsgPreVoteResp";
    case MessageType::kMsgHeartbeat:
      return "MsgHeartbeat";
    case MessageType::kMsgHeartbeatResp:
      return "MsgHeartbeatResp";
    case MessageType::kMsgSnap:
      return "MsgSnap";
    case MessageType::kMsgSnapStatus:
      return "MsgSnapStatus";
    case MessageType::kMsgUnreachable:
      return "MsgUnreachable";
    case MessageType::kMsgTransferLeader:
      return "MsgTransferLeader";
    case MessageType::kMsgTimeoutNow:
      return "MsgTimeoutNow";
    case MessageType::kMsgReadIndex:
      return "MsgReadIndex";
    case MessageType::kMsgReadIndexResp:
      return "MsgReadIndexResp";
  }
  return "MsgUnknown";
}

Raft::Raft(const Config& config)
    : id_(config.id),
      election_tick_(config.election_tick),
      heartbeat_tick_(config.heartbeat_tick),
      pre_vote_(config.pre_vote),
      check_quorum_(config.check_quorum),
      max_entries_per_msg_(std::max<size_t>(config.max_entries_per_msg, 1)),
      max_inflight_msgs_(std::max<size_t>(config.max_inflight_msgs, 1)),
      // Lease-based reads are only as good as the lease check-quorum maintains.
      read_only_(config.check_quorum ? config.read_only : Config::ReadOnlyOption::kSafe),
      random_(config.random),
      prng_state_(config.seed ^ (config.id * 0x2545f4914f6cdd1dULL)),
      log_(*config.storage, config.applied) {
  if (config.conf.voters.empty() && config.conf.learners.empty()) {
    for (uint64_t p : config.peers) prs_[p] = Progress{};
  } else {
    for (uint64_t p : config.conf.voters) prs_[p] = Progress{};
    for (uint64_t p : config.conf.learners) prs_[p].learner = true;
  }
  HardState hs = config.storage->InitialHardState();
  term_ = hs.term;
  vote_ = hs.vote;
  prev_hard_state_ = hs;
  BecomeFollower(term_, kNone);
}

const Progress* Raft::progress(uint64_t peer) const {
  auto it = prs_.find(peer);
  return it == prs_.end() ? nullptr : &it->second;
}

size_t Raft::VoterCount() const {
  size_t n = 0;
  for (const auto& [peer, pr] : prs_) n += pr.learner ? 0 : 1;
  return n;
}

bool Raft::IsVoter(uint64_t id) const {
  auto it = prs_.find(id);
  return it != prs_.end() && !it->second.learner;
}

void Raft::Send(Message m) {
  if (m.from == kNone) m.from = id_;  // forwarded requests keep their origin
  // Vote traffic carries the campaign's term, forwarded local requests none; everything
  // else carries ours.
  if (m.type != MessageType::kMsgVote && m.type != MessageType::kMsgVoteResp &&
      m.type != MessageType::kMsgPreVote && m.type != MessageType::kMsgPreVoteResp &&
      !IsLocal(m.type)) {
    m.term = term_;
  }
  msgs_.push_back(std::move(m));
}

void Raft::ResetRandomizedTimeout() {
  uint64_t r = random_ ? random_() : SplitMix64(prng_state_);
  randomized_election_timeout_ = election_tick_ + static_cast<int>(r % election_tick_);
}

void Raft::Reset(uint64_t term) {
  if (term_ != term) {
    term_ = term;
    vote_ = kNone;
  }
  lead_ = kNone;
  election_elapsed_ = 0;
  heartbeat_elapsed_ = 0;
  ResetRandomizedTimeout();
  votes_.clear();
  lead_transferee_ = kNone;
  leaving_index_ = 0;
  pending_reads_.clear();
  for (auto& [peer, pr] : prs_) {
    bool learner = pr.learner;
    pr = Progress{};
    pr.learner = learner;
    pr.next = log_.LastIndex() + 1;
    if (peer == id_) pr.match = log_.LastIndex();
  }
}

void Raft::BecomeFollower(uint64_t term, uint64_t lead) {
  Reset(term);
  lead_ = lead;
  state_ = StateType::kFollower;
}

void Raft::BecomePreCandidate() {
  // Neither the term nor the vote changes: a pre-candidate disrupts no one.
  votes_.clear();
  lead_ = kNone;
  state_ = StateType::kPreCandidate;
  ResetRandomizedTimeout();
}

void Raft::BecomeCandidate() {
  Reset(term_ + 1);
  vote_ = id_;
  state_ = StateType::kCandidate;
}

void Raft::BecomeLeader() {
  Reset(term_);
  lead_ = id_;
  state_ = StateType::kLeader;
  // Any conf change in the log may be uncommitted or unapplied: none is proposed before
  // they are all applied.
  pending_conf_index_ = log_.LastIndex();
  FindLeavingChange();
  // An entry of the new term, so entries of earlier terms can commit (§5.4.2, §8).
  AppendEntries({Entry{}});
}

void Raft::Campaign() { StartCampaign(pre_vote_); }

void Raft::StartCampaign(bool pre, bool transfer) {
  if (!IsVoter(id_)) return;  // learners and removed nodes never campaign
  uint64_t campaign_term;
  MessageType type;
  if (pre) {
    BecomePreCandidate();
    campaign_term = term_ + 1;
    type = MessageType::kMsgPreVote;
  } else {
    BecomeCandidate();
    campaign_term = term_;
    type = MessageType::kMsgVote;
  }
  votes_[id_] = true;
  if (votes_.size() >= Quorum()) {  // single-node cluster
    pre ? StartCampaign(false) : BecomeLeader();
    return;
  }
  for (const auto& [peer, pr] : prs_) {
    if (peer == id_ || pr.learner) continue;
    Message m;
    m.type = type;
    m.to = peer;
    m.term = campaign_term;
    m.index = log_.LastIndex();
    m.log_term = log_.LastTerm();
    if (transfer) m.context = kTransferContext;
    Send(std::move(m));
  }
}

void Raft::Tick() {
  ++election_elapsed_;
  if (state_ != StateType::kLeader) {
    // A learner's or removed node's clock keeps running: the lease it grants a leader it
    // no longer hears from must expire.
    if (election_elapsed_ >= randomized_election_timeout_ && IsVoter(id_)) {
      election_elapsed_ = 0;
      Campaign();
    }
    return;
  }
  ++heartbeat_elapsed_;
  if (election_elapsed_ >= election_tick_) {
    election_elapsed_ = 0;
    if (check_quorum_ && !QuorumActive()) {
      BecomeFollower(term_, kNone);
      return;
    }
    // A transfer that did not finish within an election timeout is abandoned.
    AbortLeaderTransfer();
  }
  if (heartbeat_elapsed_ >= heartbeat_tick_) {
    heartbeat_elapsed_ = 0;
    BroadcastHeartbeat();
  }
}

bool Raft::QuorumActive() {
  size_t active = 0;
  for (auto& [peer, pr] : prs_) {
    if (!pr.learner && (peer == id_ || pr.recent_active)) ++active;
    pr.recent_active = false;
  }
  return active >= Quorum();
}

void Raft::Step(const Message& m) {
  bool is_vote = m.type == MessageType::kMsgVote || m.type == MessageType::kMsgPreVote;
  if (IsLocal(m.type)) {
    // Local (or forwarded local) message, no term.
  } else if (m.term > term_) {
    bool transfer = m.type == MessageType::kMsgVote && m.context == kTransferContext;
    if (is_vote && !transfer && check_quorum_ && lead_ != kNone &&
        election_elapsed_ < election_tick_) {
      // We heard from a live leader within the minimum election timeout: ignore (§6).
      // A leader handing over (MsgTimeoutNow) lifts the lease for its transferee.
      return;
    }
    if (m.type == MessageType::kMsgPreVote ||
        (m.type == MessageType::kMsgPreVoteResp && !m.reject)) {
      // Pre-vote traffic never changes our term; a granted pre-vote is counted below.
    } else if (m.type == MessageType::kMsgApp || m.type == MessageType::kMsgHeartbeat ||
               m.type == MessageType::kMsgSnap) {
      BecomeFollower(m.term, m.from);
    } else {
      BecomeFollower(m.term, kNone);
    }
  } else if (m.term < term_) {
    if ((check_quorum_ || pre_vote_ || !IsVoter(id_)) &&
        (m.type == MessageType::kMsgApp || m.type == MessageType::kMsgHeartbeat ||
         m.type == MessageType::kMsgSnap)) {
      // A stale leader cut off from us: tell it our term so it steps down. Without this a
      // node that pre-votes forever at a higher term could never rejoin, nor a learner
      // whose term a removed node's campaign raised (it never campaigns itself).
      Message resp;
      resp.type = MessageType::kMsgAppResp;
      resp.to = m.from;
      Send(std::move(resp));
    } else if (is_vote) {
      // Rejected with our term (§5.1), so a candidate behind us catches up: one whose
      // membership lacks us would otherwise never hear of our term.
      Message resp;
      resp.type = VoteRespType(m.type);
      resp.to = m.from;
      resp.term = term_;
      resp.reject = true;
      Send(std::move(resp));
    }
    return;
  }

  if (is_vote) {
    HandleVoteRequest(m);
    return;
  }
  switch (state_) {
    case StateType::kLeader:
      StepLeader(m);
      break;
    case StateType::kPreCandidate:
    case StateType::kCandidate:
      StepCandidate(m);
      break;
    case StateType::kFollower:
      StepFollower(m);
      break;
  }
}

void Raft::HandleVoteRequest(const Message& m) {
  bool can_vote = vote_ == m.from || (vote_ == kNone && lead_ == kNone) ||
                  (m.type == MessageType::kMsgPreVote && m.term > term_);
  Message resp;
  resp.type = VoteRespType(m.type);
  resp.to = m.from;
  if (can_vote && log_.IsUpToDate(m.index, m.log_term)) {
    // A granted response carries the campaign's term so the candidate counts it.
    resp.term = m.term;
    if (m.type == MessageType::kMsgVote) {
      election_elapsed_ = 0;
      vote_ = m.from;
    }
  } else {
    resp.term = term_;
    resp.reject = true;
  }
  Send(std::move(resp));
}

Status Raft::Propose(std::string data) {
  if (state_ != StateType::kLeader) return Unavailable("raft: not the leader");
  if (lead_transferee_ != kNone) return Unavailable("raft: leadership transfer in progress");
  if (leaving_index_ != 0) return Unavailable("raft: the leader is leaving the cluster");
  Entry e;
  e.data = std::move(data);
  AppendEntries({std::move(e)});
  BroadcastAppend();
  return Status::Ok();
}

void Raft::AppendEntries(std::vector<Entry> entries) {
  uint64_t last = log_.LastIndex();
  for (auto& e : entries) {
    e.term = term_;
    e.index = ++last;
  }
  log_.Append(entries);
  auto self = prs_.find(id_);
  if (self != prs_.end()) {
    self->second.match = last;
    self->second.next = last + 1;
  }
  MaybeCommit();
}

bool Raft::MaybeCommit() {
  std::vector<uint64_t> matches;
  for (const auto& [peer, pr] : prs_) {
    if (!pr.learner) matches.push_back(pr.match);  // learners never count
  }
  if (matches.empty()) return false;
  std::sort(matches.begin(), matches.end(), std::greater<>());
  // The highest index that a quorum has matched; only a current-term entry commits.
  return log_.MaybeCommit(matches[Quorum() - 1], term_);
}

}  // namespace coffer::storage::raft
