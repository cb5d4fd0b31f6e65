// A deterministic network simulator: Raft nodes driven through their Ready loop by a
// seeded PRNG that loses, duplicates and reorders messages, partitions and heals the
// network, crashes nodes, changes the membership (learners added, promoted, demoted,
// removed, re-added), compacts logs (so lagging nodes get snapshots), transfers
// leadership and issues ReadIndex requests.
//
// A node's durable state is its MemoryStorage (what the driver persisted and synced for a
// Ready, including an installed snapshot) and its state machine (the applied entries and
// the membership, durable with their index). A crash loses everything else: it may strike
// between Readies, before a Ready is synced (only a prefix of its writes survives, in the
// order the driver writes them: snapshot, entries, hard state; none of its messages are
// sent), or after the sync but before the Ready's committed entries are all applied (the
// restart resumes from Config::applied and Config::conf). Safety is checked after every
// step; a failure names its seed, and RAFT_SIM_SEED=<seed> replays only that one;
// RAFT_SIM_SEEDS=<n> runs seeds [0, n) instead of [0, 3000) (scripts/test --soak: 100000).

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "storage/raft/raft.h"

namespace coffer::storage::raft {
namespace {

struct SimOptions {
  int nodes = 3;  // initial voters; two more ids can join later
  bool pre_vote = false;
  bool check_quorum = false;
};

struct SimStats {
  size_t committed = 0;
  int crashes = 0;
  int conf_changes = 0;  // applied (committed) membership changes, bootstrap excluded
  int snapshots = 0;     // snapshots installed by followers
  int compactions = 0;
  int reads = 0;      // ReadStates checked
  int transfers = 0;  // transferees that became leader

  void Add(const SimStats& o) {
    committed += o.committed;
    crashes += o.crashes;
    conf_changes += o.conf_changes;
    snapshots += o.snapshots;
    compactions += o.compactions;
    reads += o.reads;
    transfers += o.transfers;
  }
};

bool Contains(const std::vector<uint64_t>& v, uint64_t id) {
  return std::find(v.begin(), v.end(), id) != v.end();
}

// The membership after `cc` (the same set semantics as Raft::ApplyConfChange).
void ApplyToConf(ConfState* cs, const ConfChange& cc) {
  std::erase(cs->voters, cc.node_id);
  std::erase(cs->learners, cc.node_id);
  if (cc.type == ConfChangeType::kAddVoter) cs->voters.push_back(cc.node_id);
  if (cc.type == ConfChangeType::kAddLearner) cs->learners.push_back(cc.node_id);
  std::sort(cs->voters.begin(), cs->voters.end());
  std::sort(cs->learners.begin(), cs->learners.end());
}

class Simulator {
 public:
  Simulator(uint64_t seed, const SimOptions& opts) : seed_(seed), opts_(opts), rng_(seed) {
    const int pool = opts.nodes + 2;
    nodes_.resize(pool);
    // Bootstrap as etcd does: the initial voters' logs start with committed entries
    // adding each of them, so a node added later learns the membership from the log.
    std::vector<Entry> bootstrap;
    for (int i = 1; i <= opts.nodes; ++i) {
      ConfChange cc{ConfChangeType::kAddVoter, static_cast<uint64_t>(i), ""};
      bootstrap.push_back(
          Entry{1, static_cast<uint64_t>(i), EntryType::kConfigChange, EncodeConfChange(cc)});
    }
    for (int i = 0; i < pool; ++i) {
      nodes_[i].storage = std::make_unique<MemoryStorage>();
      if (i < opts.nodes) {
        nodes_[i].storage->Append(bootstrap);
        nodes_[i].storage->SetHardState(HardState{1, kNone, bootstrap.size()});
      }
      Start(i);
    }
    group_.assign(pool, 0);
    DrainAndCheck();
  }

  // One random action, then every node's Ready is processed and the invariants checked.
  // Returns false (see failure()) once an invariant is violated.
  bool Step(bool chaos) {
    uint64_t r = Rand(100);
    if (r < 45) {
      DeliverOne(chaos);
    } else if (r < 73) {
      RandomNode().raft->Tick();
    } else if (r < 84) {
      (void)RandomNode().raft->Propose("p" + std::to_string(++proposals_));
    } else if (r < 85) {
      ChangeMembership();
    } else if (r < 86) {
      Transfer();
    } else if (r < 88) {
      Read();
    } else if (r < 89) {
      Compact(RandomNode());
    } else if (chaos && r < 92) {
      for (int& g : group_) g = static_cast<int>(Rand(2));
    } else if (r < 97) {
      group_.assign(nodes_.size(), 0);
    } else if (chaos && r < 98) {
      // A crash now, or at a crash point in the node's next Ready.
      Node& n = RandomNode();
      if (n.crash == CrashPoint::kNone) n.crash = static_cast<CrashPoint>(Rand(3));
    }
    DrainAndCheck();
    ++steps_;
    return failure_.empty();
  }

