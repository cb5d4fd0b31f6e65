// Node: bootstrap, membership changes, leadership transfer, ReadIndex barriers, status,
// and snapshots (save, restore, receive). The loop itself is in node.cc.

#include <unistd.h>

#include <algorithm>
#include <atomic>

#include "base/log.h"
#include "storage/raft/node.h"
#include "telemetry/metrics.h"

namespace coffer::storage::raft {
namespace {

uint64_t Mix(uint64_t x) {  // SplitMix64's finalizer
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// A restore id no other restore of this cluster is likely to have (64 random-ish bits).
uint64_t NewRestoreId(uint64_t node_id) {
  static std::atomic<uint64_t> counter{0};
  uint64_t t = static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
  uint64_t id = Mix(t ^ Mix(node_id) ^ Mix(++counter));
  return id == 0 ? 1 : id;
}

}  // namespace

Status Node::Bootstrap() {
  Status st;
  if (!RunOnLoop([&] { st = DoBootstrap(); })) return Unavailable("raft: node shutting down");
  return st;
}

// The first entry of a new cluster, written the way etcd bootstraps: a conf-change entry
// at index 1, term 1, committed, making this node the single voter. It is applied like
// any other (recording the membership); a crash before that replays it (a log without a
// membership belongs to the single voter {id}).
Status Node::DoBootstrap() {
  if (!fsm_->membership().empty() || wal_->LastIndex() > 0 || wal_->hard_state().term > 0 ||
      !options_.peers.empty()) {
    return PreconditionFailed("raft: bootstrap needs a fresh node (no log, no membership)");
  }
  Member me{options_.id, options_.name, options_.address, true};
  ConfChange cc{ConfChangeType::kAddVoter, options_.id, EncodeMember(me)};
  Entry e{1, 1, EntryType::kConfigChange, EncodeConfChange(cc)};
  COFFER_RETURN_IF_ERROR(wal_->Append({e}));
  COFFER_RETURN_IF_ERROR(wal_->SetHardState(HardState{1, kNone, 1}));
  COFFER_RETURN_IF_ERROR(wal_->Sync());
  raft_ = std::make_unique<Raft>(MakeConfig({options_.id}));
  raft_->Campaign();
  return Status::Ok();
}

std::vector<Member> Node::Members() { return fsm_->membership().members; }

Status Node::AddMember(const Member& member) {
  Member m = member;
  if (m.id == kNone) m.id = MemberId(m.name);
  auto p = std::make_shared<Proposal>();
  p->conf_change = ConfChange{m.voter ? ConfChangeType::kAddVoter : ConfChangeType::kAddLearner,
                              m.id, EncodeMember(m)};
  return ProposeAndWait(std::move(p));
}

Status Node::RemoveMember(uint64_t id) {
  auto p = std::make_shared<Proposal>();
  p->conf_change = ConfChange{ConfChangeType::kRemoveNode, id, ""};
  return ProposeAndWait(std::move(p));
}

Status Node::TransferLeadership(uint64_t to, std::chrono::milliseconds timeout) {
  Status st;
  bool ran = RunOnLoop([&] {
    uint64_t target = to;
    if (target == kNone) {  // the most up-to-date other voter
      uint64_t best = 0;
      for (uint64_t v : raft_->conf_state().voters) {
        const Progress* pr = raft_->progress(v);
        if (v != options_.id && pr != nullptr && (target == kNone || pr->match > best)) {
          target = v;
          best = pr->match;
        }
      }
      if (target == kNone) {
        st = InvalidArgument("raft: no other voter to transfer to");
        return;
      }
    }
    lease_until_ = 0;  // the transferee may be elected before our lease would end
    st = raft_->TransferLeader(target);
  });
  if (!ran) return Unavailable("raft: node shutting down");
  COFFER_RETURN_IF_ERROR(st);
  std::unique_lock<std::mutex> lock(mu_);
  if (!done_cv_.wait_for(lock, timeout, [&] { return stopping_ || !is_leader_.load(); })) {
    return Unavailable("raft: leadership transfer timed out");
  }
  return Status::Ok();
}

Status Node::ReadBarrier(std::chrono::milliseconds timeout) {
  auto r = std::make_shared<ReadRequest>();
  {
    std::lock_guard<std::mutex> lock(mu_);
    r->context = "read-" + std::to_string(options_.id) + "-" + std::to_string(++read_seq_);
  }
  if (!RunOnLoop([&] {
        reads_[r->context] = r;
        raft_->ReadIndex(r->context);
      })) {
    return Unavailable("raft: node shutting down");
  }
  std::unique_lock<std::mutex> lock(mu_);
  bool finished = done_cv_.wait_for(lock, timeout, [&] { return r->done || stopping_; });
  if (finished && r->done && r->ready && !stopping_) return Status::Ok();
  r->abandoned = true;
  if (stopping_) return Unavailable("raft: node shutting down");
  return Unavailable("raft: read barrier timed out (no leader?)");
}

NodeStatus Node::GetStatus() {
  NodeStatus out;
  RunOnLoop([&] {
    const auto now = std::chrono::steady_clock::now();
    const bool leader = raft_->state() == StateType::kLeader;
    out.id = options_.id;
    out.term = raft_->term();
    out.leader = raft_->leader();
    out.state = raft_->state();
    out.commit_index = raft_->log().committed();
    out.applied_index = fsm_->AppliedIndex();
    out.last_index = raft_->log().LastIndex();
    out.last_term = raft_->log().LastTerm();
    out.snapshot_index = wal_->Snapshot().index;
    out.wal_segments = wal_->segment_count();
    Membership m = fsm_->membership();
    ConfState conf = raft_->conf_state();
    std::vector<Member> members = m.members;
    for (const auto* ids : {&conf.voters, &conf.learners}) {
      for (uint64_t id : *ids) {
        if (m.Find(id) == nullptr) members.push_back(Member{id, "", "", ids == &conf.voters});
      }
    }
    const auto healthy_within = options_.tick_interval * options_.election_tick;
    std::lock_guard<std::mutex> lock(mu_);
    for (const Member& member : members) {
      PeerStatus ps;
      ps.member = member;
      if (leader && member.id != options_.id) {
        const Progress* pr = raft_->progress(member.id);
        ps.match = pr != nullptr ? pr->match : 0;
        auto it = last_contact_.find(member.id);
        ps.since_last_contact =
            it == last_contact_.end()
                ? std::chrono::milliseconds::max()
                : std::chrono::duration_cast<std::chrono::milliseconds>(now - it->second);
        ps.healthy = ps.since_last_contact <= healthy_within;
      } else if (leader) {
        ps.match = raft_->log().LastIndex();
      }
      out.peers.push_back(std::move(ps));
    }
  });
  return out;
}

Result<SnapshotMeta> Node::SaveSnapshot(const SnapshotSink& sink) {
  telemetry::ScopedTimer timer("raft.snapshot.create");
  COFFER_ASSIGN_OR_RETURN(SnapshotHeader header, fsm_->WriteSnapshot(sink));
  return header.meta;
}

Status Node::RestoreSnapshot(
    const SnapshotSource& source,
    const std::function<Status(std::string_view key, std::string_view value)>& check) {
  if (!IsLeader()) return Unavailable("raft: not the leader");
  const uint64_t restore_id = NewRestoreId(options_.id);
  const std::string path =
      options_.snapshot_dir + "/restore-" + std::to_string(restore_id) + ".snap";
  // Verify the whole stream before anything is proposed.
  COFFER_ASSIGN_OR_RETURN(SnapshotHeader header, SaveVerifiedSnapshot(source, path));
  struct Unlink {
    const std::string& path;
    ~Unlink() { ::unlink(path.c_str()); }
  } unlink_at_exit{path};
  if (check) {
    COFFER_ASSIGN_OR_RETURN(SnapshotSource file, OpenSnapshotFile(path));
    SnapshotReader reader(std::move(file));
    COFFER_ASSIGN_OR_RETURN(SnapshotHeader checked_header, reader.ReadHeader());
    (void)checked_header;
    std::vector<SnapshotRecord> records;
    for (;;) {
      COFFER_ASSIGN_OR_RETURN(bool more, reader.NextChunk(&records));
      if (!more) break;
      for (const SnapshotRecord& r : records) {
        if (r.table == SnapshotTable::kData) COFFER_RETURN_IF_ERROR(check(r.key, r.value));
      }
    }
  }
  log::Info(
      "raft", "restoring snapshot",
      {{"index", std::to_string(header.meta.index)}, {"restore_id", std::to_string(restore_id)}});
  COFFER_RETURN_IF_ERROR(Propose(EncodeRestoreBegin(restore_id)));
  COFFER_ASSIGN_OR_RETURN(SnapshotSource file, OpenSnapshotFile(path));
  SnapshotReader reader(std::move(file));
  COFFER_ASSIGN_OR_RETURN(SnapshotHeader reread, reader.ReadHeader());
  (void)reread;
  const std::string empty = EncodeRestoreChunk(restore_id);
  std::string chunk = empty;
  std::vector<SnapshotRecord> records;
  for (;;) {
    COFFER_ASSIGN_OR_RETURN(bool more, reader.NextChunk(&records));
    if (!more) break;
    for (const SnapshotRecord& r : records) {
      if (r.table != SnapshotTable::kData) continue;  // a restore in progress when saved
      if (chunk.size() > empty.size() &&
          chunk.size() + r.key.size() + r.value.size() + 8 > kSnapshotChunkBytes) {
        COFFER_RETURN_IF_ERROR(Propose(std::exchange(chunk, empty)));
      }
      AppendRestoreRecord(&chunk, r.key, r.value);
    }
  }
  if (chunk.size() > empty.size()) COFFER_RETURN_IF_ERROR(Propose(std::move(chunk)));
  return Propose(EncodeRestoreCommit(restore_id));
}

void Node::ReceiveSnapshot(Message m, std::string path) {
  Result<SnapshotHeader> header = VerifySnapshotFile(path);
  if (!header) {
    log::Warn("raft", "received snapshot refused",
              {{"from", std::to_string(m.from)}, {"error", header.error().ToString()}});
    ::unlink(path.c_str());
    return;
  }
  m.snapshot = header->meta;  // what the stream holds, whatever the sender's core asked
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) {
      ::unlink(path.c_str());
      return;
    }
    auto [it, inserted] = snapshot_files_.try_emplace(m.snapshot.index, path);
    if (!inserted && it->second != path) {
      ::unlink(it->second.c_str());
      it->second = path;
    }
    if (m.from != kNone) last_contact_[m.from] = std::chrono::steady_clock::now();
    inbox_.push_back(std::move(m));
  }
  loop_cv_.notify_one();
}

void Node::ReportSnapshot(uint64_t to, bool failed) {
  PostToLoop([this, to, failed] { raft_->ReportSnapshot(to, failed); });
}

void Node::ReportUnreachable(uint64_t to) {
  PostToLoop([this, to] { raft_->ReportUnreachable(to); });
}

}  // namespace coffer::storage::raft
