#include "storage/raft/log.h"

#include <gtest/gtest.h>

#include <vector>

namespace coffer::storage::raft {
namespace {

std::vector<Entry> Ents(std::vector<std::pair<uint64_t, uint64_t>> index_terms) {
  std::vector<Entry> out;
  for (auto [index, term] : index_terms) out.push_back(Entry{term, index, EntryType::kNormal, ""});
  return out;
}

TEST(RaftLogTest, TermAndMatchTermSpanStableAndUnstable) {
  MemoryStorage storage;
  storage.Append(Ents({{1, 1}, {2, 1}}));
  RaftLog log(storage);
  log.Append(Ents({{3, 2}}));
  EXPECT_EQ(log.LastIndex(), 3u);
  EXPECT_EQ(log.Term(0), 0u);
  EXPECT_EQ(log.Term(2), 1u);
  EXPECT_EQ(log.Term(3), 2u);
  EXPECT_EQ(log.Term(4), 0u);
  EXPECT_TRUE(log.MatchTerm(3, 2));
  EXPECT_FALSE(log.MatchTerm(3, 1));
  EXPECT_FALSE(log.MatchTerm(4, 0));
  EXPECT_EQ(log.Slice(1, 4, 10), Ents({{1, 1}, {2, 1}, {3, 2}}));
  EXPECT_EQ(log.Slice(2, 4, 1), Ents({{2, 1}}));
}

TEST(RaftLogTest, MaybeAppendTruncatesFromFirstConflict) {
  struct Case {
    uint64_t index, log_term, commit;
    std::vector<Entry> entries;
    bool ok;
    uint64_t want_last_new, want_commit;
    std::vector<Entry> want_log;
  };
  const std::vector<Entry> base = Ents({{1, 1}, {2, 2}, {3, 3}});
  const std::vector<Case> cases = {
      // Previous entry does not match: rejected, nothing changes.
      {3, 2, 3, Ents({{4, 4}}), false, 0, 1, base},
      {4, 3, 3, Ents({{5, 4}}), false, 0, 1, base},
      // Heartbeat-like empty append commits only up to the matched index.
      {2, 2, 3, {}, true, 2, 2, base},
      // Plain append after the tail.
      {3, 3, 4, Ents({{4, 4}}), true, 4, 4, Ents({{1, 1}, {2, 2}, {3, 3}, {4, 4}})},
      // Entries already present: no truncation.
      {1, 1, 3, Ents({{2, 2}, {3, 3}}), true, 3, 3, base},
      // Conflict at index 2 drops 2 and 3.
      {1, 1, 1, Ents({{2, 4}}), true, 2, 1, Ents({{1, 1}, {2, 4}})},
      // Conflict at index 3 only.
      {2, 2, 2, Ents({{3, 4}, {4, 4}}), true, 4, 2, Ents({{1, 1}, {2, 2}, {3, 4}, {4, 4}})},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    const Case& c = cases[i];
    MemoryStorage storage;
    storage.Append(base);
    storage.SetHardState(HardState{3, kNone, 1});
    RaftLog log(storage);
    uint64_t last_new = 0;
    EXPECT_EQ(log.MaybeAppend(c.index, c.log_term, c.commit, c.entries, &last_new), c.ok)
        << "case " << i;
    if (c.ok) {
      EXPECT_EQ(last_new, c.want_last_new) << "case " << i;
    }
    EXPECT_EQ(log.committed(), c.want_commit) << "case " << i;
    EXPECT_EQ(log.Slice(1, log.LastIndex() + 1, 100), c.want_log) << "case " << i;
  }
}

TEST(RaftLogTest, StableToMovesEntriesOutOfUnstable) {
  MemoryStorage storage;
  RaftLog log(storage);
  log.Append(Ents({{1, 1}, {2, 1}}));
  storage.Append(log.UnstableEntries());
  log.StableTo(2, 1);
  EXPECT_TRUE(log.UnstableEntries().empty());
  // Overwrite the stable tail: the unstable part now starts at 2.
  log.Append(Ents({{2, 2}}));
  EXPECT_EQ(log.UnstableEntries(), Ents({{2, 2}}));
  EXPECT_EQ(log.Term(2), 2u);
  storage.Append(log.UnstableEntries());
  log.StableTo(2, 2);
  EXPECT_EQ(storage.Entries(1, 3), Ents({{1, 1}, {2, 2}}));
}

TEST(RaftLogTest, MaybeCommitOnlyForTheGivenTerm) {
  MemoryStorage storage;
  storage.Append(Ents({{1, 1}, {2, 2}, {3, 3}}));
  RaftLog log(storage);
  EXPECT_FALSE(log.MaybeCommit(2, 3));  // entry 2 is from term 2
  EXPECT_EQ(log.committed(), 0u);
  EXPECT_TRUE(log.MaybeCommit(3, 3));
  EXPECT_EQ(log.committed(), 3u);
  EXPECT_FALSE(log.MaybeCommit(2, 2));  // never lowers
  EXPECT_EQ(log.NextCommittedEntries().size(), 3u);
  log.AppliedTo(3);
  EXPECT_FALSE(log.HasNextCommittedEntries());
}

TEST(RaftLogTest, IsUpToDate) {
  MemoryStorage storage;
  storage.Append(Ents({{1, 1}, {2, 2}, {3, 2}}));
  RaftLog log(storage);
  EXPECT_TRUE(log.IsUpToDate(1, 3));   // higher last term wins
  EXPECT_FALSE(log.IsUpToDate(5, 1));  // lower last term loses
  EXPECT_TRUE(log.IsUpToDate(3, 2));   // same term, same length
  EXPECT_FALSE(log.IsUpToDate(2, 2));  // same term, shorter
}

}  // namespace
}  // namespace coffer::storage::raft
