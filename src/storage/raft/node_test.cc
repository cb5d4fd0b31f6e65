#include "storage/raft/node.h"

#include <gtest/gtest.h>
#include <sys/resource.h>

#include <atomic>
#include <csignal>
#include <filesystem>
#include <iostream>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "storage/testing.h"

namespace coffer::storage::raft {
namespace {

using storage::BackendConformanceTest;

// `wal_sync`: real fdatasyncs on the WAL; the state machine never syncs (Raft replays).
NodeOptions TestOptions(bool wal_sync = false) {
  NodeOptions opts;
  opts.tick_interval = std::chrono::milliseconds(10);
  opts.fsm_map_size = 1 << 20;  // small, so large values exercise map growth
  opts.wal_segment_bytes = 1 << 20;
  opts.propose_timeout = std::chrono::milliseconds(5000);
  opts.fsm_no_sync = true;
  opts.unsafe_wal_no_sync = !wal_sync;
  return opts;
}

std::unique_ptr<RaftBackend> OpenOrDie(const std::string& dir, NodeOptions opts = TestOptions()) {
  auto b = RaftBackend::Open(dir, std::move(opts));
  EXPECT_TRUE(IsOk(b));
  return b ? std::move(*b) : nullptr;
}

class RaftHarness : public BackendHarness {
 public:
  RaftHarness() : backend_(OpenOrDie(dir_.path())) {}
  Backend& backend() override { return *backend_; }
  bool Reopen() override {
    backend_.reset();
    backend_ = OpenOrDie(dir_.path());
    return backend_ != nullptr;
  }

