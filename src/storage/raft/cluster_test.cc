// Multi-node clusters of real Nodes (WAL + LMDB state machine) in one process, over an
// in-memory Transport: messages are delivered with Node::Step, snapshots streamed into a
// temporary file on a thread and handed to Node::ReceiveSnapshot.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "storage/raft/node.h"
#include "storage/testing.h"

namespace coffer::storage::raft {
namespace {

using namespace std::chrono_literals;

bool WaitFor(const std::function<bool()>& pred, std::chrono::milliseconds timeout = 10s) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return pred();
}

std::string PutCmd(const std::string& k, const std::string& v) {
  return EncodeBatch(std::vector<Op>{Op::Put(k, v)});
}

std::map<std::string, std::string> Dump(StateMachine& sm, const std::string& prefix = "") {
  std::map<std::string, std::string> out;
  auto keys = sm.List(prefix);
  if (!keys) return out;
  for (const std::string& k : *keys) {
    if (k.ends_with("/")) {
      auto sub = Dump(sm, prefix + k);
      out.insert(sub.begin(), sub.end());
    } else if (auto v = sm.Get(prefix + k); v && *v) {
      out[prefix + k] = **v;
    }
  }
  return out;
}

class Cluster;

class MemTransport : public Transport {
 public:
  MemTransport(Cluster* cluster, uint64_t self) : cluster_(cluster), self_(self) {}
  void Send(std::vector<Message> messages) override;
  void SendSnapshot(Message m, std::function<Status(const SnapshotSink&)> write) override;
  void UpdatePeers(const std::vector<Member>& members) override {
    std::lock_guard lock(mu_);
    peers_ = members;
  }
  std::vector<Member> peers() {
    std::lock_guard lock(mu_);
    return peers_;
  }

 private:
  Cluster* cluster_;
  uint64_t self_;
  std::mutex mu_;
  std::vector<Member> peers_;
};

class Cluster {
 public:
  explicit Cluster(int n, uint64_t snapshot_threshold = 8192, uint64_t trailing_logs = 10000)
      : threshold_(snapshot_threshold), trailing_(trailing_logs) {
    for (int i = 0; i < n; ++i) {
      names_.push_back("node" + std::to_string(i));
      dirs_.push_back(std::make_unique<TempDir>());
      transports_.push_back(std::make_unique<MemTransport>(this, Id(i)));
      nodes_.emplace_back();
    }
  }
  ~Cluster() {
    for (size_t i = 0; i < nodes_.size(); ++i) Stop(static_cast<int>(i));
    JoinSnapshotThreads();
  }

  uint64_t Id(int i) const { return MemberId(names_[i]); }
  Member MemberOf(int i, bool voter = true) const {
    return Member{Id(i), names_[i], "mem://" + names_[i], voter};
  }
  Node& node(int i) { return *nodes_[i]; }
  MemTransport& transport(int i) { return *transports_[i]; }
  bool up(int i) const { return nodes_[i] != nullptr; }

  void Start(int i) {
    NodeOptions opts;
    opts.id = Id(i);
    opts.name = names_[i];
    opts.address = "mem://" + names_[i];
    opts.tick_interval = 10ms;
    opts.election_tick = 10;
    opts.fsm_map_size = 1 << 22;
    opts.propose_timeout = 5000ms;
    opts.fsm_no_sync = true;
    opts.unsafe_wal_no_sync = true;
    opts.transport = transports_[i].get();
    opts.snapshot_threshold = threshold_;
    opts.trailing_logs = trailing_;
    opts.on_leadership = [this, i](bool leading, uint64_t term) {
      std::lock_guard lock(mu_);
      leadership_events_.push_back({i, leading, term});
    };
    auto n = Node::Open(dirs_[i]->path(), opts);
    ASSERT_TRUE(IsOk(n)) << n.error().ToString();
    std::lock_guard lock(mu_);
    nodes_[i] = std::move(*n);
    live_[Id(i)] = nodes_[i].get();
  }

  void Stop(int i) {
    if (nodes_[i] == nullptr) return;
    {
      std::lock_guard lock(mu_);
      live_.erase(Id(i));
    }
    JoinSnapshotThreads();  // they may use the node
    nodes_[i]->Shutdown();
    nodes_[i].reset();
  }

