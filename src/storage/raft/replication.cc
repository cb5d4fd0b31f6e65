// The per-role message handlers of Raft, log replication (probe, replicate and snapshot
// states of a follower's Progress, with an inflight window) and the Ready batch.

#include <algorithm>
#include <utility>

#include "storage/raft/raft.h"

namespace coffer::storage::raft {

void Raft::StepLeader(const Message& m) {
  switch (m.type) {
    case MessageType::kMsgProp: {
      if (lead_transferee_ != kNone || leaving_index_ != 0) return;  // dropped
      std::vector<Entry> entries = m.entries;
      for (size_t i = 0; i < entries.size(); ++i) {
        if (entries[i].type != EntryType::kConfigChange) continue;
        Result<ConfChange> cc = DecodeConfChange(entries[i].data);
        if (cc && CheckConfChange(*cc).ok()) {
          pending_conf_index_ = log_.LastIndex() + i + 1;
          if (RemovesSelf(*cc)) {
            leaving_index_ = pending_conf_index_;
            entries.resize(i + 1);  // nothing after it
            break;
          }
        } else {
          entries[i] = Entry{};  // keeps the caller's indexes; changes nothing
        }
      }
      AppendEntries(std::move(entries));
      BroadcastAppend();
      return;
    }
    case MessageType::kMsgReadIndex:
      HandleReadIndex(m);
      return;
    case MessageType::kMsgTransferLeader:
      HandleTransferLeader(m.from);
      return;
    default:
      break;
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
      if (pr.pending_snapshot == 0 && pr.match < log_.LastIndex()) {
        // Lost MsgApps are resent from the last known match.
        if (pr.replicate) BecomeProbe(pr);
        SendAppend(m.from);
      }
      if (!m.context.empty()) HandleReadIndexAck(m);
      break;
    case MessageType::kMsgSnapStatus:
      HandleSnapStatus(m, pr);
      break;
    case MessageType::kMsgUnreachable:
      // A snapshot being streamed keeps its state until the transport reports it.
      if (pr.replicate) BecomeProbe(pr);
      break;
    default:
      break;
  }
}

void Raft::ReportSnapshot(uint64_t to, bool failed) {
  Message m;
  m.type = MessageType::kMsgSnapStatus;
  m.from = to;
  m.reject = failed;
  Step(m);
}

void Raft::ReportUnreachable(uint64_t to) {
  Message m;
  m.type = MessageType::kMsgUnreachable;
  m.from = to;
  Step(m);
}

void Raft::BecomeProbe(Progress& pr) {
  uint64_t pending = pr.pending_snapshot;
  pr.replicate = false;
  pr.probe_sent = false;
  pr.pending_snapshot = 0;
  pr.inflight.clear();
  // After a snapshot the follower holds at least its index.
  pr.next = std::max(pr.match + 1, pending + 1);
}

void Raft::HandleAppendResponse(const Message& m, Progress& pr) {
  if (m.reject) {
    if (pr.pending_snapshot > 0) return;  // the snapshot supersedes it
    // Stale rejections (for a probe we no longer have outstanding) are ignored.
    if (!pr.replicate && m.index != pr.next - 1) return;
    if (m.index <= pr.match) return;
    uint64_t next = std::max<uint64_t>(pr.match + 1, std::min(m.index, m.reject_hint + 1));
    BecomeProbe(pr);
    pr.next = next;
    SendAppend(m.from);
    return;
  }
  pr.probe_sent = false;
  while (!pr.inflight.empty() && pr.inflight.front() <= m.index) pr.inflight.pop_front();
  bool advanced = m.index > pr.match;
  if (advanced) {
    pr.match = m.index;
    pr.next = std::max(pr.next, m.index + 1);
  }
  if (pr.pending_snapshot > 0) {
    if (pr.match < pr.pending_snapshot) return;  // still installing
    pr.pending_snapshot = 0;
    pr.next = pr.match + 1;
    pr.replicate = true;
  } else if (advanced && !pr.replicate) {
    pr.replicate = true;
    pr.next = pr.match + 1;
  }
  if (advanced && MaybeCommit()) {
    BroadcastAppend();
  } else if (pr.next <= log_.LastIndex()) {
    SendAppend(m.from);
  }
  if (m.from == lead_transferee_ && pr.match == log_.LastIndex()) SendTimeoutNow(m.from);
}

void Raft::HandleSnapStatus(const Message& m, Progress& pr) {
  if (pr.pending_snapshot == 0) return;
  if (m.reject) pr.pending_snapshot = 0;  // retry from the match
  BecomeProbe(pr);
  // Sent: wait for the follower's MsgAppResp; failed: for the next heartbeat response.
  pr.probe_sent = true;
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
    case MessageType::kMsgSnap:
      BecomeFollower(m.term, m.from);
      HandleSnapshot(m);
      return;
    default:
      break;
  }
  if (m.type != my_resp || !IsVoter(m.from)) return;
  votes_.emplace(m.from, !m.reject);
  size_t granted = 0, rejected = 0;
  for (const auto& [peer, yes] : votes_) {
    if (!IsVoter(peer)) continue;  // the membership changed during the campaign
    (yes ? granted : rejected) += 1;
  }
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
    case MessageType::kMsgSnap:
      election_elapsed_ = 0;
      lead_ = m.from;
      HandleSnapshot(m);
      break;
    case MessageType::kMsgTimeoutNow:
      // The leader hands over: campaign at once, without pre-vote.
      StartCampaign(/*pre=*/false, /*transfer=*/true);
      break;
    case MessageType::kMsgTransferLeader:
    case MessageType::kMsgReadIndex: {
      if (lead_ == kNone) break;  // dropped: the caller retries or times out
      if (m.type == MessageType::kMsgTransferLeader && m.from == kNone) break;
      Message fwd = m;
      fwd.to = lead_;
      Send(std::move(fwd));
      break;
    }
    case MessageType::kMsgReadIndexResp:
      read_states_.push_back(ReadState{m.index, m.context});
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
  resp.context = m.context;
  Send(std::move(resp));
}

