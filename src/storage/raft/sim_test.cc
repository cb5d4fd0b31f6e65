// A deterministic network simulator: N Raft nodes driven through their Ready loop by a
// seeded PRNG that loses, duplicates and reorders messages, partitions and heals the
// network, and crashes nodes. A node's durable state is its MemoryStorage (what the driver
// persisted and synced for a Ready) and its state machine (the applied entries, durable
// with their index). A crash loses everything else: it may strike between Readies, before
// a Ready is synced (only a prefix of its writes survives, in the order the driver writes
// them: entries, then the hard state, and none of its messages are sent), or after the
// sync but before the Ready's committed entries are all applied (the restart resumes
// from Config::applied). Safety is checked after every step; a failure names its seed,
// and RAFT_SIM_SEED=<seed> replays only that one; RAFT_SIM_SEEDS=<n> runs seeds [0, n)
// instead of [0, 300).

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "storage/raft/raft.h"

namespace coffer::storage::raft {
namespace {

struct SimOptions {
  int nodes = 3;
  bool pre_vote = false;
  bool check_quorum = false;
};

class Simulator {
 public:
  Simulator(uint64_t seed, const SimOptions& opts) : seed_(seed), opts_(opts), rng_(seed) {
    for (int i = 1; i <= opts.nodes; ++i) ids_.push_back(i);
    nodes_.resize(opts.nodes);
    for (int i = 0; i < opts.nodes; ++i) {
      nodes_[i].storage = std::make_unique<MemoryStorage>();
      Start(i);
    }
    group_.assign(opts.nodes, 0);
  }

  // One random action, then every node's Ready is processed and the invariants checked.
  // Returns false (see failure()) once an invariant is violated.
  bool Step(bool chaos) {
    uint64_t r = Rand(100);
    if (r < 45) {
      DeliverOne(chaos);
    } else if (r < 75) {
      nodes_[Rand(nodes_.size())].raft->Tick();
    } else if (r < 88) {
      (void)nodes_[Rand(nodes_.size())].raft->Propose("p" + std::to_string(++proposals_));
    } else if (chaos && r < 91) {
      for (int& g : group_) g = static_cast<int>(Rand(2));
    } else if (r < 96) {
      group_.assign(nodes_.size(), 0);
    } else if (chaos && r < 97) {
      // A crash now, or at a crash point in the node's next Ready.
      Node& n = nodes_[Rand(nodes_.size())];
      if (n.crash == CrashPoint::kNone) n.crash = static_cast<CrashPoint>(Rand(3));
    }
    DrainAndCheck();
    ++steps_;
    return failure_.empty();
  }