  // Bootstraps node 0 and adds the others as voters.
  void Form(int voters) {
    for (int i = 0; i < voters; ++i) Start(i);
    ASSERT_TRUE(IsOk(node(0).Bootstrap()));
    ASSERT_TRUE(WaitFor([&] { return node(0).IsLeader(); }));
    for (int i = 1; i < voters; ++i) {
      Status st = node(0).AddMember(MemberOf(i));
      ASSERT_TRUE(st.ok()) << st.ToString();
    }
  }

  int Leader() {
    for (size_t i = 0; i < nodes_.size(); ++i) {
      if (nodes_[i] != nullptr && nodes_[i]->IsLeader()) return static_cast<int>(i);
    }
    return -1;
  }
  int WaitLeader() {
    int leader = -1;
    WaitFor([&] { return (leader = Leader()) >= 0; });
    return leader;
  }

  // Waits until every running node applied what `leader` applied.
  bool Converge(int leader) {
    return WaitFor([&] {
      uint64_t want = node(leader).state_machine().AppliedIndex();
      for (size_t i = 0; i < nodes_.size(); ++i) {
        if (nodes_[i] != nullptr && nodes_[i]->state_machine().AppliedIndex() < want) return false;
      }
      return true;
    });
  }

  // Drops every message between nodes i and j (both ways) until Connect.
  void Cut(int i, int j) {
    std::lock_guard lock(mu_);
    cut_.insert({std::min(Id(i), Id(j)), std::max(Id(i), Id(j))});
  }
  void Connect(int i, int j) {
    std::lock_guard lock(mu_);
    cut_.erase({std::min(Id(i), Id(j)), std::max(Id(i), Id(j))});
  }

  void Deliver(std::vector<Message> messages) {
    std::lock_guard lock(mu_);
    for (Message& m : messages) {
      if (cut_.contains({std::min(m.from, m.to), std::max(m.from, m.to)})) continue;
      auto it = live_.find(m.to);
      if (it != live_.end()) it->second->Step(std::move(m));
    }
  }

  void StreamSnapshot(uint64_t from, Message m, std::function<Status(const SnapshotSink&)> write) {
    std::lock_guard lock(snap_mu_);
    ++snapshots_sent_[m.to];
    snap_threads_.emplace_back([this, from, m = std::move(m), write = std::move(write)]() mutable {
      std::string path;
      Node* to = nullptr;
      {
        std::lock_guard lock(mu_);
        auto it = live_.find(m.to);
        if (it != live_.end()) to = it->second;
      }
      const uint64_t peer = m.to;
      Status st = to == nullptr ? Unavailable("peer down") : Status::Ok();
      if (st.ok()) {
        path = scratch_.path() + "/snap-" + std::to_string(++snap_seq_) + ".snap";
        st = WriteSnapshotFile(path, write);
      }
      std::lock_guard lock(mu_);
      auto receiver = live_.find(peer);
      if (st.ok() && receiver != live_.end()) receiver->second->ReceiveSnapshot(m, path);
      auto sender = live_.find(from);
      if (sender != live_.end()) sender->second->ReportSnapshot(peer, !st.ok());
    });
  }

  int snapshots_sent(uint64_t to) {
    std::lock_guard lock(snap_mu_);
    return snapshots_sent_[to];
  }

  struct LeadershipEvent {
    int node;
    bool leading;
    uint64_t term;
  };
  std::vector<LeadershipEvent> leadership_events() {
    std::lock_guard lock(mu_);
    return leadership_events_;
  }

 private:
  void JoinSnapshotThreads() {
    std::vector<std::thread> threads;
    {
      std::lock_guard lock(snap_mu_);
      threads.swap(snap_threads_);
    }
    for (auto& t : threads) t.join();
  }