  // Heals the network and runs reliable rounds until a leader commits a new entry on all
  // members (liveness after chaos stops).
  bool Converge() {
    group_.assign(nodes_.size(), 0);
    const std::string marker = "final";
    for (int round = 0; round < 400 && failure_.empty(); ++round) {
      while (!in_flight_.empty() && failure_.empty()) {
        InFlight f = std::move(in_flight_.front());
        in_flight_.erase(in_flight_.begin());
        Deliver(f, /*lost=*/false);
        DrainAndCheck();
      }
      bool all_have = true;
      for (const auto& n : nodes_) {
        if (!IsMember(n.raft->id())) continue;
        all_have = all_have && std::any_of(n.applied.begin(), n.applied.end(),
                                           [&](const Entry& e) { return e.data == marker; });
      }
      // Every member applied the marker, so (applying in order) every entry acknowledged
      // before it: none was lost to a crash.
      if (all_have) return true;
      for (auto& n : nodes_) {
        // (Re)proposed now and then: a leader may lose an uncommitted proposal.
        if (round % 20 == 0 && n.raft->state() == StateType::kLeader) {
          (void)n.raft->Propose(marker);
        }
        n.raft->Tick();
      }
      DrainAndCheck();
    }
    if (failure_.empty()) Fail("no convergence after healing:" + Describe());
    return false;
  }

  const std::string& failure() const { return failure_; }
  SimStats stats() const {
    SimStats s = stats_;
    s.committed = committed_.size();
    return s;
  }

  // Each node's state, for failure messages.
  std::string Describe() const {
    std::ostringstream os;
    auto ids = [](const std::vector<uint64_t>& v) {
      std::string out;
      for (uint64_t id : v) out += std::to_string(id);
      return out;
    };
    os << " cluster voters=" << ids(cluster_.voters) << " learners=" << ids(cluster_.learners);
    for (const auto& n : nodes_) {
      const Raft& r = *n.raft;
      ConfState cs = r.conf_state();
      os << " [" << r.id() << " state=" << static_cast<int>(r.state()) << " term=" << r.term()
         << " lead=" << r.leader() << " first=" << r.log().FirstIndex()
         << " last=" << r.log().LastIndex() << "/" << r.log().LastTerm()
         << " commit=" << r.log().committed() << " applied=" << n.applied.size()
         << " voters=" << ids(cs.voters) << " learners=" << ids(cs.learners) << "]";
    }
    return os.str();
  }

 private:
  enum class CrashPoint {
    kNow,          // between two Readies
    kBeforeSync,   // before a Ready's writes are synced: only a prefix survives
    kBeforeApply,  // after the sync, with some of the committed entries unapplied
    kNone,
  };

  struct Node {
    std::unique_ptr<MemoryStorage> storage;  // durable: the synced writes
    std::unique_ptr<Raft> raft;
    std::vector<Entry> applied;  // the state machine, durable with its applied index
    ConfState conf;              // the membership at the applied index, likewise
    std::map<uint64_t, std::vector<Entry>> staged;  // received snapshot data, by index
    bool was_leader = false;
    CrashPoint crash = CrashPoint::kNone;  // armed crash point
  };

  // A message on the wire; a MsgSnap carries the sender's state machine with it.
  struct InFlight {
    Message m;
    std::shared_ptr<const std::vector<Entry>> snapshot_data;
  };

  uint64_t Rand(uint64_t n) { return rng_() % n; }
  Node& RandomNode() { return nodes_[Rand(nodes_.size())]; }
  Node& node(uint64_t id) { return nodes_[id - 1]; }
  bool IsMember(uint64_t id) const {
    return Contains(cluster_.voters, id) || Contains(cluster_.learners, id);
  }
  // Spare ids get nothing until added; a removed node keeps running (and receiving) as a
  // real one does until its operator stops it.
  bool Reachable(uint64_t id) const { return IsMember(id) || ever_added_.count(id) != 0; }

