// Leadership transfer (MsgTimeoutNow) on the synchronous test network.

#include <gtest/gtest.h>

#include <vector>

#include "storage/raft/raft.h"
#include "storage/raft/test_network.h"

namespace coffer::storage::raft {
namespace {

TEST(TransferTest, UpToDateTransfereeWinsDespiteLeasesAndPreVote) {
  for (bool pre_vote : {false, true}) {
    for (bool check_quorum : {false, true}) {
      Network net(3, pre_vote, check_quorum);
      net.Campaign(1);
      ASSERT_TRUE(net.Propose(1, "a").ok());
      uint64_t term = net.raft(1).term();
      ASSERT_TRUE(net.raft(1).TransferLeader(2).ok());
      net.Deliver();
      EXPECT_EQ(net.raft(2).state(), StateType::kLeader) << pre_vote << check_quorum;
      EXPECT_EQ(net.raft(2).term(), term + 1);  // a real vote, no pre-vote round
      EXPECT_EQ(net.raft(1).state(), StateType::kFollower);
      EXPECT_EQ(net.raft(1).leader(), 2u);
      EXPECT_EQ(net.delivered(MessageType::kMsgTimeoutNow), 1);
      ASSERT_TRUE(net.Propose(2, "b").ok());
      EXPECT_EQ(net.applied(3), (std::vector<std::string>{"a", "b"}));
    }
  }
}

TEST(TransferTest, LaggingTransfereeIsCaughtUpFirst) {
  Network net(3, false, false);
  net.Campaign(1);
  net.Isolate(3);
  ASSERT_TRUE(net.Propose(1, "a").ok());
  ASSERT_TRUE(net.Propose(1, "b").ok());
  net.Recover();
  ASSERT_TRUE(net.raft(1).TransferLeader(3).ok());
  EXPECT_EQ(net.raft(1).lead_transferee(), 3u);
  // No proposals while handing over.
  EXPECT_EQ(net.raft(1).Propose("c").code(), StatusCode::kUnavailable);
  EXPECT_EQ(net.raft(1).ProposeConfChange({ConfChangeType::kAddLearner, 4, ""}).code(),
            StatusCode::kUnavailable);
  net.Deliver();
  EXPECT_EQ(net.raft(3).state(), StateType::kLeader);
  EXPECT_EQ(net.applied(3), (std::vector<std::string>{"a", "b"}));
}

TEST(TransferTest, Errors) {
  Network net({1, 2, 3}, {4}, {});
  net.Campaign(1);
  struct Case {
    uint64_t on, to;
    StatusCode want;
  };
  for (const Case& c : std::vector<Case>{{2, 3, StatusCode::kUnavailable},
                                         {1, 1, StatusCode::kInvalidArgument},
                                         {1, 4, StatusCode::kInvalidArgument},
                                         {1, 9, StatusCode::kInvalidArgument}}) {
    EXPECT_EQ(net.raft(c.on).TransferLeader(c.to).code(), c.want) << c.on << "->" << c.to;
    EXPECT_EQ(net.raft(1).lead_transferee(), kNone);
  }
}

TEST(TransferTest, AbandonedAfterAnElectionTimeout) {
  Network net(3, false, false);
  net.Campaign(1);
  net.Isolate(3);
  ASSERT_TRUE(net.raft(1).TransferLeader(3).ok());
  for (int i = 0; i < 9; ++i) net.raft(1).Tick();
  EXPECT_EQ(net.raft(1).lead_transferee(), 3u);
  net.raft(1).Tick();  // election_tick = 10
  EXPECT_EQ(net.raft(1).lead_transferee(), kNone);
  EXPECT_TRUE(net.Propose(1, "a").ok());
  EXPECT_EQ(net.raft(1).state(), StateType::kLeader);
}

TEST(TransferTest, RemovingTheTransfereeAbortsTheTransfer) {
  Network net(3, false, false);
  net.Campaign(1);
  net.Isolate(3);
  ASSERT_TRUE(net.raft(1).TransferLeader(3).ok());
  net.raft(1).ApplyConfChange({ConfChangeType::kRemoveNode, 3, ""});
  EXPECT_EQ(net.raft(1).lead_transferee(), kNone);
  EXPECT_TRUE(net.Propose(1, "a").ok());
}

TEST(TransferTest, LocalRequestOnAFollowerIsForwarded) {
  Network net(3, false, true);
  net.Campaign(1);
  Message m;
  m.type = MessageType::kMsgTransferLeader;
  m.from = 2;  // the transferee
  net.raft(3).Step(m);
  net.Deliver();
  EXPECT_EQ(net.raft(2).state(), StateType::kLeader);
  // Stepped in on the leader itself.
  m.from = 3;
  net.raft(2).Step(m);
  net.Deliver();
  EXPECT_EQ(net.raft(3).state(), StateType::kLeader);
}

}  // namespace
}  // namespace coffer::storage::raft
