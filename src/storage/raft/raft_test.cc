// Table-driven tests of the Raft core in the style of etcd's raft_paper_test.go.

#include "storage/raft/raft.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "storage/raft/test_network.h"

namespace coffer::storage::raft {
namespace {

TEST(RaftTest, LeaderElection) {
  struct Case {
    int size;
    std::vector<uint64_t> down;
    StateType want_state;
    uint64_t want_term;
  };
  const std::vector<Case> cases = {
      {1, {}, StateType::kLeader, 1},           {3, {}, StateType::kLeader, 1},
      {3, {2}, StateType::kLeader, 1},          {3, {2, 3}, StateType::kCandidate, 1},
      {5, {}, StateType::kLeader, 1},           {5, {4, 5}, StateType::kLeader, 1},
      {5, {3, 4, 5}, StateType::kCandidate, 1},
  };
  for (bool pre_vote : {false, true}) {
    for (size_t i = 0; i < cases.size(); ++i) {
      const Case& c = cases[i];
      Network net(c.size, pre_vote, false);
      for (uint64_t d : c.down) net.Isolate(d);
      net.Campaign(1);
      // A pre-candidate without a quorum never becomes a candidate nor bumps its term.
      StateType want = c.want_state;
      uint64_t want_term = c.want_term;
      if (pre_vote && want == StateType::kCandidate) {
        want = StateType::kPreCandidate;
        want_term = 0;
      }
      EXPECT_EQ(net.raft(1).state(), want) << "case " << i << " pre_vote " << pre_vote;
      EXPECT_EQ(net.raft(1).term(), want_term) << "case " << i << " pre_vote " << pre_vote;
      if (want == StateType::kLeader) {
        for (int id = 2; id <= c.size; ++id) {
          bool down = std::find(c.down.begin(), c.down.end(), id) != c.down.end();
          if (!down) {
            EXPECT_EQ(net.raft(id).leader(), 1u) << "case " << i << " node " << id;
          }
        }
      }
    }
  }
}

TEST(RaftTest, ElectionTimeoutIsRandomizedInRange) {
  MemoryStorage storage;
  std::set<int> seen;
  for (uint64_t seed = 0; seed < 50; ++seed) {
    Config c = ThreeNodeConfig(storage);
    c.seed = seed;
    Raft r(c);
    int ticks = 0;
    while (r.state() == StateType::kFollower) {
      r.Tick();
      ++ticks;
      ASSERT_LE(ticks, 2 * c.election_tick);
    }
    EXPECT_GE(ticks, c.election_tick);
    seen.insert(ticks);
  }
  EXPECT_GT(seen.size(), 3u);
}

TEST(RaftTest, CandidateWithStaleLogLoses) {
  Network net(3, false, false);
  net.Campaign(1);
  net.Isolate(3);
  ASSERT_TRUE(net.Propose(1, "x").ok());
  net.Recover();
  net.Campaign(3);
  // Node 3 lacks the committed entry: it cannot win, though its term disrupted node 1.
  EXPECT_NE(net.raft(3).state(), StateType::kLeader);
  EXPECT_EQ(net.raft(3).term(), 2u);
  EXPECT_EQ(net.raft(1).state(), StateType::kFollower);
  // An up-to-date node can then win, and the entry survives.
  net.Campaign(1);
  EXPECT_EQ(net.raft(1).state(), StateType::kLeader);
  ASSERT_TRUE(net.Propose(1, "y").ok());
  for (uint64_t id : {1, 2, 3}) {
    EXPECT_EQ(net.applied(id), (std::vector<std::string>{"x", "y"})) << "node " << id;
  }
}

TEST(RaftTest, PreVoteKeepsAPartitionedNodeFromDisruptingTheLeader) {
  struct Case {
    bool pre_vote;
    bool want_disrupted;
  };
  for (const Case& c : std::vector<Case>{{false, true}, {true, false}}) {
    Network net(3, c.pre_vote, false);
    net.Campaign(1);
    ASSERT_EQ(net.raft(1).state(), StateType::kLeader);
    net.Isolate(3);
    ASSERT_TRUE(net.Propose(1, "x").ok());
    // Node 3 alone goes through many election timeouts.
    for (int i = 0; i < 100; ++i) {
      net.raft(3).Tick();
      net.Deliver();
    }
    if (c.pre_vote) {
      EXPECT_EQ(net.raft(3).term(), 1u);
      EXPECT_EQ(net.raft(3).state(), StateType::kPreCandidate);
    } else {
      EXPECT_GT(net.raft(3).term(), 1u);
    }
    net.Recover();
    net.TickAll(50);
    bool disrupted = net.raft(1).term() != 1 || net.raft(1).state() != StateType::kLeader;
    EXPECT_EQ(disrupted, c.want_disrupted) << "pre_vote " << c.pre_vote;
    if (!c.want_disrupted) {
      EXPECT_EQ(net.raft(3).state(), StateType::kFollower);
      EXPECT_EQ(net.raft(3).leader(), 1u);
    }
    EXPECT_EQ(net.applied(3), std::vector<std::string>{"x"});
  }
}

TEST(RaftTest, CheckQuorumLeaderStepsDownWhenCutOff) {
  for (bool check_quorum : {false, true}) {
    Network net(3, false, check_quorum);
    net.Campaign(1);
    ASSERT_EQ(net.raft(1).state(), StateType::kLeader);
    net.Isolate(1);
    for (int i = 0; i < 2 * 10 + 1; ++i) {
      net.raft(1).Tick();
      net.Deliver();
    }
    EXPECT_EQ(net.raft(1).state() == StateType::kLeader, !check_quorum);
  }
}

// §5.4.2 / Figure 8: a new leader never counts replicas of entries from earlier terms;
// they commit only once an entry of its own term reaches a quorum.
TEST(RaftTest, LeaderOnlyCommitsEntriesFromItsCurrentTerm) {
  struct Case {
    uint64_t acked_index;
    uint64_t want_commit;
  };
  const std::vector<Case> cases = {{1, 0}, {2, 0}, {3, 3}};
  for (const Case& c : cases) {
    MemoryStorage storage;
    storage.Append({Entry{1, 1, EntryType::kNormal, "a"}, Entry{2, 2, EntryType::kNormal, "b"}});
    storage.SetHardState(HardState{2, kNone, 0});
    Raft r(ThreeNodeConfig(storage));
    r.Campaign();
    r.Step(Msg(MessageType::kMsgVoteResp, 2, 3, 0));
    ASSERT_EQ(r.state(), StateType::kLeader);
    ASSERT_EQ(r.log().LastIndex(), 3u);  // the leader's empty entry of term 3
    r.Step(Msg(MessageType::kMsgAppResp, 2, 3, c.acked_index));
    EXPECT_EQ(r.log().committed(), c.want_commit) << "acked " << c.acked_index;
  }
}

TEST(RaftTest, FollowerAppendTruncatesConflictsAndRejectsGaps) {
  struct Case {
    uint64_t index, log_term;
    std::vector<Entry> entries;
    bool want_reject;
    std::vector<std::pair<uint64_t, uint64_t>> want_log;  // (index, term)
  };
  auto e = [](uint64_t index, uint64_t term) { return Entry{term, index, EntryType::kNormal, ""}; };
  const std::vector<Case> cases = {
      {2, 2, {e(3, 3)}, false, {{1, 1}, {2, 2}, {3, 3}}},
      {1, 1, {e(2, 3), e(3, 4)}, false, {{1, 1}, {2, 3}, {3, 4}}},
      {0, 0, {e(1, 1)}, false, {{1, 1}, {2, 2}}},
      {0, 0, {e(1, 3)}, false, {{1, 3}}},
      {3, 2, {e(4, 4)}, true, {{1, 1}, {2, 2}}},
      {2, 1, {e(3, 4)}, true, {{1, 1}, {2, 2}}},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    const Case& c = cases[i];
    MemoryStorage storage;
    storage.Append({e(1, 1), e(2, 2)});
    storage.SetHardState(HardState{2, kNone, 0});
    Raft r(ThreeNodeConfig(storage));
    Message app = Msg(MessageType::kMsgApp, 2, 4, c.index);
    app.log_term = c.log_term;
    app.entries = c.entries;
    r.Step(app);
    std::vector<std::pair<uint64_t, uint64_t>> got;
    for (const Entry& en : r.log().Slice(1, r.log().LastIndex() + 1, 100)) {
      got.emplace_back(en.index, en.term);
    }
    EXPECT_EQ(got, c.want_log) << "case " << i;
    Ready rd = r.GetReady();
    ASSERT_EQ(rd.messages.size(), 1u);
    EXPECT_EQ(rd.messages[0].type, MessageType::kMsgAppResp);
    EXPECT_EQ(rd.messages[0].reject, c.want_reject) << "case " << i;
    if (c.want_reject) {
      EXPECT_EQ(rd.messages[0].reject_hint, std::min<uint64_t>(c.index, 2));
    }
    EXPECT_EQ(r.leader(), 2u);
  }
}

TEST(RaftTest, ProposalsReplicateAndCommitOnAMajority) {
  struct Case {
    int size;
    std::vector<uint64_t> down;
  };
  for (const Case& c : std::vector<Case>{{3, {}}, {3, {3}}, {5, {}}, {5, {2, 5}}}) {
    Network net(c.size, false, false);
    net.Campaign(1);
    ASSERT_EQ(net.raft(1).state(), StateType::kLeader);
    for (uint64_t d : c.down) net.Isolate(d);
    ASSERT_TRUE(net.Propose(1, "a").ok());
    ASSERT_TRUE(net.Propose(1, "b").ok());
    EXPECT_EQ(net.raft(1).log().committed(), 3u);
    for (int id = 1; id <= c.size; ++id) {
      bool down = std::find(c.down.begin(), c.down.end(), id) != c.down.end();
      std::vector<std::string> want =
          down ? std::vector<std::string>{} : std::vector<std::string>{"a", "b"};
      EXPECT_EQ(net.applied(id), want) << "size " << c.size << " node " << id;
    }
    // Followers reject proposals: there is no forwarding yet.
    EXPECT_EQ(net.raft(2).Propose("c").code(), StatusCode::kUnavailable);
    // Healing brings lagging nodes up to date through heartbeats and probes.
    net.Recover();
    net.TickAll(3);
    for (int id = 1; id <= c.size; ++id) {
      EXPECT_EQ(net.applied(id), (std::vector<std::string>{"a", "b"})) << "node " << id;
    }
  }
}

TEST(RaftTest, MinorityPartitionCannotCommit) {
  Network net(5, false, false);
  net.Campaign(1);
  ASSERT_TRUE(net.Propose(1, "before").ok());
  // The leader and node 2 on one side, 3, 4, 5 on the other.
  for (uint64_t a : {1, 2}) {
    for (uint64_t b : {3, 4, 5}) net.Cut(a, b);
  }
  ASSERT_TRUE(net.Propose(1, "lost").ok());
  uint64_t commit = net.raft(1).log().committed();
  EXPECT_EQ(commit, 2u);
  EXPECT_EQ(net.raft(2).log().LastIndex(), 3u);  // replicated but not committed
  EXPECT_EQ(net.applied(1), std::vector<std::string>{"before"});
  // The majority side elects a leader and commits; the old entry is overwritten on heal.
  net.Campaign(3);
  ASSERT_EQ(net.raft(3).state(), StateType::kLeader);
  ASSERT_TRUE(net.Propose(3, "after").ok());
  net.Recover();
  net.TickAll(3);
  for (uint64_t id = 1; id <= 5; ++id) {
    EXPECT_EQ(net.applied(id), (std::vector<std::string>{"before", "after"})) << "node " << id;
  }
}

TEST(RaftTest, RestartWithAppliedIndexDeliversOnlyLaterCommittedEntries) {
  MemoryStorage storage;
  std::vector<Entry> log;
  for (uint64_t i = 1; i <= 4; ++i)
    log.push_back(Entry{1, i, EntryType::kNormal, std::to_string(i)});
  storage.Append(log);
  storage.SetHardState(HardState{1, 1, 3});
  struct Case {
    uint64_t applied;
    std::vector<uint64_t> want;  // indexes of the first Ready's committed entries
  };
  for (const Case& c : std::vector<Case>{{0, {1, 2, 3}}, {1, {2, 3}}, {2, {3}}, {3, {}}}) {
    Config config = ThreeNodeConfig(storage);
    config.applied = c.applied;
    Raft r(config);
    EXPECT_EQ(r.log().applied(), c.applied);
    EXPECT_EQ(r.log().committed(), 3u);
    std::vector<uint64_t> got;
    if (r.HasReady()) {
      Ready rd = r.GetReady();
      EXPECT_FALSE(rd.hard_state.has_value()) << "applied " << c.applied;
      for (const Entry& e : rd.committed_entries) got.push_back(e.index);
      r.Advance(rd);
    }
    EXPECT_EQ(got, c.want) << "applied " << c.applied;
    EXPECT_FALSE(r.HasReady()) << "applied " << c.applied;
    // Entry 4 commits later (a heartbeat from the leader): only it is delivered.
    Message hb = Msg(MessageType::kMsgHeartbeat, 2, 1, 0);
    hb.commit = 4;
    r.Step(hb);
    Ready rd = r.GetReady();
    ASSERT_EQ(rd.committed_entries.size(), 1u) << "applied " << c.applied;
    EXPECT_EQ(rd.committed_entries[0].index, 4u);
    r.Advance(rd);
    EXPECT_EQ(r.log().applied(), 4u);
  }
}

}  // namespace
}  // namespace coffer::storage::raft