  void Start(size_t i) {
    Node& n = nodes_[i];
    Config c;
    c.id = i + 1;
    c.conf = n.conf;  // the driver reads both from the state machine
    c.applied = n.applied.size();
    c.pre_vote = opts_.pre_vote;
    c.check_quorum = opts_.check_quorum;
    c.max_entries_per_msg = 8;
    c.max_inflight_msgs = 4;
    c.random = [this] { return rng_(); };
    c.storage = n.storage.get();
    n.raft = std::make_unique<Raft>(c);
    n.staged.clear();
    n.was_leader = false;
    n.crash = CrashPoint::kNone;
  }

  // The Raft loses its volatile state and restarts from the durable state.
  void Crash(size_t i) {
    ++stats_.crashes;
    Start(i);
    CheckDurable();
  }

  Node* Leader() {
    std::vector<Node*> leaders;
    for (auto& n : nodes_) {
      if (n.raft->state() == StateType::kLeader) leaders.push_back(&n);
    }
    return leaders.empty() ? nullptr : leaders[Rand(leaders.size())];
  }

  uint64_t Pick(const std::vector<uint64_t>& ids) { return ids[Rand(ids.size())]; }

  // A random membership change through ProposeConfChange on a leader; the core refuses
  // (and we ignore) the ones it must refuse.
  void ChangeMembership() {
    Node* l = Leader();
    if (l == nullptr) return;
    ConfState cs = l->raft->conf_state();
    std::vector<uint64_t> outside;
    for (uint64_t id = 1; id <= nodes_.size(); ++id) {
      if (!Contains(cs.voters, id) && !Contains(cs.learners, id)) outside.push_back(id);
    }
    ConfChange cc;
    switch (Rand(5)) {
      case 0:  // add (or re-add) a learner
        if (outside.empty()) return;
        cc = {ConfChangeType::kAddLearner, Pick(outside), ""};
        break;
      case 1:  // promote
        if (cs.learners.empty()) return;
        cc = {ConfChangeType::kAddVoter, Pick(cs.learners), ""};
        break;
      case 2:  // demote
        cc = {ConfChangeType::kAddLearner, Pick(cs.voters), ""};
        break;
      case 3:  // remove a voter or learner
        cs.voters.insert(cs.voters.end(), cs.learners.begin(), cs.learners.end());
        cc = {ConfChangeType::kRemoveNode, Pick(cs.voters), ""};
        break;
      default:  // add (or re-add) a voter directly
        if (outside.empty()) return;
        cc = {ConfChangeType::kAddVoter, Pick(outside), ""};
        break;
    }
    (void)l->raft->ProposeConfChange(cc);
  }

  void Transfer() {
    Node* l = Leader();
    if (l == nullptr) return;
    uint64_t to = Pick(l->raft->conf_state().voters);
    if (l->raft->TransferLeader(to).ok()) transfer_to_[to] = l->raft->term();
  }

  // A ReadIndex request: its ReadState must cover every entry committed before now.
  void Read() {
    std::string ctx = "r" + std::to_string(++reads_issued_);
    read_floor_[ctx] = committed_.size();
    RandomNode().raft->ReadIndex(ctx);
  }

  // The driver compacts its log up to a few entries before its applied index.
  void Compact(Node& n) {
    uint64_t applied = n.applied.size();
    uint64_t keep = Rand(4);
    if (applied <= keep) return;
    uint64_t index = applied - keep;
    if (index <= n.storage->Snapshot().index) return;
    if (!n.storage->Compact(index).ok()) return Fail("compaction failed");
    ++stats_.compactions;
  }

  void DeliverOne(bool chaos) {
    if (in_flight_.empty()) return;
    size_t k = Rand(in_flight_.size());  // any message: reordering
    InFlight f = in_flight_[k];
    if (!chaos || Rand(100) >= 5) {  // 5% duplicated: the copy stays in flight
      in_flight_[k] = std::move(in_flight_.back());
      in_flight_.pop_back();
    }
    bool lost = (chaos && Rand(100) < 10) || group_[f.m.from - 1] != group_[f.m.to - 1];
    Deliver(f, lost);
  }

