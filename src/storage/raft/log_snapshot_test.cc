// Log compaction and snapshots (MemoryStorage, RaftLog, MsgSnap on both sides) and
// replication flow control.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "storage/raft/raft.h"
#include "storage/raft/test_network.h"

namespace coffer::storage::raft {
namespace {

std::vector<Entry> Ents(uint64_t from, uint64_t to, uint64_t term) {
  std::vector<Entry> out;
  for (uint64_t i = from; i <= to; ++i) out.push_back(Entry{term, i, EntryType::kNormal, ""});
  return out;
}

TEST(LogSnapshotTest, MemoryStorageCompactAndApplySnapshot) {
  MemoryStorage s;
  s.Append(Ents(1, 3, 1));
  s.Append(Ents(4, 5, 2));
  ASSERT_TRUE(s.Compact(3).ok());
  EXPECT_EQ(s.Snapshot(), (SnapshotMeta{3, 1, {}}));
  EXPECT_EQ(s.FirstIndex(), 4u);
  EXPECT_EQ(s.LastIndex(), 5u);
  EXPECT_EQ(s.Term(3), 1u);
  EXPECT_EQ(s.Term(2), 0u);
  EXPECT_EQ(s.Entries(4, 6), Ents(4, 5, 2));
  EXPECT_TRUE(s.Compact(2).ok());  // older: no-op
  EXPECT_EQ(s.FirstIndex(), 4u);
  EXPECT_EQ(s.Compact(6).code(), StatusCode::kPreconditionFailed);
  s.Append(Ents(5, 6, 3));  // truncation works after compaction
  EXPECT_EQ(s.Entries(4, 7),
            (std::vector<Entry>{Ents(4, 4, 2)[0], Ents(5, 5, 3)[0], Ents(6, 6, 3)[0]}));
  ASSERT_TRUE(s.Compact(6).ok());
  EXPECT_EQ(s.LastIndex(), 6u);
  EXPECT_EQ(s.Term(6), 3u);
  SnapshotMeta meta{10, 4, {{1, 2}, {3}}};
  ASSERT_TRUE(s.ApplySnapshot(meta).ok());
  EXPECT_EQ(s.Snapshot(), meta);
  EXPECT_EQ(s.LastIndex(), 10u);
  EXPECT_EQ(s.Term(10), 4u);
  s.Append(Ents(8, 11, 4));  // entries at or below the snapshot are skipped
  EXPECT_EQ(s.LastIndex(), 11u);
  EXPECT_EQ(s.ApplySnapshot(SnapshotMeta{9, 4, {}}).code(), StatusCode::kPreconditionFailed);
}

TEST(LogSnapshotTest, RaftLogOverACompactedStorage) {
  MemoryStorage s;
  s.Append(Ents(1, 5, 1));
  s.SetHardState(HardState{1, kNone, 4});
  ASSERT_TRUE(s.Compact(3).ok());
  RaftLog log(s, 3);
  EXPECT_EQ(log.FirstIndex(), 4u);
  EXPECT_EQ(log.Term(3), 1u);
  EXPECT_EQ(log.Term(2), 0u);  // compacted
  EXPECT_FALSE(log.MatchTerm(2, 1));
  EXPECT_EQ(log.committed(), 4u);
  EXPECT_EQ(log.NextCommittedEntries(), Ents(4, 4, 1));
  // The storage got a snapshot past its log (and a hard state below it): commit follows.
  MemoryStorage t;
  ASSERT_TRUE(t.ApplySnapshot(SnapshotMeta{7, 2, {}}).ok());
  RaftLog fresh(t, 7);
  EXPECT_EQ(fresh.committed(), 7u);
  EXPECT_EQ(fresh.LastIndex(), 7u);
  EXPECT_EQ(fresh.LastTerm(), 2u);
  EXPECT_FALSE(fresh.HasNextCommittedEntries());
}

TEST(LogSnapshotTest, RaftLogRestoreIsUnstableUntilInstalled) {
  MemoryStorage s;
  s.Append(Ents(1, 3, 1));
  RaftLog log(s);
  log.CommitTo(2);
  log.Restore(SnapshotMeta{10, 3, {}});
  EXPECT_EQ(log.LastIndex(), 10u);
  EXPECT_EQ(log.Term(10), 3u);
  EXPECT_EQ(log.Term(3), 0u);
  EXPECT_EQ(log.committed(), 10u);
  EXPECT_FALSE(log.HasNextCommittedEntries());  // the snapshot replaces them
  log.Append(Ents(11, 11, 3));
  EXPECT_EQ(log.Slice(11, 12, 10), Ents(11, 11, 3));
  ASSERT_TRUE(s.ApplySnapshot(*log.UnstableSnapshot()).ok());
  log.StableSnapshotTo(10);
  EXPECT_FALSE(log.UnstableSnapshot().has_value());
  EXPECT_EQ(log.applied(), 10u);
  EXPECT_EQ(log.Term(10), 3u);
  EXPECT_EQ(log.LastIndex(), 11u);
}

TEST(LogSnapshotTest, FollowerHandlesMsgSnap) {
  struct Case {
    uint64_t index, term;
    bool want_restore;
    uint64_t want_resp, want_commit;
  };
  // The follower holds 1..3 (term 1), committed 2.
  const std::vector<Case> cases = {
      {2, 1, false, 2, 2},    // stale
      {3, 1, false, 3, 3},    // our log has it: fast-forward the commit
      {3, 2, true, 3, 3},     // conflicting term at 3
      {10, 2, true, 10, 10},  // beyond our log
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    const Case& c = cases[i];
    MemoryStorage storage;
    storage.Append(Ents(1, 3, 1));
    storage.SetHardState(HardState{1, kNone, 2});
    Config config = ThreeNodeConfig(storage);
    config.id = 2;
    Raft r(config);
    Message m = Msg(MessageType::kMsgSnap, 1, 2, 0);
    m.to = 2;
    m.snapshot = SnapshotMeta{c.index, c.term, {{1, 2}, {4}}};
    r.Step(m);
    EXPECT_EQ(r.leader(), 1u);
    EXPECT_EQ(r.log().committed(), c.want_commit) << "case " << i;
    Ready rd = r.GetReady();
    ASSERT_EQ(rd.messages.size(), 1u);
    EXPECT_EQ(rd.messages[0].type, MessageType::kMsgAppResp);
    EXPECT_FALSE(rd.messages[0].reject);
    EXPECT_EQ(rd.messages[0].index, c.want_resp) << "case " << i;
    EXPECT_EQ(rd.snapshot.has_value(), c.want_restore) << "case " << i;
    if (!c.want_restore) {
      EXPECT_EQ(r.conf_state(), (ConfState{{1, 2, 3}, {}}));
      continue;
    }
    EXPECT_EQ(*rd.snapshot, m.snapshot);
    EXPECT_TRUE(rd.committed_entries.empty());
    EXPECT_EQ(r.log().LastIndex(), c.index);
    EXPECT_EQ(r.conf_state(), (ConfState{{1, 2}, {4}}));
    ASSERT_TRUE(storage.ApplySnapshot(*rd.snapshot).ok());
    storage.SetHardState(*rd.hard_state);
    r.Advance(rd);
    EXPECT_EQ(r.log().applied(), c.index);
    EXPECT_FALSE(r.HasReady());
  }
}

// Brings node 3 back after the others compacted the entries it misses.
Network LaggingFollower(int entries) {
  Network net(3, false, false);
  net.Campaign(1);
  net.Isolate(3);
  for (int i = 0; i < entries; ++i) EXPECT_TRUE(net.Propose(1, std::to_string(i)).ok());
  net.Compact(1, net.raft(1).log().applied() - 1);
  net.Compact(2, net.raft(2).log().applied());
  return net;
}

TEST(LogSnapshotTest, LeaderSendsASnapshotToAFollowerBehindItsFirstIndex) {
  Network net = LaggingFollower(5);
  net.Recover();
  net.TickAll(1);
  EXPECT_EQ(net.delivered(MessageType::kMsgSnap), 1);
  std::vector<std::string> want{"0", "1", "2", "3", "4"};
  EXPECT_EQ(net.applied(3), want);
  EXPECT_EQ(net.storage(3).Snapshot().conf, (ConfState{{1, 2, 3}, {}}));
  const Progress* pr = net.raft(1).progress(3);
  EXPECT_EQ(pr->match, 6u);
  EXPECT_EQ(pr->pending_snapshot, 0u);
  EXPECT_TRUE(pr->replicate);
  ASSERT_TRUE(net.Propose(1, "after").ok());
  want.push_back("after");
  EXPECT_EQ(net.applied(3), want);
}

TEST(LogSnapshotTest, SnapshotStateWaitsForTheOutcome) {
  struct Case {
    bool failed;
    bool resp_first;      // the follower's MsgAppResp arrives before the report
    uint64_t resp_index;  // 0: no response
    uint64_t want_match, want_next;
    bool want_replicate;
  };
  // The leader's snapshot point is 5 and its log ends at 7 (its empty entry at 7).
  const std::vector<Case> cases = {
      {false, true, 5, 5, 8, true},    // installed, then sends 6..7 at once
      {false, true, 6, 6, 8, true},    // the driver streamed a later state (index 6)
      {false, false, 0, 0, 6, false},  // reported sent: probe after it, wait for a response
      {true, false, 0, 0, 1, false},   // failed: probe from the match again
      {false, true, 3, 3, 4, false},   // an older response does not end the snapshot
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    const Case& c = cases[i];
    MemoryStorage storage;
    storage.Append(Ents(1, 6, 1));
    storage.SetHardState(HardState{1, kNone, 6});
    ASSERT_TRUE(storage.Compact(5).ok());
    Config config = ThreeNodeConfig(storage);
    config.applied = 5;
    Raft r(config);
    r.Campaign();
    r.Step(Msg(MessageType::kMsgVoteResp, 2, 2, 0));
    ASSERT_EQ(r.state(), StateType::kLeader);
    (void)Flush(r, storage);
    // Node 3 rejects the probe: it has nothing; next drops to 1, which is compacted.
    Message rej = Msg(MessageType::kMsgAppResp, 3, 2, 6);
    rej.reject = true;
    r.Step(rej);
    Ready rd = r.GetReady();
    ASSERT_EQ(rd.messages.size(), 1u) << "case " << i;
    EXPECT_EQ(rd.messages[0].type, MessageType::kMsgSnap);
    EXPECT_EQ(rd.messages[0].snapshot, (SnapshotMeta{5, 1, {{1, 2, 3}, {}}}));
    r.Advance(rd);
    EXPECT_EQ(r.progress(3)->pending_snapshot, 5u);
    r.Step(Msg(MessageType::kMsgHeartbeatResp, 3, 2, 0));  // no MsgApp meanwhile
    EXPECT_TRUE(r.GetReady().messages.empty()) << "case " << i;
    if (c.resp_first && c.resp_index > 0) {
      r.Step(Msg(MessageType::kMsgAppResp, 3, 2, c.resp_index));
    } else {
      r.ReportSnapshot(3, c.failed);
    }
    const Progress* pr = r.progress(3);
    EXPECT_EQ(pr->match, c.want_match) << "case " << i;
    EXPECT_EQ(pr->next, c.want_next) << "case " << i;
    EXPECT_EQ(pr->replicate, c.want_replicate) << "case " << i;
  }
}

TEST(LogSnapshotTest, FlowControlLimitsEntriesPerMessageAndInflightMessages) {
  Network net({1, 2}, {}, {}, [](Config& c) {
    c.max_entries_per_msg = 2;
    c.max_inflight_msgs = 3;
  });
  net.Campaign(1);
  ASSERT_TRUE(net.Propose(1, "warm").ok());  // node 2 is replicating
  ASSERT_TRUE(net.raft(1).progress(2)->replicate);
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(net.raft(1).Propose("e" + std::to_string(i)).ok());
  Ready rd = Flush(net.raft(1), net.storage(1));
  EXPECT_TRUE(rd.committed_entries.empty());
  size_t apps = 0;
  for (const Message& m : rd.messages) {
    if (m.type != MessageType::kMsgApp) continue;
    ++apps;
    EXPECT_LE(m.entries.size(), 2u);
  }
  EXPECT_EQ(apps, 3u);  // the window is full
  EXPECT_EQ(net.raft(1).progress(2)->inflight.size(), 3u);
  // Nothing more until acknowledgements arrive.
  ASSERT_TRUE(net.raft(1).Propose("more").ok());
  Ready more = Flush(net.raft(1), net.storage(1));
  for (const Message& m : more.messages) EXPECT_NE(m.type, MessageType::kMsgApp);
  // Delivering the three MsgApps reopens the window; everything arrives.
  for (Message& m : rd.messages) net.raft(2).Step(m);
  net.Deliver();
  EXPECT_EQ(net.applied(2).size(), 12u);
  // An unreachable follower is probed again.
  net.raft(1).ReportUnreachable(2);
  EXPECT_FALSE(net.raft(1).progress(2)->replicate);
  EXPECT_TRUE(net.raft(1).progress(2)->inflight.empty());
}

}  // namespace
}  // namespace coffer::storage::raft