 private:
  TempDir dir_;
  std::unique_ptr<RaftBackend> backend_;
};

INSTANTIATE_TEST_SUITE_P(Raft, BackendConformanceTest,
                         ::testing::Values(BackendParam{
                             "RaftSingleNode", [] { return std::make_unique<RaftHarness>(); }}),
                         BackendParamName);

TEST(NodeTest, SingleNodeLeadsAtOnce) {
  TempDir dir;
  auto b = OpenOrDie(dir.path());
  ASSERT_NE(b, nullptr);
  EXPECT_TRUE(b->node().IsLeader());
  ASSERT_TRUE(IsOk(b->Put("k", "v")));
  EXPECT_EQ(*b->Get("k"), "v");
}

TEST(NodeTest, ReopenReplaysWalWithoutApplyingTwice) {
  TempDir dir;
  uint64_t applied = 0;
  {
    auto b = OpenOrDie(dir.path(), TestOptions(true));
    ASSERT_NE(b, nullptr);
    for (int i = 0; i < 20; ++i) {
      ASSERT_TRUE(IsOk(b->Put("k/" + std::to_string(i), std::to_string(i))));
    }
    applied = b->node().state_machine().AppliedIndex();
    // The bootstrap conf change, the leader's empty entry, then one entry per Put.
    EXPECT_EQ(applied, 22u);
    EXPECT_EQ(b->node().apply_count(), 22u);
    EXPECT_EQ(b->node().Members().size(), 1u);
  }
  auto b = OpenOrDie(dir.path(), TestOptions(true));
  ASSERT_NE(b, nullptr);
  EXPECT_TRUE(b->node().IsLeader());
  // Only the new term's empty entry is applied; nothing before `applied` again.
  EXPECT_EQ(b->node().apply_count(), 1u);
  EXPECT_EQ(b->node().state_machine().AppliedIndex(), applied + 1);
  EXPECT_EQ(b->node().state_machine().rejected_commands(), 0u);
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(*b->Get("k/" + std::to_string(i)), std::to_string(i));
  }
  ASSERT_TRUE(IsOk(b->Put("after", "x")));
  EXPECT_EQ(b->node().state_machine().AppliedIndex(), applied + 2);
}

TEST(NodeTest, ReopenAppliesCommittedEntriesTheStateMachineLost) {
  TempDir dir;
  {
    auto b = OpenOrDie(dir.path(), TestOptions(true));
    ASSERT_NE(b, nullptr);
    ASSERT_TRUE(IsOk(b->Put("a", "1")));
    ASSERT_TRUE(IsOk(b->Put("b", "2")));
  }
  // Lose the state machine entirely: the WAL has every committed entry.
  std::filesystem::remove_all(dir.path() + "/fsm");
  auto b = OpenOrDie(dir.path(), TestOptions(true));
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(*b->Get("a"), "1");
  EXPECT_EQ(*b->Get("b"), "2");
}

TEST(NodeTest, ConcurrentWritersShareSyncs) {
  TempDir dir;
  auto b = OpenOrDie(dir.path(), TestOptions(true));  // real fdatasyncs
  ASSERT_NE(b, nullptr);
  constexpr int kThreads = 8;
  constexpr int kPerThread = 200;
  const uint64_t syncs_before = b->node().sync_count();
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int j = 0; j < kPerThread; ++j) {
        const std::string key = "w/" + std::to_string(t) + "/" + std::to_string(j);
        if (!b->Put(key, std::to_string(t * 1000 + j)).ok()) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  for (int t = 0; t < kThreads; ++t) {
    auto keys = b->List("w/" + std::to_string(t) + "/");
    ASSERT_TRUE(IsOk(keys));
    EXPECT_EQ(keys->size(), static_cast<size_t>(kPerThread));
    for (int j = 0; j < kPerThread; ++j) {
      EXPECT_EQ(*b->Get("w/" + std::to_string(t) + "/" + std::to_string(j)),
                std::to_string(t * 1000 + j));
    }
  }
  const uint64_t syncs = b->node().sync_count() - syncs_before;
  EXPECT_LT(syncs, static_cast<uint64_t>(kThreads * kPerThread));
  std::cout << "[ info ] " << kThreads * kPerThread << " writes, " << syncs << " syncs\n";
}

TEST(NodeTest, ShutdownFailsProposalsInFlight) {
  TempDir dir;
  auto b = OpenOrDie(dir.path());
  ASSERT_NE(b, nullptr);
  std::atomic<int> ok{0};
  std::atomic<int> unavailable{0};
  std::atomic<int> other{0};
  std::vector<int> acked(4, 0);  // writer t's puts 0..acked[t]-1 returned Ok
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      // Each writer proposes until it fails: with the node shut down, every one must.
      for (int j = 0;; ++j) {
        Status st = b->Put("s/" + std::to_string(t) + "/" + std::to_string(j), "v");
        if (st.ok()) {
          ++ok;
          acked[t] = j + 1;
        } else if (st.code() == StatusCode::kUnavailable) {
          ++unavailable;
          return;
        } else {
          ++other;
          return;
        }
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  b->node().Shutdown();
  for (auto& t : threads) t.join();
  EXPECT_GT(ok.load(), 0);
  EXPECT_EQ(unavailable.load(), 4);
  EXPECT_EQ(other.load(), 0);
  EXPECT_FALSE(b->node().IsLeader());
  EXPECT_EQ(b->Put("late", "x").code(), StatusCode::kUnavailable);
  // Reads still work from the state machine.
  auto late = b->Get("late");
  ASSERT_TRUE(IsOk(late));
  EXPECT_EQ(*late, std::nullopt);
  // Every acknowledged write survives a reopen, and the node accepts writes again.
  b.reset();
  b = OpenOrDie(dir.path());
  ASSERT_NE(b, nullptr);
  for (int t = 0; t < 4; ++t) {
    for (int j = 0; j < acked[t]; ++j) {
      EXPECT_EQ(*b->Get("s/" + std::to_string(t) + "/" + std::to_string(j)), "v");
    }
  }
  EXPECT_TRUE(IsOk(b->Put("late", "x")));
}

TEST(NodeTest, FreshNodeWaitsForBootstrap) {
  TempDir dir;
  NodeOptions opts = TestOptions();
  opts.name = "solo";
  opts.address = "127.0.0.1:8201";
  auto node = Node::Open(dir.path(), opts);
  ASSERT_TRUE(IsOk(node));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // many election timeouts
  EXPECT_FALSE((*node)->IsLeader());
  EXPECT_TRUE((*node)->Members().empty());
  ASSERT_TRUE(IsOk((*node)->Bootstrap()));
  EXPECT_TRUE((*node)->IsLeader());
  EXPECT_EQ((*node)->Bootstrap().code(), StatusCode::kPreconditionFailed);
  ASSERT_EQ((*node)->Members().size(), 1u);
  EXPECT_EQ((*node)->Members()[0], (Member{opts.id, "solo", "127.0.0.1:8201", true}));
  EXPECT_TRUE(IsOk((*node)->ReadBarrier(std::chrono::milliseconds(1000))));
  NodeStatus st = (*node)->GetStatus();
  EXPECT_EQ(st.state, StateType::kLeader);
  ASSERT_EQ(st.peers.size(), 1u);
  EXPECT_EQ(st.peers[0].member.name, "solo");
  node->reset();
  // The membership survives a restart: it leads again without a bootstrap.
  node = Node::Open(dir.path(), opts);
  ASSERT_TRUE(IsOk(node));
  EXPECT_TRUE((*node)->IsLeader());
  EXPECT_EQ((*node)->Members().size(), 1u);
}

// Records what a node sends.
class CaptureTransport : public Transport {
 public:
  void Send(std::vector<Message> messages) override {
    std::lock_guard<std::mutex> lock(mu_);
    for (Message& m : messages) sent_.push_back(std::move(m));
  }
  void SendSnapshot(Message, std::function<Status(const SnapshotSink&)>) override {}
  void UpdatePeers(const std::vector<Member>&) override {}
  bool Sent(MessageType type) {
    std::lock_guard<std::mutex> lock(mu_);
    for (const Message& m : sent_) {
      if (m.type == type) return true;
    }
    return false;
  }

 private:
  std::mutex mu_;
  std::vector<Message> sent_;
};

// The restart half of the leader lease: a node that just started may have acknowledged a
// leader's heartbeat right before it went down, so for an election timeout it answers no
// vote request, as it would not have after the heartbeat (check-quorum).
TEST(NodeTest, IgnoresVotesForAnElectionTimeoutAfterStart) {
  TempDir dir;
  CaptureTransport transport;
  NodeOptions opts = TestOptions();
  opts.peers = {1, 2, 3};
  opts.tick_interval = std::chrono::milliseconds(20);
  opts.election_tick = 50;  // 1 s, so this node does not campaign itself meanwhile
  opts.transport = &transport;
  auto node = Node::Open(dir.path(), opts);
  ASSERT_TRUE(IsOk(node));
  Message vote;
  vote.type = MessageType::kMsgPreVote;
  vote.from = 2;
  vote.to = 1;
  vote.term = 5;
  (*node)->Step(vote);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  EXPECT_FALSE(transport.Sent(MessageType::kMsgPreVoteResp));
  std::this_thread::sleep_for(std::chrono::milliseconds(800));  // past 1 s since Open
  (*node)->Step(vote);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_TRUE(transport.Sent(MessageType::kMsgPreVoteResp));
}

// A failed WAL write stops the loop for good and says so once through on_stopped (the
// server exits on it). The write fails here on RLIMIT_FSIZE (EFBIG) rather than a full
// disk, which unit tests cannot make.
TEST(NodeTest, FailedWalWriteStopsTheNodeAndReportsIt) {
  TempDir dir;
  std::atomic<int> stopped{0};
  NodeOptions opts = TestOptions();
  opts.on_stopped = [&](const Status& error) {
    EXPECT_FALSE(error.ok());
    ++stopped;
  };
  auto b = OpenOrDie(dir.path(), opts);
  ASSERT_NE(b, nullptr);
  ASSERT_TRUE(IsOk(b->Put("before", "x")));
  struct rlimit old_limit;
  ASSERT_EQ(getrlimit(RLIMIT_FSIZE, &old_limit), 0);
  signal(SIGXFSZ, SIG_IGN);
  struct rlimit limit = old_limit;
  limit.rlim_cur = 256 * 1024;
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &limit), 0);
  Status failed;
  for (int i = 0; i < 200 && failed.ok(); ++i) {
    failed = b->Put("k" + std::to_string(i), std::string(8192, 'v'));
  }
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &old_limit), 0);
  signal(SIGXFSZ, SIG_DFL);
  EXPECT_FALSE(failed.ok());
  EXPECT_FALSE(b->node().error().ok());
  for (int i = 0; i < 200 && stopped.load() == 0; ++i) {  // called after the waiters wake
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_EQ(stopped.load(), 1);
  EXPECT_FALSE(b->node().IsLeader());
  EXPECT_FALSE(IsOk(b->Put("after", "x")));
}

