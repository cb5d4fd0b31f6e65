#include "storage/raft/snapshot.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace coffer::storage::raft {
namespace {

struct Rec {
  SnapshotTable table;
  std::string key;
  std::string value;
  bool operator==(const Rec&) const = default;
};

SnapshotHeader TestHeader() {
  SnapshotHeader h;
  h.meta = SnapshotMeta{42, 3, ConfState{{MemberId("a"), MemberId("b")}, {MemberId("c")}}};
  h.members = {Member{MemberId("a"), "a", "10.0.0.1:8201", true},
               Member{MemberId("b"), "b", "10.0.0.2:8201", true},
               Member{MemberId("c"), "c", "10.0.0.3:8201", false}};
  h.restore_id = 9;
  return h;
}

std::vector<Rec> TestRecords(int n, size_t value_size = 100) {
  std::vector<Rec> out;
  for (int i = 0; i < n; ++i) {
    out.push_back(Rec{i % 5 == 0 ? SnapshotTable::kRestore : SnapshotTable::kData,
                      "key/" + std::to_string(i), std::string(value_size + i % 7, 'a' + i % 26)});
  }
  return out;
}

std::string Write(const SnapshotHeader& h, const std::vector<Rec>& recs, size_t chunk = 1000) {
  std::string out;
  SnapshotWriter w(
      [&](std::string_view c) {
        out.append(c);
        return Status::Ok();
      },
      chunk);
  EXPECT_TRUE(w.Begin(h).ok());
  for (const Rec& r : recs) EXPECT_TRUE(w.Add(r.table, r.key, r.value).ok());
  EXPECT_TRUE(w.Finish().ok());
  return out;
}

// A source over `data` returning at most `step` bytes per call.
SnapshotSource StringSource(const std::string& data, size_t step = 7) {
  auto pos = std::make_shared<size_t>(0);
  return [&data, pos, step](char* buf, size_t n) -> Result<size_t> {
    size_t k = std::min({n, step, data.size() - *pos});
    std::copy_n(data.data() + *pos, k, buf);
    *pos += k;
    return k;
  };
}

Status ReadAll(const std::string& data, SnapshotHeader* header, std::vector<Rec>* recs) {
  SnapshotReader r(StringSource(data));
  COFFER_ASSIGN_OR_RETURN(*header, r.ReadHeader());
  std::vector<SnapshotRecord> chunk;
  for (;;) {
    COFFER_ASSIGN_OR_RETURN(bool more, r.NextChunk(&chunk));
    if (!more) return Status::Ok();
    for (const auto& c : chunk)
      recs->push_back(Rec{c.table, std::string(c.key), std::string(c.value)});
  }
}

TEST(SnapshotStreamTest, RoundTrip) {
  const std::vector<Rec> recs = TestRecords(200);
  const std::string data = Write(TestHeader(), recs);
  SnapshotHeader h;
  std::vector<Rec> got;
  ASSERT_TRUE(ReadAll(data, &h, &got).ok());
  EXPECT_EQ(h, TestHeader());
  EXPECT_EQ(got, recs);
  // An empty snapshot.
  got.clear();
  ASSERT_TRUE(ReadAll(Write(SnapshotHeader{}, {}), &h, &got).ok());
  EXPECT_EQ(h, SnapshotHeader{});
  EXPECT_TRUE(got.empty());
}

TEST(SnapshotStreamTest, EveryTruncationIsCorruption) {
  const std::string data = Write(TestHeader(), TestRecords(30), 300);
  for (size_t len = 0; len < data.size(); ++len) {
    SnapshotHeader h;
    std::vector<Rec> got;
    Status st = ReadAll(data.substr(0, len), &h, &got);
    ASSERT_EQ(st.code(), StatusCode::kCorruption) << "len " << len << ": " << st.ToString();
  }
  SnapshotHeader h;
  std::vector<Rec> got;
  EXPECT_EQ(ReadAll(data + "x", &h, &got).code(), StatusCode::kCorruption);
}

TEST(SnapshotStreamTest, EveryFlippedByteIsCorruption) {
  const std::string data = Write(TestHeader(), TestRecords(20), 300);
  for (size_t pos = 0; pos < data.size(); ++pos) {
    std::string bad = data;
    bad[pos] = static_cast<char>(bad[pos] ^ 0x10);
    SnapshotHeader h;
    std::vector<Rec> got;
    Status st = ReadAll(bad, &h, &got);
    ASSERT_EQ(st.code(), StatusCode::kCorruption) << "pos " << pos << ": " << st.ToString();
  }
}

TEST(SnapshotStreamTest, HugeLengthsDoNotAllocate) {
  std::string data = Write(TestHeader(), TestRecords(3));
  // Header length 0xFFFFFFFF: refused before reading.
  std::string bad = data;
  bad[8] = bad[9] = bad[10] = bad[11] = '\xFF';
  SnapshotHeader h;
  std::vector<Rec> got;
  EXPECT_EQ(ReadAll(bad, &h, &got).code(), StatusCode::kCorruption);
  // A chunk claiming 60 MiB followed by nothing: the buffer grows only with the data.
  std::string head = data.substr(0, data.size());
  SnapshotReader r(StringSource(data));
  ASSERT_TRUE(r.ReadHeader().has_value());
  // Find the first chunk's length field: right after the header.
  const size_t header_len =
      16 + static_cast<uint8_t>(data[8]) + (static_cast<uint8_t>(data[9]) << 8);
  std::string lying = data.substr(0, header_len);
  const uint32_t len = 60u << 20;
  for (int i = 0; i < 4; ++i) lying.push_back(static_cast<char>(len >> (8 * i)));
  lying += "crc!some bytes";
  got.clear();
  EXPECT_EQ(ReadAll(lying, &h, &got).code(), StatusCode::kCorruption);
}

TEST(SnapshotStreamTest, WriterEmitsBoundedChunks) {
  size_t max_piece = 0;
  uint64_t total = 0;
  SnapshotWriter w([&](std::string_view c) {
    max_piece = std::max(max_piece, c.size());
    total += c.size();
    return Status::Ok();
  });
  ASSERT_TRUE(w.Begin(TestHeader()).ok());
  const std::string value(100000, 'v');
  for (int i = 0; i < 500; ++i) {  // ~50 MB
    ASSERT_TRUE(w.Add(SnapshotTable::kData, "k" + std::to_string(i), value).ok());
  }
  ASSERT_TRUE(w.Finish().ok());
  EXPECT_GT(total, 50'000'000u);
  EXPECT_LE(max_piece, kSnapshotChunkBytes + 100000 + 64);
  EXPECT_EQ(w.records(), 500u);
}

TEST(SnapshotStreamTest, SinkErrorsPropagate) {
  int calls = 0;
  SnapshotWriter w(
      [&](std::string_view) { return ++calls > 2 ? IoError("peer gone") : Status::Ok(); }, 100);
  ASSERT_TRUE(w.Begin(TestHeader()).ok());
  Status st;
  for (int i = 0; i < 100 && st.ok(); ++i)
    st = w.Add(SnapshotTable::kData, "k", std::string(50, 'x'));
  if (st.ok()) st = w.Finish();
  EXPECT_EQ(st.code(), StatusCode::kIoError);
}

TEST(SnapshotStreamTest, MemberEncodingRoundTrips) {
  Member m{MemberId("node1"), "node1", "127.0.0.1:8201", false};
  auto got = DecodeMember(EncodeMember(m));
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(*got, m);
  EXPECT_FALSE(DecodeMember(EncodeMember(m) + "x").has_value());
  EXPECT_FALSE(DecodeMember("").has_value());
  EXPECT_NE(MemberId("node1"), MemberId("node2"));
  EXPECT_NE(MemberId(""), kNone);
  Membership ms{ConfState{{1, 2}, {3}}, {m}};
  auto back = DecodeMembership(EncodeMembership(ms));
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(*back, ms);
  std::string enc = EncodeMembership(ms);
  for (size_t len = 0; len < enc.size(); ++len) {
    EXPECT_FALSE(DecodeMembership(enc.substr(0, len)).has_value()) << len;
  }
}

TEST(SnapshotStreamTest, RandomMutationsAreRefused) {
  const std::string data = Write(TestHeader(), TestRecords(40, 30), 200);
  uint64_t rng = 12345;
  auto next = [&] {
    rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
    return rng >> 33;
  };
  for (int round = 0; round < 3000; ++round) {
    std::string bad = data;
    const int edits = 1 + static_cast<int>(next() % 4);
    for (int e = 0; e < edits; ++e) {
      size_t pos = next() % bad.size();
      switch (next() % 4) {
        case 0:
          bad[pos] = static_cast<char>(next());
          break;
        case 1:
          bad.erase(pos, 1 + next() % 16);
          break;
        case 2:
          bad.insert(pos, std::string(1 + next() % 16, static_cast<char>(next())));
          break;
        default:
          bad[pos] = '\xFF';  // lengths at their maximum
          break;
      }
      if (bad.empty()) bad = "x";
    }
    if (bad == data) continue;
    SnapshotHeader h;
    std::vector<Rec> got;
    Status st = ReadAll(bad, &h, &got);
    ASSERT_EQ(st.code(), StatusCode::kCorruption) << "round " << round << ": " << st.ToString();
  }
}

}  // namespace
}  // namespace coffer::storage::raft
