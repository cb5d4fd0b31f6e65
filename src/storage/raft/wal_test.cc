#include "storage/raft/wal.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace coffer::storage::raft {
namespace {

namespace fs = std::filesystem;

class TempDir {
 public:
  TempDir() {
    std::string tmpl = ::testing::TempDir() + "wal_test.XXXXXX";
    path_ = ::mkdtemp(tmpl.data()) ? tmpl : "";
    EXPECT_FALSE(path_.empty());
  }
  ~TempDir() { fs::remove_all(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

std::vector<Entry> MakeEntries(uint64_t lo, uint64_t hi, uint64_t term, size_t size = 20) {
  std::vector<Entry> out;
  for (uint64_t i = lo; i < hi; ++i) {
    std::string data = "entry-" + std::to_string(i) + "-term-" + std::to_string(term);
    data.resize(std::max(size, data.size()), static_cast<char>('a' + i % 26));
    out.push_back(Entry{term, i, i % 7 == 0 ? EntryType::kConfigChange : EntryType::kNormal,
                        std::move(data)});
  }
  return out;
}

std::unique_ptr<Wal> OpenOrDie(const std::string& dir, WalOptions options = {}) {
  auto wal = Wal::Open(dir, options);
  EXPECT_TRUE(wal.has_value()) << wal.error().ToString();
  return wal ? std::move(*wal) : nullptr;
}

std::vector<std::string> Segments(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir)) out.push_back(e.path().string());
  std::sort(out.begin(), out.end());
  return out;
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void WriteAll(const std::string& path, const std::string& data) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << data;
}

TEST(Crc32cTest, KnownVectors) {
  EXPECT_EQ(Crc32c(""), 0u);
  EXPECT_EQ(Crc32c("123456789"), 0xE3069283u);
  EXPECT_EQ(Crc32c(std::string(32, '\0')), 0x8A9136AAu);  // RFC 3720 B.4
}

TEST(WalTest, EmptyDirectoryOpensEmpty) {
  TempDir tmp;
  std::string dir = tmp.path() + "/new";  // created by Open
  auto wal = OpenOrDie(dir);
  ASSERT_NE(wal, nullptr);
  EXPECT_EQ(wal->LastIndex(), 0u);
  EXPECT_EQ(wal->Term(0), 0u);
  EXPECT_EQ(wal->InitialHardState(), HardState{});
  EXPECT_TRUE(wal->Entries(1, 1).empty());
  wal.reset();
  wal = OpenOrDie(dir);
  EXPECT_EQ(wal->LastIndex(), 0u);
  EXPECT_EQ(wal->segment_count(), 1u);
}

TEST(WalTest, RoundTripAcrossSegments) {
  TempDir tmp;
  WalOptions options{.segment_bytes = 512};
  std::vector<Entry> all;
  {
    auto wal = OpenOrDie(tmp.path(), options);
    for (uint64_t lo = 1; lo <= 100; lo += 10) {
      auto batch = MakeEntries(lo, lo + 10, 1 + lo / 30);
      ASSERT_TRUE(wal->Append(batch).ok());
      all.insert(all.end(), batch.begin(), batch.end());
    }
    ASSERT_TRUE(wal->Sync().ok());
    EXPECT_GT(wal->segment_count(), 3u);
    EXPECT_EQ(wal->Entries(1, 101), all);
  }
  auto wal = OpenOrDie(tmp.path(), options);
  EXPECT_GT(wal->segment_count(), 3u);
  ASSERT_EQ(wal->LastIndex(), 100u);
  EXPECT_EQ(wal->Entries(1, 101), all);
  EXPECT_EQ(wal->Term(100), all.back().term);
  EXPECT_EQ(wal->Entries(40, 43), std::vector<Entry>(all.begin() + 39, all.begin() + 42));
  // Appending after a reopen continues the same log.
  ASSERT_TRUE(wal->Append(MakeEntries(101, 103, 9)).ok());
  ASSERT_TRUE(wal->Sync().ok());
  wal = OpenOrDie(tmp.path(), options);
  EXPECT_EQ(wal->LastIndex(), 102u);
  EXPECT_EQ(wal->Term(102), 9u);
  RaftLog log(*wal);
  EXPECT_EQ(log.LastIndex(), 102u);
  EXPECT_EQ(log.LastTerm(), 9u);
}

TEST(WalTest, HardStatePersists) {
  TempDir tmp;
  WalOptions options{.segment_bytes = 128};
  {
    auto wal = OpenOrDie(tmp.path(), options);
    ASSERT_TRUE(wal->SetHardState({1, 2, 0}).ok());
    ASSERT_TRUE(wal->Append(MakeEntries(1, 6, 1)).ok());
    ASSERT_TRUE(wal->SetHardState({3, 1, 4}).ok());
    ASSERT_TRUE(wal->Sync().ok());
  }
  auto wal = OpenOrDie(tmp.path(), options);
  EXPECT_EQ(wal->InitialHardState(), (HardState{3, 1, 4}));
  EXPECT_EQ(wal->LastIndex(), 5u);
  RaftLog log(*wal);
  EXPECT_EQ(log.committed(), 4u);
}

TEST(WalTest, ConflictTruncationPersists) {
  TempDir tmp;
  WalOptions options{.segment_bytes = 300};
  std::vector<Entry> want = MakeEntries(1, 6, 1);
  {
    auto wal = OpenOrDie(tmp.path(), options);
    ASSERT_TRUE(wal->Append(MakeEntries(1, 11, 1)).ok());
    ASSERT_TRUE(wal->Append(MakeEntries(6, 8, 2)).ok());  // drops 6..10
    auto tail = MakeEntries(6, 8, 2);
    want.insert(want.end(), tail.begin(), tail.end());
    ASSERT_EQ(wal->LastIndex(), 7u);
    EXPECT_EQ(wal->Entries(1, 8), want);
    ASSERT_TRUE(wal->Sync().ok());
  }
  auto wal = OpenOrDie(tmp.path(), options);
  ASSERT_EQ(wal->LastIndex(), 7u);
  EXPECT_EQ(wal->Entries(1, 8), want);
  // Truncate again after the reopen, back into an earlier segment.
  ASSERT_TRUE(wal->Append(MakeEntries(2, 4, 3)).ok());
  ASSERT_TRUE(wal->Sync().ok());
  want.resize(1);
  auto tail = MakeEntries(2, 4, 3);
  want.insert(want.end(), tail.begin(), tail.end());
  wal = OpenOrDie(tmp.path(), options);
  ASSERT_EQ(wal->LastIndex(), 3u);
  EXPECT_EQ(wal->Entries(1, 4), want);
}

TEST(WalTest, RejectsGapsAndNonContiguousEntries) {
  TempDir tmp;
  auto wal = OpenOrDie(tmp.path());
  EXPECT_EQ(wal->Append(MakeEntries(2, 3, 1)).code(), StatusCode::kInvalidArgument);
  auto entries = MakeEntries(1, 4, 1);
  entries[2].index = 5;
  EXPECT_EQ(wal->Append(entries).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(wal->LastIndex(), 0u);
}

// Writes entries 1..5 into one segment and returns (segment path, size of record 5).
std::pair<std::string, size_t> WriteFiveEntries(const std::string& dir) {
  auto wal = OpenOrDie(dir);
  EXPECT_TRUE(wal->SetHardState({1, 1, 3}).ok());
  EXPECT_TRUE(wal->Append(MakeEntries(1, 5, 1)).ok());
  EXPECT_TRUE(wal->Sync().ok());
  size_t before = fs::file_size(Segments(dir).at(0));
  EXPECT_TRUE(wal->Append(MakeEntries(5, 6, 1)).ok());
  EXPECT_TRUE(wal->Sync().ok());
  std::string path = Segments(dir).at(0);
  return {path, fs::file_size(path) - before};
}

TEST(WalTest, TornTailRecoversCompleteRecords) {
  TempDir tmp;
  auto [path, record_size] = WriteFiveEntries(tmp.path());
  const std::string original = ReadAll(path);
  for (size_t cut = 1; cut <= record_size; ++cut) {
    SCOPED_TRACE("cut " + std::to_string(cut));
    WriteAll(path, original.substr(0, original.size() - cut));
    auto wal = OpenOrDie(tmp.path());
    ASSERT_NE(wal, nullptr);
    EXPECT_EQ(wal->LastIndex(), 4u);
    EXPECT_EQ(wal->Entries(1, 5), MakeEntries(1, 5, 1));
    EXPECT_EQ(wal->InitialHardState(), (HardState{1, 1, 3}));
    EXPECT_EQ(fs::file_size(path), original.size() - record_size);  // tail truncated
    // The log continues cleanly after the truncated tail.
    ASSERT_TRUE(wal->Append(MakeEntries(5, 6, 2)).ok());
    ASSERT_TRUE(wal->Sync().ok());
    wal = OpenOrDie(tmp.path());
    EXPECT_EQ(wal->LastIndex(), 5u);
    EXPECT_EQ(wal->Term(5), 2u);
  }
}

TEST(WalTest, FlippedByteInLastRecordDropsOnlyIt) {
  TempDir tmp;
  auto [path, record_size] = WriteFiveEntries(tmp.path());
  const std::string original = ReadAll(path);
  for (size_t pos = original.size() - record_size; pos < original.size(); ++pos) {
    SCOPED_TRACE("pos " + std::to_string(pos));
    std::string damaged = original;
    damaged[pos] = static_cast<char>(damaged[pos] ^ 0x40);
    WriteAll(path, damaged);
    auto wal = OpenOrDie(tmp.path());
    ASSERT_NE(wal, nullptr);
    EXPECT_EQ(wal->LastIndex(), 4u);
    EXPECT_EQ(wal->Entries(1, 5), MakeEntries(1, 5, 1));
  }
}

TEST(WalTest, CorruptionInEarlierSegmentIsAnError) {
  TempDir tmp;
  WalOptions options{.segment_bytes = 256};
  {
    auto wal = OpenOrDie(tmp.path(), options);
    ASSERT_TRUE(wal->Append(MakeEntries(1, 40, 1)).ok());
    ASSERT_TRUE(wal->Sync().ok());
    ASSERT_GE(wal->segment_count(), 3u);
  }
  std::string middle = Segments(tmp.path()).at(1);
  const std::string original = ReadAll(middle);
  std::string damaged = original;
  damaged[original.size() / 2] ^= 0x01;
  WriteAll(middle, damaged);
  auto wal = Wal::Open(tmp.path(), options);
  ASSERT_FALSE(wal.has_value());
  EXPECT_EQ(wal.error().code(), StatusCode::kCorruption);
  // Reported at the damaged segment, not later as a gap in the next one.
  EXPECT_NE(wal.error().message().find(middle), std::string::npos) << wal.error().ToString();

  WriteAll(middle, original.substr(0, original.size() - 3));  // torn, but not last
  wal = Wal::Open(tmp.path(), options);
  ASSERT_FALSE(wal.has_value());
  EXPECT_EQ(wal.error().code(), StatusCode::kCorruption);
  EXPECT_NE(wal.error().message().find("short record"), std::string::npos)
      << wal.error().ToString();

  fs::remove(middle);  // a missing segment is lost data too
  wal = Wal::Open(tmp.path(), options);
  ASSERT_FALSE(wal.has_value());
  EXPECT_EQ(wal.error().code(), StatusCode::kCorruption);
}

TEST(WalTest, UnknownVersionIsAnError) {
  TempDir tmp;
  OpenOrDie(tmp.path()).reset();
  std::string path = Segments(tmp.path()).at(0);
  std::string data = ReadAll(path);
  data[4] = 3;
  WriteAll(path, data);
  auto wal = Wal::Open(tmp.path());
  ASSERT_FALSE(wal.has_value());
  EXPECT_EQ(wal.error().code(), StatusCode::kCorruption);
}

TEST(WalTest, UnfinishedSegmentCreationIsIgnored) {
  TempDir tmp;
  {
    auto wal = OpenOrDie(tmp.path());
    ASSERT_TRUE(wal->Append(MakeEntries(1, 3, 1)).ok());
    ASSERT_TRUE(wal->Sync().ok());
  }
  // A crash between creating the temporary file and renaming it.
  std::string stale = tmp.path() + "/wal-0000000000000002.log.tmp";
  WriteAll(stale, "CW");
  auto wal = OpenOrDie(tmp.path());
  EXPECT_EQ(wal->LastIndex(), 2u);
  EXPECT_EQ(wal->segment_count(), 1u);
  EXPECT_FALSE(fs::exists(stale));
}

TEST(WalTest, LargeEntries) {
  TempDir tmp;
  WalOptions options{.segment_bytes = 3u << 19};  // 1.5 MiB: about one entry per segment
  auto entries = MakeEntries(1, 5, 1, 1u << 20);
  {
    auto wal = OpenOrDie(tmp.path(), options);
    ASSERT_TRUE(wal->Append(entries).ok());
    ASSERT_TRUE(wal->Sync().ok());
  }
  auto wal = OpenOrDie(tmp.path(), options);
  EXPECT_EQ(wal->segment_count(), 4u);
  ASSERT_EQ(wal->LastIndex(), 4u);
  EXPECT_EQ(wal->Entries(1, 5), entries);
}

// Entries 1..100 (term 1 up to 50, then 2) in small segments.
std::vector<Entry> WriteHundred(const std::string& dir, WalOptions options) {
  auto wal = OpenOrDie(dir, options);
  std::vector<Entry> all = MakeEntries(1, 51, 1);
  auto more = MakeEntries(51, 101, 2);
  all.insert(all.end(), more.begin(), more.end());
  EXPECT_TRUE(wal->Append(all).ok());
  EXPECT_TRUE(wal->SetHardState({2, 1, 90}).ok());
  EXPECT_TRUE(wal->Sync().ok());
  return all;
}

TEST(WalCompactionTest, CompactDropsEntriesAndSegments) {
  TempDir tmp;
  WalOptions options{.segment_bytes = 512};
  std::vector<Entry> all = WriteHundred(tmp.path(), options);
  auto wal = OpenOrDie(tmp.path(), options);
  const size_t before = wal->segment_count();
  ASSERT_GT(before, 5u);
  ASSERT_TRUE(wal->Compact(60).ok());
  ASSERT_TRUE(wal->Sync().ok());
  EXPECT_LT(wal->segment_count(), before);
  EXPECT_EQ(Segments(tmp.path()).size(), wal->segment_count());
  EXPECT_EQ(wal->Snapshot(), (SnapshotMeta{60, 2, {}}));
  EXPECT_EQ(wal->FirstIndex(), 61u);
  EXPECT_EQ(wal->Term(60), 2u);
  EXPECT_EQ(wal->Term(59), 0u);
  EXPECT_EQ(wal->Entries(61, 101), std::vector<Entry>(all.begin() + 60, all.end()));
  // Compacting to an earlier point is a no-op; past the end is refused.
  EXPECT_TRUE(wal->Compact(30).ok());
  EXPECT_EQ(wal->Compact(101).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(wal->Append(MakeEntries(60, 61, 3)).code(), StatusCode::kInvalidArgument);

  wal = OpenOrDie(tmp.path(), options);
  EXPECT_EQ(wal->Snapshot(), (SnapshotMeta{60, 2, {}}));
  EXPECT_EQ(wal->LastIndex(), 100u);
  EXPECT_EQ(wal->InitialHardState(), (HardState{2, 1, 90}));
  EXPECT_EQ(wal->Entries(61, 101), std::vector<Entry>(all.begin() + 60, all.end()));
  RaftLog log(*wal, /*applied=*/60);  // the state machine holds what was compacted
  EXPECT_EQ(log.LastIndex(), 100u);
  EXPECT_EQ(log.FirstIndex(), 61u);
  // Truncation after compaction, then compaction of everything.
  ASSERT_TRUE(wal->Append(MakeEntries(95, 97, 3)).ok());
  ASSERT_TRUE(wal->Compact(96).ok());
  ASSERT_TRUE(wal->Sync().ok());
  EXPECT_EQ(wal->segment_count(), 1u);
  wal = OpenOrDie(tmp.path(), options);
  EXPECT_EQ(wal->Snapshot(), (SnapshotMeta{96, 3, {}}));
  EXPECT_EQ(wal->LastIndex(), 96u);
  ASSERT_TRUE(wal->Append(MakeEntries(97, 99, 4)).ok());
  ASSERT_TRUE(wal->Sync().ok());
  wal = OpenOrDie(tmp.path(), options);
  EXPECT_EQ(wal->LastIndex(), 98u);
  EXPECT_EQ(wal->Term(98), 4u);
}

TEST(WalCompactionTest, CompactionRecordOpeningANewSegmentReplays) {
  // Compacting the whole log when the compaction record does not fit the segment: the
  // new segment starts at the old compaction point, holds only the new compaction record,
  // and the old segment (every entry at or before the new point) is deleted. Replay must
  // accept the compaction past the entries it holds (found by scripts/faults --crash-loop:
  // a node could not restart, "compaction to 41663 outside [41662, 41662]").
  for (uint64_t k = 1; k <= 24; ++k) {
    TempDir tmp;
    WalOptions options{.segment_bytes = 512};
    {
      auto wal = OpenOrDie(tmp.path(), options);
      ASSERT_TRUE(wal->Compact(0).ok());
      for (uint64_t i = 1; i <= k; ++i) ASSERT_TRUE(wal->Append(MakeEntries(i, i + 1, 1)).ok());
      ASSERT_TRUE(wal->Compact(k).ok());
      ASSERT_TRUE(wal->Sync().ok());
    }
    auto wal = Wal::Open(tmp.path(), options);
    ASSERT_TRUE(wal.has_value()) << "k=" << k << ": " << wal.error().ToString();
    EXPECT_EQ((*wal)->Snapshot().index, k);
    EXPECT_EQ((*wal)->LastIndex(), k);
    ASSERT_TRUE((*wal)->Append(MakeEntries(k + 1, k + 3, 2)).ok());
    ASSERT_TRUE((*wal)->Sync().ok());
    wal = Wal::Open(tmp.path(), options);
    ASSERT_TRUE(wal.has_value()) << "k=" << k << ": " << wal.error().ToString();
    EXPECT_EQ((*wal)->LastIndex(), k + 2);
  }
}

TEST(WalCompactionTest, TornCompactionRecordKeepsTheWholeLog) {
  TempDir tmp;
  WalOptions options{.segment_bytes = 1 << 20};  // one segment
  std::vector<Entry> all = WriteHundred(tmp.path(), options);
  const std::string path = Segments(tmp.path()).at(0);
  const size_t synced = fs::file_size(path);
  {
    auto wal = OpenOrDie(tmp.path(), options);
    ASSERT_TRUE(wal->Compact(50).ok());  // written, never synced: then a crash
  }
  const std::string original = ReadAll(path);
  ASSERT_GT(original.size(), synced);
  for (size_t keep = synced; keep < original.size(); ++keep) {
    SCOPED_TRACE("keep " + std::to_string(keep));
    WriteAll(path, original.substr(0, keep));
    auto wal = OpenOrDie(tmp.path(), options);
    ASSERT_NE(wal, nullptr);
    EXPECT_EQ(wal->Snapshot().index, 0u);
    EXPECT_EQ(wal->Entries(1, 101), all);
  }
}

TEST(WalCompactionTest, InterruptedSegmentDeletionRecovers) {
  TempDir tmp;
  WalOptions options{.segment_bytes = 512};
  std::vector<Entry> all = WriteHundred(tmp.path(), options);
  std::vector<std::pair<std::string, std::string>> saved;
  for (const auto& p : Segments(tmp.path())) saved.emplace_back(p, ReadAll(p));
  {
    auto wal = OpenOrDie(tmp.path(), options);
    ASSERT_TRUE(wal->Compact(70).ok());
    ASSERT_TRUE(wal->Sync().ok());
  }
  std::vector<std::string> remaining = Segments(tmp.path());
  ASSERT_LT(remaining.size(), saved.size());
  // A crash part-way through the deletions, in any order: here the second and the
  // fourth old segments survive (gaps in the sequence numbers).
  WriteAll(saved[1].first, saved[1].second);
  WriteAll(saved[3].first, saved[3].second);
  auto wal = OpenOrDie(tmp.path(), options);
  ASSERT_NE(wal, nullptr);
  EXPECT_EQ(wal->Snapshot().index, 70u);
  EXPECT_EQ(wal->Entries(71, 101), std::vector<Entry>(all.begin() + 70, all.end()));
  EXPECT_EQ(Segments(tmp.path()), remaining);  // the leftovers were deleted
  // A remaining segment lost (still needed: entries after 70) is Corruption.
  wal.reset();
  fs::remove(remaining.at(0));
  auto bad = Wal::Open(tmp.path(), options);
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code(), StatusCode::kCorruption) << bad.error().ToString();
}

TEST(WalCompactionTest, LostFirstSegmentWithoutCompactionIsCorruption) {
  TempDir tmp;
  WalOptions options{.segment_bytes = 512};
  WriteHundred(tmp.path(), options);
  fs::remove(Segments(tmp.path()).at(0));
  auto wal = Wal::Open(tmp.path(), options);
  ASSERT_FALSE(wal.has_value());
  EXPECT_EQ(wal.error().code(), StatusCode::kCorruption);
  EXPECT_NE(wal.error().message().find("missing"), std::string::npos) << wal.error().ToString();
}

TEST(WalCompactionTest, ApplySnapshotDropsTheLog) {
  TempDir tmp;
  WalOptions options{.segment_bytes = 512};
  WriteHundred(tmp.path(), options);
  const SnapshotMeta meta{500, 7, ConfState{{1, 2, 3}, {4}}};
  {
    auto wal = OpenOrDie(tmp.path(), options);
    ASSERT_TRUE(wal->ApplySnapshot(meta).ok());
    ASSERT_TRUE(wal->SetHardState({7, 0, 500}).ok());
    ASSERT_TRUE(wal->Sync().ok());
    EXPECT_EQ(wal->segment_count(), 1u);
    EXPECT_EQ(wal->LastIndex(), 500u);
    EXPECT_EQ(wal->Term(500), 7u);
    EXPECT_TRUE(wal->Entries(501, 501).empty());
    ASSERT_TRUE(wal->Append(MakeEntries(501, 503, 7)).ok());
    ASSERT_TRUE(wal->Sync().ok());
  }
  auto wal = OpenOrDie(tmp.path(), options);
  EXPECT_EQ(wal->Snapshot(), meta);
  EXPECT_EQ(wal->LastIndex(), 502u);
  EXPECT_EQ(wal->Entries(501, 503), MakeEntries(501, 503, 7));
  EXPECT_EQ(wal->InitialHardState(), (HardState{7, 0, 500}));
  // Later segments start from the snapshot: rotate a few times and reopen.
  ASSERT_TRUE(wal->Append(MakeEntries(503, 540, 7)).ok());
  ASSERT_TRUE(wal->Sync().ok());
  EXPECT_GT(wal->segment_count(), 2u);
  wal = OpenOrDie(tmp.path(), options);
  EXPECT_EQ(wal->Snapshot(), meta);
  EXPECT_EQ(wal->LastIndex(), 539u);
  // Compaction after the install deletes every segment but the ones still needed.
  const size_t before = wal->segment_count();
  ASSERT_TRUE(wal->Compact(535).ok());
  ASSERT_TRUE(wal->Sync().ok());
  EXPECT_LT(wal->segment_count(), before);
  EXPECT_LE(wal->segment_count(), 2u);
  wal = OpenOrDie(tmp.path(), options);
  EXPECT_EQ(wal->Snapshot(), (SnapshotMeta{535, 7, {}}));
  EXPECT_EQ(wal->Entries(536, 540), MakeEntries(536, 540, 7));
}

TEST(WalCompactionTest, TornInstallRecordKeepsTheOldLog) {
  TempDir tmp;
  WalOptions options{.segment_bytes = 1 << 20};
  std::vector<Entry> all = WriteHundred(tmp.path(), options);
  const std::string path = Segments(tmp.path()).at(0);
  const size_t synced = fs::file_size(path);
  {
    auto wal = OpenOrDie(tmp.path(), options);
    ASSERT_TRUE(wal->ApplySnapshot({500, 7, {}}).ok());
  }
  const std::string original = ReadAll(path);
  for (size_t keep = synced; keep < original.size(); ++keep) {
    WriteAll(path, original.substr(0, keep));
    auto wal = OpenOrDie(tmp.path(), options);
    ASSERT_NE(wal, nullptr);
    EXPECT_EQ(wal->Snapshot().index, 0u);
    EXPECT_EQ(wal->LastIndex(), 100u);
  }
  WriteAll(path, original);
  auto wal = OpenOrDie(tmp.path(), options);
  EXPECT_EQ(wal->Snapshot().index, 500u);
  EXPECT_EQ(wal->LastIndex(), 500u);
}

}  // namespace
}  // namespace coffer::storage::raft