  // The sender of a MsgSnap learns the outcome of the stream (ReportSnapshot).
  void Deliver(const InFlight& f, bool lost) {
    const Message& m = f.m;
    lost = lost || !Reachable(m.to);
    if (m.type == MessageType::kMsgSnap) {
      if (!lost) {
        node(m.to).staged[m.snapshot.index] = *f.snapshot_data;
        node(m.to).raft->Step(m);
      }
      node(m.from).raft->ReportSnapshot(m.to, lost);
      return;
    }
    if (!lost) node(m.to).raft->Step(m);
  }

  // The driver's handling of one Ready's snapshot: the state machine and the log storage
  // switch to it.
  void InstallSnapshot(Node& n, const SnapshotMeta& meta) {
    auto it = n.staged.find(meta.index);
    if (it == n.staged.end()) return Fail("snapshot " + std::to_string(meta.index) + " not staged");
    const std::vector<Entry>& data = it->second;
    for (size_t i = 0; i < data.size(); ++i) {
      if (i >= committed_.size() || !(data[i] == committed_[i])) {
        return Fail("snapshot data differs from the committed entries at " + std::to_string(i + 1));
      }
    }
    n.applied = data;
    n.conf = meta.conf;
    if (!n.storage->ApplySnapshot(meta).ok()) return Fail("ApplySnapshot refused");
    ++stats_.snapshots;
  }

  void Send(Node& n, std::vector<Message>& msgs) {
    for (Message& m : msgs) {
      InFlight f{std::move(m), nullptr};
      if (f.m.type == MessageType::kMsgSnap) {
        // The driver streams its state machine at its applied index (at or past the
        // core's snapshot point) and says so in the message.
        if (n.applied.size() < f.m.snapshot.index) return Fail("snapshot past applied");
        f.m.snapshot = SnapshotMeta{n.applied.size(), n.applied.back().term, n.conf};
        f.snapshot_data = std::make_shared<const std::vector<Entry>>(n.applied);
      }
      in_flight_.push_back(std::move(f));
    }
  }

  void DrainAndCheck() {
    for (size_t i = 0; i < nodes_.size(); ++i) {
      Node& n = nodes_[i];
      if (n.crash == CrashPoint::kNow) Crash(i);
      while (n.raft->HasReady() && failure_.empty()) {
        Ready rd = n.raft->GetReady();
        if (n.crash == CrashPoint::kBeforeSync) {
          // The driver installs the snapshot, writes the entries, then the hard state; a
          // torn tail leaves a prefix of those writes (possibly all of them: the crash
          // came after the sync but before any message went out).
          if (rd.snapshot) {
            if (Rand(2) == 0) {
              Crash(i);
              continue;
            }
            InstallSnapshot(n, *rd.snapshot);
          }
          size_t keep = Rand(rd.entries.size() + 1);
          n.storage->Append(std::vector<Entry>(rd.entries.begin(), rd.entries.begin() + keep));
          if (keep == rd.entries.size() && rd.hard_state && Rand(2) == 0) {
            n.storage->SetHardState(*rd.hard_state);
          }
          Crash(i);  // the restarted node may have a Ready (entries to re-apply)
          continue;
        }
        if (rd.snapshot) InstallSnapshot(n, *rd.snapshot);
        n.storage->Append(rd.entries);
        if (rd.hard_state) n.storage->SetHardState(*rd.hard_state);
        if (n.crash == CrashPoint::kBeforeApply) {
          if (Rand(2) == 0) Send(n, rd.messages);
          size_t apply = Rand(rd.committed_entries.size() + 1);
          for (size_t k = 0; k < apply; ++k) Apply(n, rd.committed_entries[k]);
          Crash(i);  // the restarted node may have a Ready (entries to re-apply)
          continue;
        }
        for (const Entry& e : rd.committed_entries) Apply(n, e);
        for (const ReadState& rs : rd.read_states) CheckRead(n, rs);
        Send(n, rd.messages);
        n.raft->Advance(rd);
      }
    }
    if (in_flight_.size() > 2000) {
      for (size_t k = 0; k < 1000; ++k) Deliver(in_flight_[k], /*lost=*/true);
      in_flight_.erase(in_flight_.begin(), in_flight_.begin() + 1000);
    }
    CheckLeaders();
    if (steps_ % 100 == 0) {
      CheckLogs();
      CheckDurable();
    }
  }