  // Heals the network and runs reliable rounds until a leader commits a new entry on all
  // nodes (liveness after chaos stops).
  bool Converge() {
    group_.assign(nodes_.size(), 0);
    const std::string marker = "final";
    for (int round = 0; round < 400 && failure_.empty(); ++round) {
      while (!in_flight_.empty() && failure_.empty()) {
        Message m = std::move(in_flight_.front());
        in_flight_.erase(in_flight_.begin());
        nodes_[m.to - 1].raft->Step(m);
        DrainAndCheck();
      }
      bool all_have = true;
      for (const auto& n : nodes_) {
        all_have = all_have && std::any_of(n.applied.begin(), n.applied.end(),
                                           [&](const Entry& e) { return e.data == marker; });
      }
      // Every node applied the marker, so (applying in order) every entry acknowledged
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

  // Each node's state, for failure messages.
  std::string Describe() const {
    std::ostringstream os;
    for (const auto& n : nodes_) {
      const Raft& r = *n.raft;
      os << " [" << r.id() << " state=" << static_cast<int>(r.state()) << " term=" << r.term()
         << " lead=" << r.leader() << " last=" << r.log().LastIndex() << "/" << r.log().LastTerm()
         << " commit=" << r.log().committed() << "]";
    }
    return os.str();
  }
  size_t committed() const { return committed_.size(); }
  int crashes() const { return crashes_; }

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
    bool was_leader = false;
    CrashPoint crash = CrashPoint::kNone;  // armed crash point
  };

  uint64_t Rand(uint64_t n) { return rng_() % n; }

  void Start(size_t i) {
    Config c;
    c.id = ids_[i];
    c.peers = ids_;
    c.pre_vote = opts_.pre_vote;
    c.check_quorum = opts_.check_quorum;
    c.random = [this] { return rng_(); };
    c.storage = nodes_[i].storage.get();
    c.applied = nodes_[i].applied.size();  // the driver reads it from the state machine
    nodes_[i].raft = std::make_unique<Raft>(c);
    nodes_[i].was_leader = false;
    nodes_[i].crash = CrashPoint::kNone;
  }

  // The Raft loses its volatile state and restarts from the durable state.
  void Crash(size_t i) {
    ++crashes_;
    Start(i);
    CheckDurable();
  }

  void DeliverOne(bool chaos) {
    if (in_flight_.empty()) return;
    size_t k = Rand(in_flight_.size());  // any message: reordering
    Message m = in_flight_[k];
    if (!chaos || Rand(100) >= 5) {  // 5% duplicated: the copy stays in flight
      in_flight_[k] = std::move(in_flight_.back());
      in_flight_.pop_back();
    }
    if (chaos && Rand(100) < 10) return;                 // lost
    if (group_[m.from - 1] != group_[m.to - 1]) return;  // partitioned
    nodes_[m.to - 1].raft->Step(m);
  }

  void DrainAndCheck() {
    for (size_t i = 0; i < nodes_.size(); ++i) {
      Node& n = nodes_[i];
      if (n.crash == CrashPoint::kNow) Crash(i);
      while (n.raft->HasReady() && failure_.empty()) {
        Ready rd = n.raft->GetReady();
        if (n.crash == CrashPoint::kBeforeSync) {
          // The driver writes the entries, then the hard state; a torn tail leaves a
          // prefix of those writes (possibly all of them: the crash came after the sync
          // but before any message went out).
          size_t keep = Rand(rd.entries.size() + 1);
          n.storage->Append(std::vector<Entry>(rd.entries.begin(), rd.entries.begin() + keep));
          if (keep == rd.entries.size() && rd.hard_state && Rand(2) == 0) {
            n.storage->SetHardState(*rd.hard_state);
          }
          Crash(i);  // the restarted node may have a Ready (entries to re-apply)
          continue;
        }
        if (rd.hard_state) n.storage->SetHardState(*rd.hard_state);
        n.storage->Append(rd.entries);
        if (n.crash == CrashPoint::kBeforeApply) {
          if (Rand(2) == 0) {
            for (Message& m : rd.messages) in_flight_.push_back(std::move(m));
          }
          size_t apply = Rand(rd.committed_entries.size() + 1);
          for (size_t k = 0; k < apply; ++k) Apply(n, rd.committed_entries[k]);
          Crash(i);  // the restarted node may have a Ready (entries to re-apply)
          continue;
        }
        for (const Entry& e : rd.committed_entries) Apply(n, e);
        for (Message& m : rd.messages) in_flight_.push_back(std::move(m));
        n.raft->Advance(rd);
      }
    }
    if (in_flight_.size() > 2000) in_flight_.erase(in_flight_.begin(), in_flight_.begin() + 1000);
    CheckLeaders();
    if (steps_ % 100 == 0) {
      CheckLogs();
      CheckDurable();
    }
  }

  // No committed entry is ever lost: every entry any node applied (a leader reported it
  // committed, so its proposal was acknowledged) is durable on a quorum of nodes, so any
  // future leader holds it whatever crashes come.
  void CheckDurable() {
    for (size_t i = 1; i <= committed_.size() && failure_.empty(); ++i) {
      size_t holders = 0;
      for (const auto& n : nodes_) {
        if (n.storage->LastIndex() >= i && n.storage->Entries(i, i + 1)[0] == committed_[i - 1]) {
          ++holders;
        }
      }
      if (holders < nodes_.size() / 2 + 1) {
        Fail("committed entry " + std::to_string(i) + " is durable on only " +
             std::to_string(holders) + " nodes");
      }
    }
  }

  // State machine safety: every node applies the same sequence; committed never changes.
  void Apply(Node& n, const Entry& e) {
    if (e.index != n.applied.size() + 1) {
      return Fail("node " + std::to_string(n.raft->id()) + " applied index " +
                  std::to_string(e.index) + " after " + std::to_string(n.applied.size()));
    }
    if (e.index <= committed_.size()) {
      if (!(committed_[e.index - 1] == e)) {
        return Fail("node " + std::to_string(n.raft->id()) + " applied a different entry at " +
                    std::to_string(e.index));
      }
    } else {
      committed_.push_back(e);
    }
    n.applied.push_back(e);
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
          for (size_t i = 1; i <= committed_.size(); ++i) {
            if (n.raft->log().Term(i) != committed_[i - 1].term) {
              return Fail("new leader " + std::to_string(n.raft->id()) + " lacks committed entry " +
                          std::to_string(i));
            }
          }
        }
      }
      n.was_leader = leader;
    }
  }

