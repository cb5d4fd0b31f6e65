// Membership changes: the ConfChange encoding, learners, ProposeConfChange's rules and
// ApplyConfChange's effects, on the synchronous test network.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "storage/raft/raft.h"
#include "storage/raft/test_network.h"

namespace coffer::storage::raft {
namespace {

TEST(ConfChangeTest, EncodingRoundTrips) {
  for (const ConfChange& cc : std::vector<ConfChange>{
           {ConfChangeType::kAddVoter, 1, ""},
           {ConfChangeType::kAddLearner, 0xfedcba9876543210ULL, "node-b 10.0.0.2:8201"},
           {ConfChangeType::kRemoveNode, 7, std::string("\0x\xff", 3)},
       }) {
    Result<ConfChange> got = DecodeConfChange(EncodeConfChange(cc));
    ASSERT_TRUE(got.has_value()) << got.error().ToString();
    EXPECT_EQ(*got, cc);
  }
}

TEST(ConfChangeTest, DecodeRejectsDamage) {
  const std::string good = EncodeConfChange({ConfChangeType::kAddLearner, 5, "ctx"});
  std::string bad_version = good;
  bad_version[0] = 2;
  std::string type0 = good, type4 = good;
  type0[1] = 0;
  type4[1] = 4;
  std::string long_len = good;
  long_len[10] = 4;  // context length 4, 3 bytes follow
  const std::vector<std::string> cases = {
      "",       bad_version,       type0,
      type4,    good.substr(0, 5), good.substr(0, 13),
      long_len, good + "x",        good.substr(0, good.size() - 1),
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    Result<ConfChange> got = DecodeConfChange(cases[i]);
    ASSERT_FALSE(got.has_value()) << "case " << i;
    EXPECT_EQ(got.error().code(), StatusCode::kCorruption) << "case " << i;
  }
}

TEST(ConfChangeTest, LearnerReplicatesButNeverCountsNorCampaigns) {
  Network net({1, 2}, {3}, {});
  net.Campaign(1);
  ASSERT_EQ(net.raft(1).state(), StateType::kLeader);
  ASSERT_TRUE(net.Propose(1, "a").ok());
  EXPECT_EQ(net.applied(3), std::vector<std::string>{"a"});  // replicated to the learner
  EXPECT_TRUE(net.raft(1).progress(3)->learner);
  // Without voter 2, the learner's acknowledgement does not make a quorum.
  net.Isolate(2);
  ASSERT_TRUE(net.Propose(1, "b").ok());
  EXPECT_EQ(net.raft(3).log().LastIndex(), 6u);  // 3 bootstrap entries, empty, a, b
  EXPECT_EQ(net.raft(1).log().committed(), 5u);
  // A learner cut off from the leader never campaigns.
  net.Recover();
  net.Isolate(3);
  for (int i = 0; i < 100; ++i) net.raft(3).Tick();
  net.Deliver();
  EXPECT_EQ(net.raft(3).state(), StateType::kFollower);
  EXPECT_EQ(net.raft(3).term(), net.raft(1).term());
  net.raft(3).Campaign();
  EXPECT_EQ(net.raft(3).state(), StateType::kFollower);
  // Votes come only from voters: without node 1, node 2 cannot win.
  net.Recover();
  net.Isolate(1);
  net.Campaign(2);
  EXPECT_EQ(net.raft(2).state(), StateType::kCandidate);
  net.Recover();
  net.TickAll(40);  // only node 1 holds "b": it wins
  EXPECT_EQ(net.raft(1).state(), StateType::kLeader);
  EXPECT_EQ(net.applied(3), (std::vector<std::string>{"a", "b"}));
}

TEST(ConfChangeTest, ProposeConfChangeRules) {
  using T = ConfChangeType;
  struct Case {
    T type;
    uint64_t node;
    StatusCode want;
  };
  // Cluster: voters 1, 2; learner 3; node 4 unknown.
  const std::vector<Case> cases = {
      {T::kAddVoter, 4, StatusCode::kOk},
      {T::kAddVoter, 3, StatusCode::kOk},
      {T::kAddLearner, 4, StatusCode::kOk},
      {T::kAddLearner, 2, StatusCode::kOk},
      {T::kRemoveNode, 2, StatusCode::kOk},
      {T::kRemoveNode, 3, StatusCode::kOk},
      {T::kAddVoter, 2, StatusCode::kInvalidArgument},
      {T::kAddLearner, 3, StatusCode::kInvalidArgument},
      {T::kRemoveNode, 4, StatusCode::kInvalidArgument},
      {T::kAddVoter, kNone, StatusCode::kInvalidArgument},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    Network net({1, 2}, {3}, {4});
    net.Campaign(1);
    Status s = net.raft(1).ProposeConfChange({cases[i].type, cases[i].node, ""});
    EXPECT_EQ(s.code(), cases[i].want) << "case " << i << " " << s.ToString();
    if (s.ok()) {
      // One at a time: a second change waits until the first is applied.
      EXPECT_EQ(net.raft(1).ProposeConfChange({T::kAddLearner, 5, ""}).code(),
                StatusCode::kPreconditionFailed);
      net.Deliver();
      EXPECT_TRUE(net.raft(1).ProposeConfChange({T::kAddLearner, 5, ""}).ok()) << "case " << i;
    }
  }
  // The last voter can be neither removed nor demoted.
  Network single(std::vector<uint64_t>{1}, {2}, {});
  single.Campaign(1);
  EXPECT_EQ(single.raft(1).ProposeConfChange({T::kRemoveNode, 1, ""}).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(single.raft(1).ProposeConfChange({T::kAddLearner, 1, ""}).code(),
            StatusCode::kInvalidArgument);
  // Followers refuse.
  Network net(3, false, false);
  net.Campaign(1);
  EXPECT_EQ(net.raft(2).ProposeConfChange({T::kAddLearner, 4, ""}).code(),
            StatusCode::kUnavailable);
}

TEST(ConfChangeTest, NewLeaderWaitsForAnEntryOfItsTerm) {
  MemoryStorage storage;
  Raft r(ThreeNodeConfig(storage));
  r.Campaign();
  r.Step(Msg(MessageType::kMsgVoteResp, 2, 1, 0));
  ASSERT_EQ(r.state(), StateType::kLeader);
  ConfChange cc{ConfChangeType::kAddLearner, 4, ""};
  EXPECT_EQ(r.ProposeConfChange(cc).code(), StatusCode::kPreconditionFailed);
  r.Step(Msg(MessageType::kMsgAppResp, 2, 1, 1));  // the empty entry of term 1 commits
  ASSERT_EQ(r.log().committed(), 1u);
  (void)Flush(r, storage);  // and is applied
  Status proposed = r.ProposeConfChange(cc);
  ASSERT_TRUE(proposed.ok()) << proposed.ToString();
  EXPECT_EQ(r.log().Slice(2, 3, 1)[0].type, EntryType::kConfigChange);
}

TEST(ConfChangeTest, AddLearnerCatchesUpThenPromotionGrowsTheQuorum) {
  Network grow({1, 2, 3}, {}, {4});
  grow.Campaign(1);
  ASSERT_TRUE(grow.Propose(1, "a").ok());
  ASSERT_TRUE(grow.ProposeConfChange(1, ConfChangeType::kAddLearner, 4).ok());
  EXPECT_EQ(grow.applied(4), std::vector<std::string>{"a"});
  for (uint64_t id : {1, 2, 3, 4}) {
    EXPECT_EQ(grow.raft(id).conf_state(), (ConfState{{1, 2, 3}, {4}})) << "node " << id;
  }
  ASSERT_TRUE(grow.ProposeConfChange(1, ConfChangeType::kAddVoter, 4).ok());
  for (uint64_t id : {1, 2, 3, 4}) {
    EXPECT_EQ(grow.raft(id).conf_state(), (ConfState{{1, 2, 3, 4}, {}})) << "node " << id;
  }
  // Four voters need three: the leader and node 2 no longer commit alone.
  grow.Isolate(3);
  grow.Isolate(4);
  uint64_t commit = grow.raft(1).log().committed();
  ASSERT_TRUE(grow.Propose(1, "b").ok());
  EXPECT_EQ(grow.raft(1).log().committed(), commit);
  grow.Recover();
  grow.TickAll(2);
  EXPECT_EQ(grow.applied(4), (std::vector<std::string>{"a", "b"}));
}

TEST(ConfChangeTest, RemovingAVoterCommitsWhatTheSmallerQuorumHolds) {
  Network net({1, 2}, {}, {});
  net.Campaign(1);
  net.Isolate(2);
  ASSERT_TRUE(net.Propose(1, "x").ok());
  ASSERT_EQ(net.raft(1).log().committed(), 3u);  // 2 bootstrap entries and the empty one
  // The driver applies a removal of node 2 (committed earlier, say): 1 alone is a quorum.
  EXPECT_EQ(net.raft(1).ApplyConfChange({ConfChangeType::kRemoveNode, 2, ""}),
            (ConfState{{1}, {}}));
  net.Deliver();
  EXPECT_EQ(net.raft(1).log().committed(), 4u);
  EXPECT_EQ(net.applied(1), std::vector<std::string>{"x"});
  // Demoting works the same way.
  Network demote({1, 2}, {}, {});
  demote.Campaign(1);
  demote.Isolate(2);
  ASSERT_TRUE(demote.Propose(1, "y").ok());
  demote.raft(1).ApplyConfChange({ConfChangeType::kAddLearner, 2, ""});
  demote.Deliver();
  EXPECT_EQ(demote.applied(1), std::vector<std::string>{"y"});
}

TEST(ConfChangeTest, RemovedLeaderStepsDownAndStopsCampaigning) {
  for (auto type : {ConfChangeType::kRemoveNode, ConfChangeType::kAddLearner}) {
    Network net(3, false, false);
    net.Campaign(1);
    ASSERT_TRUE(net.ProposeConfChange(1, type, 1).ok());
    EXPECT_EQ(net.raft(1).state(), StateType::kFollower);
    EXPECT_EQ(net.raft(2).conf_state().voters, (std::vector<uint64_t>{2, 3}));
    for (int i = 0; i < 50; ++i) {
      net.raft(1).Tick();
      net.Deliver();
    }
    EXPECT_EQ(net.raft(1).state(), StateType::kFollower);
    net.TickAll(30);  // 2 and 3 elect a leader between themselves
    bool led =
        net.raft(2).state() == StateType::kLeader || net.raft(3).state() == StateType::kLeader;
    EXPECT_TRUE(led);
    EXPECT_NE(net.raft(1).state(), StateType::kLeader);
  }
}

TEST(ConfChangeTest, ApplyingAChangeTwiceChangesNothing) {
  // A snapshot carries the membership at the leader's applied index, so a follower may
  // apply changes it already reflects.
  Network net(3, false, false);
  net.Campaign(1);
  Raft& r = net.raft(2);
  ConfState once = r.ApplyConfChange({ConfChangeType::kAddLearner, 4, ""});
  EXPECT_EQ(r.ApplyConfChange({ConfChangeType::kAddLearner, 4, ""}), once);
  r.ApplyConfChange({ConfChangeType::kRemoveNode, 4, ""});
  EXPECT_EQ(r.ApplyConfChange({ConfChangeType::kRemoveNode, 4, ""}), (ConfState{{1, 2, 3}, {}}));
}

}  // namespace
}  // namespace coffer::storage::raft

namespace coffer::storage::raft {
namespace {

// Simulator seed 784: a leader that appended entries after the change demoting it
// stepped down with a longer log than the remaining voter, which then could get neither
// its vote nor the entries (it was the only voter left). A leaving leader accepts no
// more proposals, also when it finds the change in its log on election.
TEST(ConfChangeTest, LeavingLeaderAcceptsNoMoreProposals) {
  for (auto type : {ConfChangeType::kRemoveNode, ConfChangeType::kAddLearner}) {
    Network net({1, 2}, {}, {});
    net.Campaign(1);
    ASSERT_TRUE(net.raft(1).ProposeConfChange({type, 1, ""}).ok());
    EXPECT_EQ(net.raft(1).Propose("x").code(), StatusCode::kUnavailable);
    Message prop;
    prop.type = MessageType::kMsgProp;
    prop.entries = {Entry{}};
    uint64_t last = net.raft(1).log().LastIndex();
    net.raft(1).Step(prop);
    EXPECT_EQ(net.raft(1).log().LastIndex(), last);
    net.Deliver();
    EXPECT_EQ(net.raft(1).state(), StateType::kFollower);
    net.TickAll(40);
    EXPECT_EQ(net.raft(2).state(), StateType::kLeader);
    EXPECT_TRUE(net.Propose(2, "y").ok());
    EXPECT_EQ(net.applied(2), std::vector<std::string>{"y"});
  }
  // Elected with its own removal unapplied in the log.
  MemoryStorage storage;
  ConfChange cc{ConfChangeType::kRemoveNode, 1, ""};
  storage.Append({Entry{1, 1, EntryType::kConfigChange, EncodeConfChange(cc)}});
  storage.SetHardState(HardState{1, kNone, 0});
  Raft r(ThreeNodeConfig(storage));
  r.Campaign();
  r.Step(Msg(MessageType::kMsgVoteResp, 2, 2, 0));
  ASSERT_EQ(r.state(), StateType::kLeader);
  EXPECT_EQ(r.Propose("x").code(), StatusCode::kUnavailable);
}

// Simulator seed 4840: without pre-vote and check-quorum a node ignores a stale leader's
// MsgApp and campaigns itself, which deposes it; a learner never campaigns, so it tells
// the stale leader its term instead.
TEST(ConfChangeTest, LearnerAnswersAStaleLeaderWithItsTerm) {
  struct Case {
    bool learner;
    bool want_answer;
  };
  for (const Case& c : std::vector<Case>{{true, true}, {false, false}}) {
    MemoryStorage storage;
    storage.SetHardState(HardState{5, kNone, 0});
    Config config;
    config.id = 2;
    config.conf = c.learner ? ConfState{{1}, {2}} : ConfState{{1, 2}, {}};
    config.storage = &storage;
    Raft r(config);
    Message app = Msg(MessageType::kMsgApp, 1, 3, 0);
    app.to = 2;
    r.Step(app);
    Ready rd = r.GetReady();
    ASSERT_EQ(rd.messages.size(), c.want_answer ? 1u : 0u) << "learner " << c.learner;
    if (c.want_answer) {
      EXPECT_EQ(rd.messages[0].term, 5u);
      // The stale leader steps down on it.
    }
  }
}

// Simulator seed 5116: a learner reset its election clock at every timeout although it
// never campaigns, so with check-quorum it kept refusing votes for a leader long gone.
TEST(ConfChangeTest, LearnerLeaseExpires) {
  MemoryStorage storage;
  Config config;
  config.id = 3;
  config.conf = ConfState{{1, 2}, {3}};
  config.check_quorum = true;
  config.election_tick = 10;
  config.random = [] { return 0; };  // randomized timeout == election_tick
  config.storage = &storage;
  Raft r(config);
  Message hb = Msg(MessageType::kMsgHeartbeat, 1, 1, 0);
  hb.to = 3;
  r.Step(hb);
  ASSERT_EQ(r.leader(), 1u);
  Message vote = Msg(MessageType::kMsgVote, 2, 2, 0);
  vote.to = 3;
  r.Step(vote);  // inside the lease: ignored
  EXPECT_EQ(r.term(), 1u);
  for (int i = 0; i < 25; ++i) r.Tick();
  r.Step(vote);
  EXPECT_EQ(r.term(), 2u);
  EXPECT_EQ(r.vote(), 2u);
}

}  // namespace
}  // namespace coffer::storage::raft

namespace coffer::storage::raft {
namespace {

// Simulator seed 19536: a candidate whose membership lacks a node never reached it with
// its own campaigns, and that node ignored its lower-term vote requests, so the candidate
// never caught up with the term it needed. Stale vote requests are rejected with our term.
TEST(ConfChangeTest, StaleVoteRequestIsRejectedWithOurTerm) {
  for (MessageType type : {MessageType::kMsgVote, MessageType::kMsgPreVote}) {
    MemoryStorage storage;
    storage.SetHardState(HardState{5, kNone, 0});
    Raft r(ThreeNodeConfig(storage));
    r.Step(Msg(type, 2, 3, 0));
    Ready rd = r.GetReady();
    ASSERT_EQ(rd.messages.size(), 1u);
    EXPECT_TRUE(rd.messages[0].reject);
    EXPECT_EQ(rd.messages[0].term, 5u);
    EXPECT_EQ(rd.messages[0].type, type == MessageType::kMsgVote ? MessageType::kMsgVoteResp
                                                                 : MessageType::kMsgPreVoteResp);
  }
}

}  // namespace
}  // namespace coffer::storage::raft
