// ReadIndex: leader, follower-forwarded, lease-based, and the conditions that drop it.

#include <gtest/gtest.h>

#include <vector>

#include "storage/raft/raft.h"
#include "storage/raft/test_network.h"

namespace coffer::storage::raft {
namespace {

TEST(ReadIndexTest, SafeReadWaitsForAQuorumOfHeartbeats) {
  struct Case {
    uint64_t on;
    std::vector<uint64_t> isolated;
    bool want_read;
  };
  for (const Case& c : std::vector<Case>{
           {1, {}, true}, {1, {3}, true}, {1, {2, 3}, false}, {2, {}, true}, {3, {2}, true}}) {
    Network net(3, false, false);
    net.Campaign(1);
    ASSERT_TRUE(net.Propose(1, "a").ok());
    for (uint64_t id : c.isolated) net.Isolate(id);
    net.raft(c.on).ReadIndex("ctx");
    net.Deliver();
    std::vector<ReadState>& got = net.read_states(c.on);
    ASSERT_EQ(got.size(), c.want_read ? 1u : 0u) << "on " << c.on;
    if (c.want_read) {
      EXPECT_EQ(got[0].index, 2u);
      EXPECT_EQ(got[0].context, "ctx");
    }
  }
}

TEST(ReadIndexTest, LeaderAnswersFromLeaseOrAsSingleVoter) {
  // With check_quorum, read_only = kLeaseBased answers from the lease.
  Network lease_based({1, 2, 3}, {}, {}, [](Config& c) {
    c.check_quorum = true;
    c.read_only = Config::ReadOnlyOption::kLeaseBased;
  });
  lease_based.Campaign(1);
  lease_based.Isolate(2);
  lease_based.Isolate(3);
  lease_based.raft(1).ReadIndex("lease");
  lease_based.Deliver();
  ASSERT_EQ(lease_based.read_states(1).size(), 1u);
  EXPECT_EQ(lease_based.read_states(1)[0].index, 4u);  // after 3 bootstrap entries
  // Without check_quorum the option falls back to kSafe.
  Network no_cq({1, 2, 3}, {}, {},
                [](Config& c) { c.read_only = Config::ReadOnlyOption::kLeaseBased; });
  no_cq.Campaign(1);
  no_cq.Isolate(2);
  no_cq.Isolate(3);
  no_cq.raft(1).ReadIndex("x");
  no_cq.Deliver();
  EXPECT_TRUE(no_cq.read_states(1).empty());
  // A single voter (with a learner) confirms nothing.
  Network single(std::vector<uint64_t>{1}, {2}, {});
  single.Campaign(1);
  single.Isolate(2);
  single.raft(1).ReadIndex("solo");
  EXPECT_TRUE(single.raft(1).HasReady());
  single.Deliver();
  ASSERT_EQ(single.read_states(1).size(), 1u);
  EXPECT_EQ(single.read_states(1)[0].index, 3u);
}

TEST(ReadIndexTest, DroppedUntilTheLeaderCommittedAnEntryOfItsTerm) {
  MemoryStorage storage;
  Raft r(ThreeNodeConfig(storage));
  r.Campaign();
  r.Step(Msg(MessageType::kMsgVoteResp, 2, 1, 0));
  ASSERT_EQ(r.state(), StateType::kLeader);
  (void)Flush(r, storage);
  r.ReadIndex("early");
  EXPECT_TRUE(r.GetReady().messages.empty());  // no heartbeat round started
  r.Step(Msg(MessageType::kMsgAppResp, 2, 1, 1));
  ASSERT_EQ(r.log().committed(), 1u);
  (void)Flush(r, storage);
  r.ReadIndex("later");
  Ready rd = r.GetReady();
  ASSERT_EQ(rd.messages.size(), 2u);
  for (const Message& m : rd.messages) {
    EXPECT_EQ(m.type, MessageType::kMsgHeartbeat);
    EXPECT_EQ(m.context, "later");
  }
  r.Advance(rd);
  // An acknowledgement of another round does not count; this round's does.
  Message ack = Msg(MessageType::kMsgHeartbeatResp, 3, 1, 0);
  ack.context = "early";
  r.Step(ack);
  EXPECT_TRUE(r.GetReady().read_states.empty());
  ack.context = "later";
  r.Step(ack);
  rd = r.GetReady();
  ASSERT_EQ(rd.read_states.size(), 1u);
  EXPECT_EQ(rd.read_states[0].index, 1u);
  EXPECT_EQ(rd.read_states[0].context, "later");
}

TEST(ReadIndexTest, LaterAcknowledgementReleasesEarlierRequestsInOrder) {
  MemoryStorage storage;
  Raft r(ThreeNodeConfig(storage));
  r.Campaign();
  r.Step(Msg(MessageType::kMsgVoteResp, 2, 1, 0));
  r.Step(Msg(MessageType::kMsgAppResp, 2, 1, 1));
  (void)Flush(r, storage);
  r.ReadIndex("first");
  r.ReadIndex("second");
  (void)Flush(r, storage);
  Message ack = Msg(MessageType::kMsgHeartbeatResp, 2, 1, 0);
  ack.context = "second";
  r.Step(ack);
  Ready rd = r.GetReady();
  ASSERT_EQ(rd.read_states.size(), 2u);
  EXPECT_EQ(rd.read_states[0].context, "first");
  EXPECT_EQ(rd.read_states[1].context, "second");
}

TEST(ReadIndexTest, FollowerWithoutALeaderDropsTheRequest) {
  Network net(3, false, false);
  net.raft(2).ReadIndex("nobody");
  net.Deliver();
  EXPECT_TRUE(net.read_states(2).empty());
}

}  // namespace
}  // namespace coffer::storage::raft