  // Linearizable reads: the read point covers every entry committed before the request.
  void CheckRead(const Node& n, const ReadState& rs) {
    auto it = read_floor_.find(rs.context);
    if (it == read_floor_.end()) return Fail("unknown read context " + rs.context);
    if (rs.index < it->second) {
      return Fail("node " + std::to_string(n.raft->id()) + " read " + rs.context + " at " +
                  std::to_string(rs.index) + " but " + std::to_string(it->second) +
                  " entries were committed before the request");
    }
    ++stats_.reads;
  }

  // No committed entry is ever lost: every entry any node applied (a leader reported it
  // committed, so its proposal was acknowledged) is durable (in the log or under the
  // snapshot point) on enough voters of the membership in force that every quorum of it
  // holds one, so any future leader holds it whatever crashes come.
  void CheckDurable() {
    const std::vector<uint64_t>& voters = cluster_.voters;
    size_t need = voters.size() - (voters.size() / 2 + 1) + 1;
    for (size_t i = 1; i <= committed_.size() && failure_.empty(); ++i) {
      size_t holders = 0;
      for (uint64_t id : voters) {
        const MemoryStorage& s = *node(id).storage;
        if (s.Snapshot().index >= i ||
            (s.LastIndex() >= i && s.Entries(i, i + 1)[0] == committed_[i - 1])) {
          ++holders;
        }
      }
      if (holders < need) {
        Fail("committed entry " + std::to_string(i) + " is durable on only " +
             std::to_string(holders) + " of " + std::to_string(voters.size()) + " voters");
      }
    }
  }

  // State machine safety: every node applies the same sequence; committed never changes.
  // The driver applies membership changes as it applies their entries.
  void Apply(Node& n, const Entry& e) {
    if (e.index != n.applied.size() + 1) {
      return Fail("node " + std::to_string(n.raft->id()) + " applied index " +
                  std::to_string(e.index) + " after " + std::to_string(n.applied.size()));
    }
    bool first = e.index > committed_.size();
    if (!first && !(committed_[e.index - 1] == e)) {
      return Fail("node " + std::to_string(n.raft->id()) + " applied a different entry at " +
                  std::to_string(e.index));
    }
    if (first) committed_.push_back(e);
    n.applied.push_back(e);
    if (e.type != EntryType::kConfigChange) return;
    Result<ConfChange> cc = DecodeConfChange(e.data);
    if (!cc) return Fail("undecodable conf change at " + std::to_string(e.index));
    n.conf = n.raft->ApplyConfChange(*cc);
    if (first) {
      ApplyToConf(&cluster_, *cc);
      if (cc->type != ConfChangeType::kRemoveNode) ever_added_.insert(cc->node_id);
      if (e.index > static_cast<uint64_t>(opts_.nodes)) ++stats_.conf_changes;
    }
  }

  // Election safety (one leader per term) and leader completeness.
  void CheckLeaders() {
    for (auto& n : nodes_) {
      bool leader = n.raft->state() == StateType::kLeader;
      if (leader) {
        auto [it, inserted] = leader_of_term_.emplace(n.raft->term(), n.raft->id());
        if (it->second != n.raft->id()) {
          return Fail("two leaders in term " + std::to_string(n.raft->term()));
        }
        if (!n.was_leader) {
          const RaftLog& log = n.raft->log();
          for (size_t i = log.FirstIndex() - 1; i <= committed_.size(); ++i) {
            if (i > 0 && log.Term(i) != committed_[i - 1].term) {
              return Fail("new leader " + std::to_string(n.raft->id()) + " lacks committed entry " +
                          std::to_string(i));
            }
          }
          auto t = transfer_to_.find(n.raft->id());
          if (t != transfer_to_.end() && t->second < n.raft->term()) {
            ++stats_.transfers;
            transfer_to_.erase(t);
          }
        }
      }
      n.was_leader = leader;
    }
  }