  const uint64_t threshold_;
  const uint64_t trailing_;
  std::vector<std::string> names_;
  std::vector<std::unique_ptr<TempDir>> dirs_;
  std::vector<std::unique_ptr<MemTransport>> transports_;
  std::vector<std::unique_ptr<Node>> nodes_;
  std::mutex mu_;
  std::map<uint64_t, Node*> live_;               // guarded by mu_
  std::set<std::pair<uint64_t, uint64_t>> cut_;  // guarded by mu_
  std::vector<LeadershipEvent> leadership_events_;
  TempDir scratch_;
  std::mutex snap_mu_;
  std::vector<std::thread> snap_threads_;
  std::map<uint64_t, int> snapshots_sent_;
  std::atomic<int> snap_seq_{0};
};

void MemTransport::Send(std::vector<Message> messages) {
  for (Message& m : messages) m.from = self_;
  cluster_->Deliver(std::move(messages));
}

void MemTransport::SendSnapshot(Message m, std::function<Status(const SnapshotSink&)> write) {
  m.from = self_;
  cluster_->StreamSnapshot(self_, std::move(m), std::move(write));
}

TEST(ClusterTest, ElectReplicateAndSurviveLeaderLoss) {
  Cluster c(3);
  c.Form(3);
  EXPECT_EQ(c.node(0).Members().size(), 3u);
  std::set<uint64_t> ids;
  for (const Member& m : c.node(0).Members()) {
    ids.insert(m.id);
    EXPECT_TRUE(m.voter);
  }
  EXPECT_EQ(ids, (std::set<uint64_t>{c.Id(0), c.Id(1), c.Id(2)}));
  for (int i = 0; i < 50; ++i) {
    ASSERT_TRUE(c.node(0).Propose(PutCmd("k/" + std::to_string(i), "v" + std::to_string(i))).ok());
  }
  ASSERT_TRUE(c.Converge(0));
  for (int i = 0; i < 3; ++i) EXPECT_EQ(Dump(c.node(i).state_machine()).size(), 50u) << i;
  EXPECT_EQ(c.transport(2).peers().size(), 3u);  // UpdatePeers after the changes
  EXPECT_EQ(c.node(1).Propose(PutCmd("x", "y")).code(), StatusCode::kUnavailable);

  c.Stop(0);
  int leader = c.WaitLeader();
  ASSERT_GE(leader, 1);
  auto data = Dump(c.node(leader).state_machine());
  for (int i = 0; i < 50; ++i) EXPECT_EQ(data["k/" + std::to_string(i)], "v" + std::to_string(i));
  ASSERT_TRUE(c.node(leader).Propose(PutCmd("after", "failover")).ok());
  // The old leader comes back as a follower and catches up.
  c.Start(0);
  ASSERT_TRUE(c.Converge(leader));
  EXPECT_EQ(Dump(c.node(0).state_machine()), Dump(c.node(leader).state_machine()));
  EXPECT_EQ(c.node(0).Members().size(), 3u);

  NodeStatus st = c.node(leader).GetStatus();
  EXPECT_EQ(st.state, StateType::kLeader);
  EXPECT_EQ(st.peers.size(), 3u);
  for (const PeerStatus& p : st.peers) {
    EXPECT_GT(p.match, 0u) << p.member.name;
    EXPECT_LT(p.since_last_contact, 2000ms) << p.member.name;
    EXPECT_FALSE(p.member.address.empty());
  }
  bool old_leader = false, new_leader = false;
  for (const auto& e : c.leadership_events()) {
    old_leader = old_leader || (e.node == 0 && e.leading);
    new_leader = new_leader || (e.node == leader && e.leading && e.term > 1);
  }
  EXPECT_TRUE(old_leader);
  EXPECT_TRUE(new_leader);
}

TEST(ClusterTest, LearnerCatchesUpByLogAndBySnapshotThenPromotedAndRemoved) {
  Cluster c(4, /*snapshot_threshold=*/20, /*trailing_logs=*/5);
  c.Form(3);
  c.Start(3);
  ASSERT_TRUE(c.node(0).AddMember(c.MemberOf(3, /*voter=*/false)).ok());
  for (int i = 0; i < 10; ++i)
    ASSERT_TRUE(c.node(0).Propose(PutCmd("a/" + std::to_string(i), "1")).ok());
  ASSERT_TRUE(c.Converge(0));
  EXPECT_EQ(Dump(c.node(3).state_machine()).size(), 10u);
  const int by_log = c.snapshots_sent(c.Id(3));

  c.Stop(3);
  for (int i = 0; i < 100; ++i)
    ASSERT_TRUE(c.node(0).Propose(PutCmd("b/" + std::to_string(i), "2")).ok());
  EXPECT_GT(c.node(0).GetStatus().snapshot_index, 50u);  // compacted
  c.Start(3);
  ASSERT_TRUE(c.Converge(0));
  EXPECT_GT(c.snapshots_sent(c.Id(3)), by_log);
  EXPECT_EQ(Dump(c.node(3).state_machine()), Dump(c.node(0).state_machine()));
  EXPECT_EQ(c.node(3).Members().size(), 4u);
  EXPECT_FALSE(c.node(3).IsLeader());

  // Promote, then remove.
  ASSERT_TRUE(c.node(0).AddMember(c.MemberOf(3, /*voter=*/true)).ok());
  ASSERT_TRUE(c.Converge(0));
  for (const Member& m : c.node(3).Members()) EXPECT_TRUE(m.voter) << m.name;
  EXPECT_EQ(c.node(0).AddMember(c.MemberOf(3, true)).code(), StatusCode::kInvalidArgument);
  ASSERT_TRUE(c.node(0).RemoveMember(c.Id(3)).ok());
  ASSERT_TRUE(c.Converge(0));
  EXPECT_EQ(c.node(0).Members().size(), 3u);
  EXPECT_EQ(c.node(1).Members().size(), 3u);
  ASSERT_TRUE(c.node(0).Propose(PutCmd("after", "removal")).ok());
}

TEST(ClusterTest, TransferLeadershipAndReadBarrier) {
  Cluster c(3);
  c.Form(3);
  ASSERT_TRUE(c.node(0).Propose(PutCmd("k", "1")).ok());
  ASSERT_TRUE(c.Converge(0));
  Status st = c.node(0).TransferLeadership(c.Id(2), 5000ms);
  ASSERT_TRUE(st.ok()) << st.ToString();
  ASSERT_TRUE(WaitFor([&] { return c.node(2).IsLeader(); }));
  EXPECT_FALSE(c.node(0).IsLeader());
  // A write on the new leader is visible on a follower after its read barrier.
  ASSERT_TRUE(c.node(2).Propose(PutCmd("k", "2")).ok());
  for (int i : {0, 1, 2}) {
    Status rb = c.node(i).ReadBarrier(5000ms);
    ASSERT_TRUE(rb.ok()) << i << ": " << rb.ToString();
    EXPECT_EQ(**c.node(i).state_machine().Get("k"), "2") << i;
  }
  // Without a quorum there is no read barrier.
  c.Stop(0);
  c.Stop(1);
  EXPECT_EQ(c.node(2).ReadBarrier(500ms).code(), StatusCode::kUnavailable);
  bool lost = false;
  for (const auto& e : c.leadership_events()) lost = lost || (e.node == 0 && !e.leading);
  EXPECT_TRUE(lost);
}

// Samples until another node leads (or `for`): fails if node `old` still held its lease
// after another node was seen leading. The other node is sampled first, so a violation
// seen is a real overlap.
void ExpectLeaseEndsFirst(Cluster& c, int old, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  bool lease_ended = false;
  while (std::chrono::steady_clock::now() < deadline) {
    bool other = false;
    for (int i = 0; i < 3; ++i) other = other || (i != old && c.up(i) && c.node(i).IsLeader());
    const bool lease = c.node(old).HasLeaderLease();
    lease_ended = lease_ended || !lease;
    ASSERT_FALSE(other && lease) << "node " << old << " held its lease after a new leader arose";
    if (other) break;
    std::this_thread::sleep_for(200us);
  }
  EXPECT_TRUE(lease_ended);
}

TEST(ClusterTest, LeaderLeaseEndsBeforeAnotherLeaderIsElected) {
  Cluster c(3);
  c.Form(3);
  for (int round = 0; round < 3; ++round) {
    const int leader = c.WaitLeader();
    ASSERT_GE(leader, 0);
    ASSERT_TRUE(WaitFor([&] { return c.node(leader).HasLeaderLease(); }));
    EXPECT_TRUE(IsOk(c.node(leader).ConfirmLeadership()));
    EXPECT_GT(c.node(leader).lease_duration().count(), 0);
    for (int i = 0; i < 3; ++i) {
      if (i != leader) c.Cut(leader, i);
    }
    ExpectLeaseEndsFirst(c, leader, 5s);
    // Past its lease the cut-off leader cannot confirm it leads.
    EXPECT_FALSE(IsOk(c.node(leader).ConfirmLeadership()));
    for (int i = 0; i < 3; ++i) c.Connect(leader, i);
    // Until it hears the new term the old leader still thinks it leads.
    ASSERT_TRUE(WaitFor([&] {
      int leaders = 0;
      for (int i = 0; i < 3; ++i) leaders += c.node(i).IsLeader() ? 1 : 0;
      return leaders == 1 && !c.node(leader).IsLeader();
    }));
  }
}

TEST(ClusterTest, TransferDropsTheLease) {
  Cluster c(3);
  c.Form(3);
  ASSERT_EQ(c.WaitLeader(), 0);
  ASSERT_TRUE(WaitFor([&] { return c.node(0).HasLeaderLease(); }));
  ASSERT_TRUE(IsOk(c.node(0).TransferLeadership(c.Id(1), 5s)));
  EXPECT_FALSE(c.node(0).HasLeaderLease());
  EXPECT_FALSE(IsOk(c.node(0).ConfirmLeadership()));
  ASSERT_TRUE(WaitFor([&] { return c.node(1).HasLeaderLease(); }));
}

TEST(ClusterTest, SaveAndRestoreSnapshot) {
  Cluster c(3);
  c.Form(3);
  for (int i = 0; i < 30; ++i)
    ASSERT_TRUE(c.node(0).Propose(PutCmd("a/" + std::to_string(i), "v")).ok());
  std::string saved;
  auto meta = c.node(0).SaveSnapshot([&](std::string_view chunk) {
    saved.append(chunk);
    return Status::Ok();
  });
  ASSERT_TRUE(IsOk(meta));
  const auto want = Dump(c.node(0).state_machine());
  for (int i = 0; i < 10; ++i)
    ASSERT_TRUE(c.node(0).Propose(PutCmd("b/" + std::to_string(i), "w")).ok());
  ASSERT_TRUE(c.node(0).Propose(EncodeBatch(std::vector<Op>{Op::Delete("a/3")})).ok());
  ASSERT_TRUE(c.Converge(0));
  const auto before = Dump(c.node(0).state_machine());

  auto source = [](const std::string& data) {
    auto pos = std::make_shared<size_t>(0);
    return SnapshotSource([&data, pos](char* buf, size_t n) -> Result<size_t> {
      size_t k = std::min(n, data.size() - *pos);
      std::copy_n(data.data() + *pos, k, buf);
      *pos += k;
      return k;
    });
  };
  // Damaged or truncated: refused, nothing changes anywhere.
  std::string bad = saved;
  bad[bad.size() / 2] ^= 1;
  EXPECT_EQ(c.node(0).RestoreSnapshot(source(bad)).code(), StatusCode::kCorruption);
  std::string cut = saved.substr(0, saved.size() - 10);
  EXPECT_EQ(c.node(0).RestoreSnapshot(source(cut)).code(), StatusCode::kCorruption);
  ASSERT_TRUE(c.Converge(0));
  for (int i = 0; i < 3; ++i) EXPECT_EQ(Dump(c.node(i).state_machine()), before) << i;
  EXPECT_EQ(c.node(1).RestoreSnapshot(source(saved)).code(), StatusCode::kUnavailable);

  // A damaged snapshot arriving from the transport is refused and deleted.
  {
    TempDir tmp;
    const std::string path = tmp.path() + "/bad.snap";
    ASSERT_TRUE(WriteSnapshotFile(path, [&](const SnapshotSink& sink) { return sink(bad); }).ok());
    Message m;
    m.type = MessageType::kMsgSnap;
    m.from = c.Id(0);
    m.to = c.Id(1);
    m.term = c.node(0).GetStatus().term;
    c.node(1).ReceiveSnapshot(m, path);
    EXPECT_FALSE(std::filesystem::exists(path));
    ASSERT_TRUE(c.node(0).Propose(PutCmd("b/0", "w")).ok());  // a no-op write
    ASSERT_TRUE(c.Converge(0));
    EXPECT_EQ(Dump(c.node(1).state_machine()), before);
  }

  // A restore that never commits (its leader went away after a few chunks) changes no
  // live data on any replica; the next restore replaces it.
  ASSERT_TRUE(c.node(0).Propose(EncodeRestoreBegin(77)).ok());
  std::string partial = EncodeRestoreChunk(77);
  AppendRestoreRecord(&partial, "partial", "x");
  ASSERT_TRUE(c.node(0).Propose(partial).ok());
  ASSERT_TRUE(c.Converge(0));
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(Dump(c.node(i).state_machine()), before) << i;
    EXPECT_EQ(c.node(i).state_machine().restore_id(), 77u) << i;
  }

  Status st = c.node(0).RestoreSnapshot(source(saved));
  ASSERT_TRUE(st.ok()) << st.ToString();
  ASSERT_TRUE(c.Converge(0));
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(Dump(c.node(i).state_machine()), want) << i;
    EXPECT_EQ(c.node(i).Members().size(), 3u) << i;  // membership kept
    EXPECT_EQ(c.node(i).state_machine().restore_id(), 0u) << i;
  }
  ASSERT_TRUE(c.node(0).Propose(PutCmd("after", "restore")).ok());
}

}  // namespace
}  // namespace coffer::storage::raft