void Raft::HandleSnapshot(const Message& m) {
  const SnapshotMeta& snap = m.snapshot;
  Message resp;
  resp.type = MessageType::kMsgAppResp;
  resp.to = m.from;
  if (snap.index <= log_.committed()) {
    resp.index = log_.committed();  // stale: we already hold more
  } else if (log_.MatchTerm(snap.index, snap.term)) {
    log_.CommitTo(snap.index);  // our log already holds it: fast-forward
    resp.index = log_.committed();
  } else {
    log_.Restore(snap);
    if (!snap.conf.voters.empty() || !snap.conf.learners.empty()) {
      prs_.clear();
      for (uint64_t p : snap.conf.voters) prs_[p] = Progress{};
      for (uint64_t p : snap.conf.learners) prs_[p].learner = true;
      for (auto& [peer, pr] : prs_) {
        pr.next = log_.LastIndex() + 1;
        if (peer == id_) pr.match = log_.LastIndex();
      }
    }
    resp.index = log_.LastIndex();
  }
  Send(std::move(resp));
}

void Raft::SendAppend(uint64_t to) {
  auto it = prs_.find(to);
  if (it == prs_.end()) return;
  Progress& pr = it->second;
  if (pr.pending_snapshot > 0) return;                                   // installing a snapshot
  if (!pr.replicate && pr.probe_sent) return;                            // one probe at a time
  if (pr.replicate && pr.inflight.size() >= max_inflight_msgs_) return;  // window full
  if (pr.next < log_.FirstIndex()) {
    // The entries it needs (or the term of the one before) were compacted away.
    SendSnapshot(to, pr);
    return;
  }
  Message m;
  m.type = MessageType::kMsgApp;
  m.to = to;
  m.index = pr.next - 1;
  m.log_term = log_.Term(m.index);
  m.entries = log_.Slice(pr.next, log_.LastIndex() + 1, max_entries_per_msg_);
  m.commit = log_.committed();
  if (pr.replicate) {
    if (!m.entries.empty()) {
      pr.next = m.entries.back().index + 1;
      pr.inflight.push_back(m.entries.back().index);
    }
  } else {
    pr.probe_sent = true;
  }
  Send(std::move(m));
}

void Raft::SendSnapshot(uint64_t to, Progress& pr) {
  Message m;
  m.type = MessageType::kMsgSnap;
  m.to = to;
  m.snapshot = log_.SnapshotPoint();
  m.snapshot.conf = conf_state();  // the storage's conf may be empty
  if (m.snapshot.index == 0) return;
  BecomeProbe(pr);
  pr.pending_snapshot = m.snapshot.index;
  Send(std::move(m));
}

void Raft::BroadcastAppend() {
  for (const auto& [peer, pr] : prs_) {
    if (peer != id_) SendAppend(peer);
  }
}

void Raft::BroadcastHeartbeat() {
  // The newest pending ReadIndex request rides along: its acknowledgement confirms
  // leadership for it and every earlier one.
  std::string context = pending_reads_.empty() ? std::string() : pending_reads_.back().context;
  for (const auto& [peer, pr] : prs_) {
    if (peer == id_) continue;
    Message m;
    m.type = MessageType::kMsgHeartbeat;
    m.to = peer;
    // Never past what the follower is known to hold: its tail may still conflict.
    m.commit = std::min(pr.match, log_.committed());
    m.context = context;
    Send(std::move(m));
  }
}

bool Raft::HasReady() const {
  return CurrentHardState() != prev_hard_state_ || !log_.UnstableEntries().empty() ||
         log_.HasNextCommittedEntries() || !msgs_.empty() || log_.UnstableSnapshot().has_value() ||
         !read_states_.empty();
}

Ready Raft::GetReady() {
  Ready rd;
  HardState hs = CurrentHardState();
  if (hs != prev_hard_state_) {
    rd.hard_state = hs;
    prev_hard_state_ = hs;
  }
  rd.snapshot = log_.UnstableSnapshot();
  rd.entries = log_.UnstableEntries();
  rd.committed_entries = log_.NextCommittedEntries();
  rd.messages = std::move(msgs_);
  msgs_.clear();
  rd.read_states = std::move(read_states_);
  read_states_.clear();
  return rd;
}

void Raft::Advance(const Ready& rd) {
  if (rd.snapshot) log_.StableSnapshotTo(rd.snapshot->index);
  if (!rd.entries.empty()) log_.StableTo(rd.entries.back().index, rd.entries.back().term);
  if (!rd.committed_entries.empty()) log_.AppliedTo(rd.committed_entries.back().index);
}

}  // namespace coffer::storage::raft
