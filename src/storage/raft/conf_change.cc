// Membership changes (one voter or learner at a time, applied when the entry is applied,
// as etcd-io/raft does) and leadership transfer; the ConfChange encoding
// (docs/formats/raft-conf-change.md).

#include <string>
#include <utility>

#include "storage/raft/raft.h"

namespace coffer::storage::raft {
namespace {

constexpr uint8_t kConfChangeVersion = 1;
constexpr size_t kConfChangeHeader = 1 + 1 + 8 + 4;  // version, type, id, context length

void PutLe(std::string* out, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

uint64_t GetLe(std::string_view data, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v |= uint64_t{static_cast<uint8_t>(data[i])} << (8 * i);
  return v;
}

}  // namespace

std::string EncodeConfChange(const ConfChange& cc) {
  std::string out;
  out.push_back(static_cast<char>(kConfChangeVersion));
  out.push_back(static_cast<char>(cc.type));
  PutLe(&out, cc.node_id, 8);
  PutLe(&out, cc.context.size(), 4);
  out += cc.context;
  return out;
}

Result<ConfChange> DecodeConfChange(std::string_view data) {
  if (data.empty()) return Err(Corruption("raft conf change: empty"));
  if (static_cast<uint8_t>(data[0]) != kConfChangeVersion) {
    return Err(Corruption("raft conf change: unknown version " +
                          std::to_string(static_cast<uint8_t>(data[0]))));
  }
  if (data.size() < kConfChangeHeader) return Err(Corruption("raft conf change: truncated"));
  uint8_t type = static_cast<uint8_t>(data[1]);
  if (type < static_cast<uint8_t>(ConfChangeType::kAddVoter) ||
      type > static_cast<uint8_t>(ConfChangeType::kRemoveNode)) {
    return Err(Corruption("raft conf change: unknown type " + std::to_string(type)));
  }
  ConfChange cc;
  cc.type = static_cast<ConfChangeType>(type);
  cc.node_id = GetLe(data.substr(2), 8);
  uint64_t len = GetLe(data.substr(10), 4);
  data.remove_prefix(kConfChangeHeader);
  if (data.size() < len) return Err(Corruption("raft conf change: truncated context"));
  if (data.size() > len) return Err(Corruption("raft conf change: trailing bytes"));
  cc.context = std::string(data);
  return cc;
}

ConfState Raft::conf_state() const {
  ConfState cs;
  for (const auto& [peer, pr] : prs_) (pr.learner ? cs.learners : cs.voters).push_back(peer);
  return cs;
}

Status Raft::CheckConfChange(const ConfChange& cc) const {
  if (state_ != StateType::kLeader) return Unavailable("raft: not the leader");
  if (lead_transferee_ != kNone) return Unavailable("raft: leadership transfer in progress");
  if (pending_conf_index_ > log_.applied()) {
    return PreconditionFailed("raft: another membership change is pending");
  }
  // A new leader may hold an earlier leader's uncommitted change it cannot see as such
  // (the single-server change bug of 2015): it first commits an entry of its term.
  if (!CommittedInTerm()) {
    return PreconditionFailed("raft: the leader has not committed an entry of its term yet");
  }
  if (cc.node_id == kNone) return InvalidArgument("raft: conf change without a node id");
  auto it = prs_.find(cc.node_id);
  bool member = it != prs_.end();
  bool voter = member && !it->second.learner;
  bool last_voter = voter && VoterCount() == 1;
  switch (cc.type) {
    case ConfChangeType::kAddVoter:
      if (voter) return InvalidArgument("raft: node is already a voter");
      return Status::Ok();
    case ConfChangeType::kAddLearner:
      if (member && !voter) return InvalidArgument("raft: node is already a learner");
      if (last_voter) return InvalidArgument("raft: cannot demote the last voter");
      return Status::Ok();
    case ConfChangeType::kRemoveNode:
      if (!member) return InvalidArgument("raft: no such node");
      if (last_voter) return InvalidArgument("raft: cannot remove the last voter");
      return Status::Ok();
  }
  return InvalidArgument("raft: unknown conf change type");
}

Status Raft::ProposeConfChange(const ConfChange& cc) {
  if (Status s = CheckConfChange(cc); !s.ok()) return s;
  Entry e;
  e.type = EntryType::kConfigChange;
  e.data = EncodeConfChange(cc);
  AppendEntries({std::move(e)});
  pending_conf_index_ = log_.LastIndex();
  if (RemovesSelf(cc)) leaving_index_ = pending_conf_index_;
  BroadcastAppend();
  return Status::Ok();
}

bool Raft::RemovesSelf(const ConfChange& cc) const {
  return cc.node_id == id_ &&
         (cc.type == ConfChangeType::kRemoveNode || cc.type == ConfChangeType::kAddLearner);
}

void Raft::FindLeavingChange() {
  uint64_t last = log_.LastIndex();
  if (last <= log_.applied()) return;
  for (const Entry& e : log_.Slice(log_.applied() + 1, last + 1, last - log_.applied())) {
    if (e.type != EntryType::kConfigChange) continue;
    Result<ConfChange> cc = DecodeConfChange(e.data);
    if (cc && RemovesSelf(*cc)) leaving_index_ = e.index;
  }
}

ConfState Raft::ApplyConfChange(const ConfChange& cc) {
  if (cc.node_id == kNone) return conf_state();
  const uint64_t id = cc.node_id;
  const bool was_voter = IsVoter(id);
  bool added = false;
  // Each change sets one node's role, so replaying changes the membership already
  // reflects (after a snapshot carrying a later membership) changes nothing.
  if (cc.type == ConfChangeType::kRemoveNode) {
    prs_.erase(id);
  } else {
    auto [it, inserted] = prs_.try_emplace(id);
    added = inserted;
    Progress& pr = it->second;
    pr.learner = cc.type == ConfChangeType::kAddLearner;
    if (inserted) {
      pr.next = log_.LastIndex() + 1;  // probes from our last index
      pr.recent_active = true;         // not counted as lost before it could answer
      if (id == id_) pr.match = log_.LastIndex();
    }
  }
  if (id == lead_transferee_ && !IsVoter(id)) AbortLeaderTransfer();
  if (state_ != StateType::kFollower && !IsVoter(id_)) {
    // Removed or demoted: a leader tells the others the commit index (which covers this
    // change) and steps down; a candidate gives up.
    if (state_ == StateType::kLeader) BroadcastHeartbeat();
    BecomeFollower(term_, kNone);
  } else if (state_ == StateType::kLeader) {
    // Fewer voters may make a smaller quorum that already matched more.
    if (was_voter && !IsVoter(id) && MaybeCommit()) BroadcastAppend();
    if (added && id != id_) SendAppend(id);
  }
  return conf_state();
}

Status Raft::TransferLeader(uint64_t transferee) {
  if (state_ != StateType::kLeader) return Unavailable("raft: not the leader");
  if (transferee == id_) return InvalidArgument("raft: already the leader");
  if (!IsVoter(transferee)) return InvalidArgument("raft: transferee is not a voter");
  HandleTransferLeader(transferee);
  return Status::Ok();
}

void Raft::HandleTransferLeader(uint64_t transferee) {
  if (transferee == id_ || !IsVoter(transferee)) return;
  if (lead_transferee_ == transferee) return;  // already under way
  lead_transferee_ = transferee;
  election_elapsed_ = 0;  // the transfer has one election timeout to finish
  if (prs_[transferee].match == log_.LastIndex()) {
    SendTimeoutNow(transferee);
  } else {
    SendAppend(transferee);
  }
}

void Raft::SendTimeoutNow(uint64_t to) {
  Message m;
  m.type = MessageType::kMsgTimeoutNow;
  m.to = to;
  Send(std::move(m));
}

}  // namespace coffer::storage::raft