TEST(NodeTest, StateMachineAheadOfTheWalAfterASnapshotInstall) {
  // A crash after the state machine installed a snapshot and before the WAL recorded it.
  TempDir src_dir, dir;
  std::string snap;
  {
    auto src = StateMachine::Open(src_dir.path(), StateMachineOptions{.map_size = 1 << 20});
    ASSERT_TRUE(IsOk(src));
    Membership m;
    m.conf.voters = {1};
    m.members = {Member{1, "n1", "a:1", true}};
    ASSERT_TRUE(IsOk((*src)->ApplyMembership(1, 3, m)));
    for (uint64_t i = 2; i <= 40; ++i) {
      ASSERT_TRUE(IsOk((*src)->Apply(
          i, 3, EncodeBatch(std::vector<Op>{Op::Put("k/" + std::to_string(i), "v")}))));
    }
    ASSERT_TRUE(IsOk((*src)->WriteSnapshot([&](std::string_view c) {
      snap.append(c);
      return Status::Ok();
    })));
  }
  {
    auto fsm = StateMachine::Open(dir.path() + "/fsm", StateMachineOptions{.map_size = 1 << 20});
    ASSERT_TRUE(IsOk(fsm));
    size_t pos = 0;
    ASSERT_TRUE(IsOk((*fsm)->Install([&](char* buf, size_t n) -> Result<size_t> {
      size_t k = std::min(n, snap.size() - pos);
      std::copy_n(snap.data() + pos, k, buf);
      pos += k;
      return k;
    })));
  }
  auto b = OpenOrDie(dir.path());
  ASSERT_NE(b, nullptr);
  EXPECT_TRUE(b->node().IsLeader());
  EXPECT_EQ(b->node().GetStatus().snapshot_index, 40u);
  EXPECT_EQ(*b->Get("k/7"), "v");
  ASSERT_TRUE(IsOk(b->Put("after", "1")));
  b.reset();
  b = OpenOrDie(dir.path());
  EXPECT_EQ(*b->Get("after"), "1");
  EXPECT_EQ(*b->Get("k/40"), "v");
}

TEST(NodeTest, CompactionKeepsTrailingLogsAndSurvivesRestart) {
  TempDir dir;
  NodeOptions opts = TestOptions(true);
  opts.snapshot_threshold = 50;
  opts.trailing_logs = 10;
  opts.wal_segment_bytes = 4096;
  {
    auto b = OpenOrDie(dir.path(), opts);
    ASSERT_NE(b, nullptr);
    for (int i = 0; i < 300; ++i) {
      ASSERT_TRUE(IsOk(b->Put("c/" + std::to_string(i), std::string(100, 'x'))));
    }
    NodeStatus st = b->node().GetStatus();
    EXPECT_GE(st.snapshot_index, 200u);
    EXPECT_GE(st.applied_index, st.snapshot_index + 10);
  }
  auto b = OpenOrDie(dir.path(), opts);
  ASSERT_NE(b, nullptr);
  EXPECT_TRUE(b->node().IsLeader());
  for (int i = 0; i < 300; i += 37) EXPECT_TRUE(b->Get("c/" + std::to_string(i))->has_value());
  ASSERT_TRUE(IsOk(b->Put("after", "1")));
}

}  // namespace
}  // namespace coffer::storage::raft