  // Log matching: committed prefixes equal the committed sequence, and two logs that agree
  // on an entry's term agree on every entry before it.
  void CheckLogs() {
    for (const auto& n : nodes_) {
      const RaftLog& log = n.raft->log();
      std::vector<Entry> prefix = log.Slice(1, log.committed() + 1, log.committed());
      for (size_t i = 0; i < prefix.size() && i < committed_.size(); ++i) {
        if (!(prefix[i] == committed_[i])) {
          return Fail("node " + std::to_string(n.raft->id()) + " committed prefix differs at " +
                      std::to_string(i + 1));
        }
      }
    }
    for (size_t a = 0; a < nodes_.size(); ++a) {
      for (size_t b = a + 1; b < nodes_.size(); ++b) {
        const RaftLog& la = nodes_[a].raft->log();
        const RaftLog& lb = nodes_[b].raft->log();
        for (uint64_t i = std::min(la.LastIndex(), lb.LastIndex()); i > 0; --i) {
          if (la.Term(i) != lb.Term(i)) continue;
          if (la.Slice(1, i + 1, i) != lb.Slice(1, i + 1, i)) {
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
  std::vector<uint64_t> ids_;
  std::vector<Node> nodes_;
  std::vector<int> group_;  // nodes in different groups cannot talk
  std::vector<Message> in_flight_;
  std::map<uint64_t, uint64_t> leader_of_term_;
  std::vector<Entry> committed_;  // every entry any node applied, by index - 1
  int proposals_ = 0;
  int steps_ = 0;
  int crashes_ = 0;
  std::string failure_;
};

SimOptions OptionsForSeed(uint64_t seed) {
  SimOptions o;
  o.nodes = seed % 2 == 0 ? 3 : 5;
  o.pre_vote = (seed / 2) % 2 == 1;
  o.check_quorum = (seed / 4) % 2 == 1;
  return o;
}

TEST(RaftSimTest, SafetyUnderLossReorderingPartitionsAndRestarts) {
  uint64_t first = 0, last = 300;
  if (const char* s = std::getenv("RAFT_SIM_SEEDS")) last = std::strtoull(s, nullptr, 10);
  if (const char* s = std::getenv("RAFT_SIM_SEED")) {
    first = std::strtoull(s, nullptr, 10);
    last = first + 1;
  }
  size_t total_committed = 0;
  int total_crashes = 0;
  for (uint64_t seed = first; seed < last; ++seed) {
    Simulator sim(seed, OptionsForSeed(seed));
    bool ok = true;
    for (int step = 0; step < 2000 && ok; ++step) ok = sim.Step(/*chaos=*/true);
    if (ok) ok = sim.Converge();
    ASSERT_TRUE(ok) << sim.failure();
    total_committed += sim.committed();
    total_crashes += sim.crashes();
  }
  // The schedules must make progress, or the safety checks above prove nothing.
  EXPECT_GT(total_committed, (last - first) * 5);
  EXPECT_GT(total_crashes, static_cast<int>(last - first) * 5);
  RecordProperty("committed_entries", static_cast<int>(total_committed));
  RecordProperty("crashes", total_crashes);
}

}  // namespace
}  // namespace coffer::storage::raft