  // Log matching: committed prefixes equal the committed sequence, and two logs that agree
  // on an entry's term agree on every entry before it (both still hold).
  void CheckLogs() {
    for (const auto& n : nodes_) {
      const RaftLog& log = n.raft->log();
      uint64_t hi = std::min<uint64_t>(log.committed(), committed_.size());
      uint64_t lo = log.FirstIndex();
      if (lo > hi) continue;
      std::vector<Entry> prefix = log.Slice(lo, hi + 1, hi + 1 - lo);
      for (size_t k = 0; k < prefix.size(); ++k) {
        if (!(prefix[k] == committed_[lo + k - 1])) {
          return Fail("node " + std::to_string(n.raft->id()) + " committed prefix differs at " +
                      std::to_string(lo + k));
        }
      }
    }
    for (size_t a = 0; a < nodes_.size(); ++a) {
      for (size_t b = a + 1; b < nodes_.size(); ++b) {
        const RaftLog& la = nodes_[a].raft->log();
        const RaftLog& lb = nodes_[b].raft->log();
        uint64_t lo = std::max(la.FirstIndex(), lb.FirstIndex());
        for (uint64_t i = std::min(la.LastIndex(), lb.LastIndex()); i >= lo; --i) {
          if (la.Term(i) != lb.Term(i)) continue;
          if (la.Slice(lo, i + 1, i + 1 - lo) != lb.Slice(lo, i + 1, i + 1 - lo)) {
            return Fail("log matching violated between nodes " + std::to_string(a + 1) + " and " +
                        std::to_string(b + 1) + " below " + std::to_string(i));
          }
          break;
        }
      }
    }
  }

  void Fail(const std::string& what) {
    if (!failure_.empty()) return;
    std::ostringstream os;
    os << "seed " << seed_ << " step " << steps_ << ": " << what
       << " (replay: RAFT_SIM_SEED=" << seed_ << ")";
    failure_ = os.str();
  }

  const uint64_t seed_;
  const SimOptions opts_;
  std::mt19937_64 rng_;
  std::vector<Node> nodes_;  // node id i + 1 at nodes_[i]
  std::vector<int> group_;   // nodes in different groups cannot talk
  std::vector<InFlight> in_flight_;
  std::map<uint64_t, uint64_t> leader_of_term_;
  std::vector<Entry> committed_;                // every entry any node applied, by index - 1
  ConfState cluster_;                           // the membership after every committed change
  std::set<uint64_t> ever_added_;               // ids a committed change ever added
  std::map<std::string, uint64_t> read_floor_;  // ReadIndex context -> committed at request
  std::map<uint64_t, uint64_t> transfer_to_;    // transferee -> the leader's term then
  int proposals_ = 0;
  int reads_issued_ = 0;
  int steps_ = 0;
  SimStats stats_;
  std::string failure_;
};

SimOptions OptionsForSeed(uint64_t seed) {
  SimOptions o;
  o.nodes = seed % 2 == 0 ? 3 : 5;
  o.pre_vote = (seed / 2) % 2 == 1;
  o.check_quorum = (seed / 4) % 2 == 1;
  return o;
}

TEST(RaftSimTest, SafetyUnderChaosMembershipChangesSnapshotsAndTransfers) {
  uint64_t first = 0, last = 3000;
  if (const char* s = std::getenv("RAFT_SIM_SEEDS")) last = std::strtoull(s, nullptr, 10);
  if (const char* s = std::getenv("RAFT_SIM_SEED")) {
    first = std::strtoull(s, nullptr, 10);
    last = first + 1;
  }
  SimStats total;
  for (uint64_t seed = first; seed < last; ++seed) {
    Simulator sim(seed, OptionsForSeed(seed));
    bool ok = true;
    for (int step = 0; step < 2000 && ok; ++step) ok = sim.Step(/*chaos=*/true);
    if (ok) ok = sim.Converge();
    ASSERT_TRUE(ok) << sim.failure();
    total.Add(sim.stats());
  }
  // The schedules must exercise every feature, or the safety checks prove nothing.
  const int seeds = static_cast<int>(last - first);
  EXPECT_GT(total.committed, static_cast<size_t>(seeds) * 5);
  EXPECT_GT(total.crashes, seeds * 5);
  EXPECT_GT(total.conf_changes, seeds);
  EXPECT_GT(total.snapshots, seeds / 2);
  EXPECT_GT(total.reads, seeds);
  EXPECT_GT(total.transfers, seeds / 4);
  std::printf(
      "sim: %d seeds, %zu committed, %d crashes, %d conf changes, %d compactions, %d snapshots "
      "installed, %d reads, %d transfers\n",
      seeds, total.committed, total.crashes, total.conf_changes, total.compactions, total.snapshots,
      total.reads, total.transfers);
  RecordProperty("committed_entries", static_cast<int>(total.committed));
  RecordProperty("crashes", total.crashes);
  RecordProperty("conf_changes", total.conf_changes);
  RecordProperty("snapshots", total.snapshots);
}

}  // namespace
}  // namespace coffer::storage::raft
