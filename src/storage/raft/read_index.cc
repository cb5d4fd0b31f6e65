// ReadIndex (Raft dissertation §6.4, after etcd-io/raft's read_only.go): a leader that
// committed an entry of its term records its commit index for a request and answers once
// a quorum acknowledged a heartbeat sent after it (kSafe), or at once from its lease
// (kLeaseBased, with check-quorum). Followers forward requests to the leader.

#include <algorithm>
#include <utility>

#include "storage/raft/raft.h"

namespace coffer::storage::raft {

void Raft::ReadIndex(std::string context) {
  Message m;
  m.type = MessageType::kMsgReadIndex;
  m.context = std::move(context);
  Step(m);
}

void Raft::HandleReadIndex(const Message& m) {
  // Until it commits an entry of its term the leader's commit index may lag entries an
  // earlier leader committed.
  if (!CommittedInTerm()) return;
  const uint64_t from = m.from == id_ ? kNone : m.from;
  const uint64_t index = log_.committed();
  if ((VoterCount() == 1 && IsVoter(id_)) || read_only_ == Config::ReadOnlyOption::kLeaseBased) {
    RespondToRead(from, index, m.context);
    return;
  }
  for (const PendingRead& r : pending_reads_) {
    if (r.context == m.context) return;  // already waiting
  }
  pending_reads_.push_back(PendingRead{m.context, index, from, {id_}});
  BroadcastHeartbeat();
}

void Raft::HandleReadIndexAck(const Message& m) {
  auto it = std::find_if(pending_reads_.begin(), pending_reads_.end(),
                         [&](const PendingRead& r) { return r.context == m.context; });
  if (it == pending_reads_.end() || !IsVoter(m.from)) return;
  if (std::find(it->acks.begin(), it->acks.end(), m.from) == it->acks.end()) {
    it->acks.push_back(m.from);
  }
  size_t votes =
      std::count_if(it->acks.begin(), it->acks.end(), [&](uint64_t peer) { return IsVoter(peer); });
  if (votes < Quorum()) return;
  // Leadership is confirmed after every earlier request arrived too.
  std::deque<PendingRead> done(pending_reads_.begin(), it + 1);
  pending_reads_.erase(pending_reads_.begin(), it + 1);
  for (PendingRead& r : done) RespondToRead(r.from, r.index, std::move(r.context));
}

void Raft::RespondToRead(uint64_t from, uint64_t index, std::string context) {
  if (from == kNone) {
    read_states_.push_back(ReadState{index, std::move(context)});
    return;
  }
  Message m;
  m.type = MessageType::kMsgReadIndexResp;
  m.to = from;
  m.index = index;
  m.context = std::move(context);
  Send(std::move(m));
}

}  // namespace coffer::storage::raft
