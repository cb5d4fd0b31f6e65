// The per-role message handlers of Raft, log replication and the Ready batch.

#include <algorithm>
#include <utility>

#include "storage/raft/raft.h"

namespace coffer::storage::raft {
namespace {
constexpr size_t kMaxEntriesPerMsg = 64;
}  // namespace

void Raft::StepLeader(const Message& m) {
  if (m.type == MessageType::kMsgProp) {
    AppendEntries(m.entries);
    BroadcastAppend();
    return;
  }
  auto it = prs_.find(m.from);
  if (it == prs_.end() || m.from == id_) return;
  Progress& pr = it->second;
  switch (m.type) {
    case MessageType::kMsgAppResp:
      pr.recent_active = true;
      HandleAppendResponse(m, pr);
      break;
    case MessageType::kMsgHeartbeatResp:
      pr.recent_active = true;
      pr.probe_sent = false;
      if (pr.match < log_.LastIndex()) {
        // Lost MsgApps are resent from the last known match.
        pr.replicate = false;
        pr.next = pr.match + 1;
        SendAppend(m.from);
      }
      break;
    default:
      break;
  }
}

void Raft::HandleAppendResponse(const Message& m, Progress& pr) {
  if (m.reject) {
    // Stale rejections (for a probe we no longer have outstanding) are ignored.
    if (!pr.replicate && m.index != pr.next - 1) return;
    if (m.index <= pr.match) return;
    pr.replicate = false;
    pr.probe_sent = false;
    pr.next = std::max<uint64_t>(pr.match + 1, std::min(m.index, m.reject_hint + 1));
    SendAppend(m.from);
    return;
  }
  pr.probe_sent = false;
  if (m.index > pr.match) {
    pr.match = m.index;
    pr.next = std::max(pr.next, m.index + 1);
    pr.replicate = true;
    if (MaybeCommit()) {
      BroadcastAppend();
      return;
    }
  }
  if (pr.next <= log_.LastIndex()) SendAppend(m.from);
}

void Raft::StepCandidate(const Message& m) {
  MessageType my_resp =
      state_ == StateType::kPreCandidate ? MessageType::kMsgPreVoteResp : MessageType::kMsgVoteResp;
  switch (m.type) {
    case MessageType::kMsgApp:
      BecomeFollower(m.term, m.from);
      HandleAppend(m);
      return;
    case MessageType::kMsgHeartbeat:
      BecomeFollower(m.term, m.from);
      HandleHeartbeat(m);
      return;
    default:
      break;
  }
  if (m.type != my_resp || prs_.find(m.from) == prs_.end()) return;
  votes_.emplace(m.from, !m.reject);
  size_t granted = 0;
  for (const auto& [peer, yes] : votes_) granted += yes ? 1 : 0;
  size_t rejected = votes_.size() - granted;
  if (granted >= Quorum()) {
    if (state_ == StateType::kPreCandidate) {
      StartCampaign(false);
    } else {
      BecomeLeader();
      BroadcastAppend();
    }
  } else if (rejected >= Quorum()) {
    BecomeFollower(term_, kNone);
  }
}

void Raft::StepFollower(const Message& m) {
  switch (m.type) {
    case MessageType::kMsgApp:
      election_elapsed_ = 0;
      lead_ = m.from;
      HandleAppend(m);
      break;
    case MessageType::kMsgHeartbeat:
      election_elapsed_ = 0;
      lead_ = m.from;
      HandleHeartbeat(m);
      break;
    default:
      break;  // proposals are not forwarded yet
  }
}

void Raft::HandleAppend(const Message& m) {
  Message resp;
  resp.type = MessageType::kMsgAppResp;
  resp.to = m.from;
  uint64_t last_new = 0;
  if (m.index < log_.committed()) {
    resp.index = log_.committed();
  } else if (log_.MaybeAppend(m.index, m.log_term, m.commit, m.entries, &last_new)) {
    resp.index = last_new;
  } else {
    resp.index = m.index;
    resp.reject = true;
    resp.reject_hint = std::min(m.index, log_.LastIndex());
  }
  Send(std::move(resp));
}

void Raft::HandleHeartbeat(const Message& m) {
  log_.CommitTo(m.commit);
  Message resp;
  resp.type = MessageType::kMsgHeartbeatResp;
  resp.to = m.from;
  Send(std::move(resp));
}

void Raft::SendAppend(uint64_t to) {
  Progress& pr = prs_[to];
  if (!pr.replicate && pr.probe_sent) return;  // one probe at a time
  Message m;
  m.type = MessageType::kMsgApp;
  m.to = to;
  m.index = pr.next - 1;
  m.log_term = log_.Term(m.index);
  m.entries = log_.Slice(pr.next, log_.LastIndex() + 1, kMaxEntriesPerMsg);
  m.commit = log_.committed();
  if (pr.replicate) {
    if (!m.entries.empty()) pr.next = m.entries.back().index + 1;
  } else {
    pr.probe_sent = true;
  }
  Send(std::move(m));
}

void Raft::BroadcastAppend() {
  for (const auto& [peer, pr] : prs_) {
    if (peer != id_) SendAppend(peer);
  }
}

void Raft::BroadcastHeartbeat() {
  for (const auto& [peer, pr] : prs_) {
    if (peer == id_) continue;
    Message m;
    m.type = MessageType::kMsgHeartbeat;
    m.to = peer;
    // Never past what the follower is known to hold: its tail may still conflict.
    m.commit = std::min(pr.match, log_.committed());
    Send(std::move(m));
  }
}

bool Raft::HasReady() const {
  return CurrentHardState() != prev_hard_state_ || !log_.UnstableEntries().empty() ||
         log_.HasNextCommittedEntries() || !msgs_.empty();
}

Ready Raft::GetReady() {
  Ready rd;
  HardState hs = CurrentHardState();
  if (hs != prev_hard_state_) {
    rd.hard_state = hs;
    prev_hard_state_ = hs;
  }
  rd.entries = log_.UnstableEntries();
  rd.committed_entries = log_.NextCommittedEntries();
  rd.messages = std::move(msgs_);
  msgs_.clear();
  return rd;
}

void Raft::Advance(const Ready& rd) {
  if (!rd.entries.empty()) log_.StableTo(rd.entries.back().index, rd.entries.back().term);
  if (!rd.committed_entries.empty()) log_.AppliedTo(rd.committed_entries.back().index);
}

}  // namespace coffer::storage::raft
