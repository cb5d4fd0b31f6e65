// StateMachine membership, snapshots (write/install) and operator restore commands.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "storage/raft/fsm.h"
#include "storage/testing.h"

namespace coffer::storage::raft {
namespace {

std::unique_ptr<StateMachine> OpenOrDie(const std::string& dir) {
  StateMachineOptions opts;
  opts.map_size = 1 << 20;
  opts.no_sync = true;
  auto sm = StateMachine::Open(dir, opts);
  EXPECT_TRUE(IsOk(sm));
  return sm ? std::move(*sm) : nullptr;
}

std::string Put(const std::string& k, const std::string& v) {
  return EncodeBatch(std::vector<Op>{Op::Put(k, v)});
}

// Every key/value of the live data.
std::map<std::string, std::string> Dump(StateMachine& sm, const std::string& prefix = "") {
  std::map<std::string, std::string> out;
  auto keys = sm.List(prefix);
  EXPECT_TRUE(IsOk(keys));
  for (const std::string& k : *keys) {
    if (k.ends_with("/")) {
      auto sub = Dump(sm, prefix + k);
      out.insert(sub.begin(), sub.end());
    } else {
      out[prefix + k] = **sm.Get(prefix + k);
    }
  }
  return out;
}

Membership TwoMembers() {
  Member a{MemberId("a"), "a", "127.0.0.1:1", true};
  Member b{MemberId("b"), "b", "127.0.0.1:2", false};
  Membership m;
  m.conf.voters = {a.id};
  m.conf.learners = {b.id};
  m.members = {a, b};
  return m;
}

std::string Snapshot(StateMachine& sm) {
  std::string out;
  auto h = sm.WriteSnapshot([&](std::string_view c) {
    out.append(c);
    return Status::Ok();
  });
  EXPECT_TRUE(IsOk(h));
  return out;
}

SnapshotSource StringSource(std::string data, size_t fail_after = SIZE_MAX) {
  auto pos = std::make_shared<size_t>(0);
  auto d = std::make_shared<std::string>(std::move(data));
  return [d, pos, fail_after](char* buf, size_t n) -> Result<size_t> {
    if (*pos >= fail_after) return Err(IoError("connection reset"));
    size_t k = std::min({n, d->size() - *pos, fail_after - *pos});
    std::copy_n(d->data() + *pos, k, buf);
    *pos += k;
    return k;
  };
}

TEST(FsmMembershipTest, AppliedWithTheIndexAndPersisted) {
  TempDir dir;
  auto sm = OpenOrDie(dir.path());
  EXPECT_TRUE(sm->membership().empty());
  ASSERT_TRUE(IsOk(sm->ApplyMembership(1, 1, TwoMembers())));
  EXPECT_EQ(sm->AppliedIndex(), 1u);
  EXPECT_EQ(sm->membership(), TwoMembers());
  EXPECT_EQ(sm->ApplyMembership(3, 1, Membership()).code(), StatusCode::kPreconditionFailed);
  ASSERT_TRUE(IsOk(sm->ApplyMembership(1, 1, Membership())));  // replay: no-op
  sm.reset();
  sm = OpenOrDie(dir.path());
  EXPECT_EQ(sm->membership(), TwoMembers());
  EXPECT_EQ(sm->AppliedIndex(), 1u);
}

TEST(FsmSnapshotTest, InstallRoundTrip) {
  TempDir a_dir, b_dir;
  auto a = OpenOrDie(a_dir.path());
  auto b = OpenOrDie(b_dir.path());
  ASSERT_TRUE(IsOk(a->ApplyMembership(1, 1, TwoMembers())));
  for (int i = 0; i < 300; ++i) {
    ASSERT_TRUE(IsOk(a->Apply(a->AppliedIndex() + 1, 2,
                              Put("d/" + std::to_string(i), std::string(i * 10, 'x')))));
  }
  ASSERT_TRUE(IsOk(b->Apply(1, 1, Put("old", "gone after install"))));
  const std::string snap = Snapshot(*a);
  auto h = b->Install(StringSource(snap));
  ASSERT_TRUE(IsOk(h)) << h.error().ToString();
  EXPECT_EQ(h->meta.index, 301u);
  EXPECT_EQ(b->AppliedIndex(), 301u);
  EXPECT_EQ(b->AppliedTerm(), 2u);
  EXPECT_EQ(b->membership(), TwoMembers());
  EXPECT_EQ(Dump(*b), Dump(*a));
  EXPECT_EQ(*b->Get("old"), std::nullopt);
  // It persists, writes continue, and a second install works (the slots rotate).
  b.reset();
  b = OpenOrDie(b_dir.path());
  EXPECT_EQ(Dump(*b), Dump(*a));
  ASSERT_TRUE(IsOk(b->Apply(302, 2, Put("new", "1"))));
  ASSERT_TRUE(IsOk(a->Apply(302, 2, Put("new", "1"))));
  for (int round = 0; round < 3; ++round) {
    ASSERT_TRUE(IsOk(b->Install(StringSource(Snapshot(*a)))));
    EXPECT_EQ(Dump(*b), Dump(*a));
  }
  EXPECT_EQ(Snapshot(*a), Snapshot(*b));  // byte-identical replicas
}

TEST(FsmSnapshotTest, DamagedSnapshotLeavesStateUntouched) {
  TempDir a_dir, b_dir;
  auto a = OpenOrDie(a_dir.path());
  auto b = OpenOrDie(b_dir.path());
  for (int i = 1; i <= 50; ++i) {
    ASSERT_TRUE(IsOk(a->Apply(i, 1, Put("k/" + std::to_string(i), std::string(500, 'a')))));
  }
  ASSERT_TRUE(IsOk(b->Apply(1, 1, Put("mine", "1"))));
  const auto before = Dump(*b);
  const std::string snap = Snapshot(*a);
  std::vector<std::string> bad = {snap.substr(0, snap.size() - 1), snap.substr(0, snap.size() / 2),
                                  snap + "?"};
  for (size_t pos : {size_t{3}, size_t{40}, snap.size() / 2, snap.size() - 5}) {
    std::string s = snap;
    s[pos] ^= 1;
    bad.push_back(s);
  }
  for (const std::string& s : bad) {
    auto h = b->Install(StringSource(s));
    ASSERT_FALSE(h.has_value());
    EXPECT_EQ(h.error().code(), StatusCode::kCorruption) << h.error().ToString();
    EXPECT_EQ(Dump(*b), before);
    EXPECT_EQ(b->AppliedIndex(), 1u);
  }
  auto h = b->Install(StringSource(snap, snap.size() / 2));  // the peer went away
  ASSERT_FALSE(h.has_value());
  EXPECT_EQ(h.error().code(), StatusCode::kIoError);
  EXPECT_EQ(Dump(*b), before);
  ASSERT_TRUE(IsOk(b->Install(StringSource(snap))));
  EXPECT_EQ(Dump(*b), Dump(*a));
}

TEST(FsmSnapshotTest, CrashDuringInstallLeavesOldOrNewState) {
  TempDir a_dir, b_dir;
  auto a = OpenOrDie(a_dir.path());
  for (int i = 1; i <= 100; ++i) {
    ASSERT_TRUE(IsOk(a->Apply(i, 1, Put("k/" + std::to_string(i), std::string(3000, 'z')))));
  }
  const std::string snap = Snapshot(*a);
  {
    auto b = OpenOrDie(b_dir.path());
    ASSERT_TRUE(IsOk(b->Apply(1, 1, Put("mine", "1"))));
  }
  // The process dies at several points of the stream (after some staged chunks).
  for (size_t cut : {snap.size() / 4, snap.size() / 2, snap.size() - 1}) {
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      auto b = StateMachine::Open(b_dir.path(), StateMachineOptions());
      if (!b) _exit(1);
      auto pos = std::make_shared<size_t>(0);
      (void)(*b)->Install([&](char* buf, size_t n) -> Result<size_t> {
        if (*pos >= cut) _exit(0);  // killed mid-install
        size_t k = std::min({n, cut - *pos, size_t{4096}});
        std::copy_n(snap.data() + *pos, k, buf);
        *pos += k;
        return k;
      });
      _exit(2);
    }
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status));
    ASSERT_EQ(WEXITSTATUS(status), 0);
    auto b = OpenOrDie(b_dir.path());
    EXPECT_EQ(b->AppliedIndex(), 1u);
    EXPECT_EQ(*b->Get("mine"), "1");
    EXPECT_EQ(*b->Get("k/1"), std::nullopt);
  }
  auto b = OpenOrDie(b_dir.path());
  ASSERT_TRUE(IsOk(b->Install(StringSource(snap))));
  EXPECT_EQ(Dump(*b), Dump(*a));
}

TEST(FsmRestoreTest, CommandsSwapDataAndKeepMembership) {
  TempDir dir;
  auto sm = OpenOrDie(dir.path());
  ASSERT_TRUE(IsOk(sm->ApplyMembership(1, 1, TwoMembers())));
  ASSERT_TRUE(IsOk(sm->Apply(2, 1, Put("live", "1"))));
  EXPECT_FALSE(DecodeBatch(EncodeRestoreBegin(7)).has_value());
  ASSERT_TRUE(IsOk(sm->Apply(3, 1, EncodeRestoreBegin(7))));
  EXPECT_EQ(sm->restore_id(), 7u);
  std::string chunk = EncodeRestoreChunk(7);
  AppendRestoreRecord(&chunk, "r/a", "A");
  AppendRestoreRecord(&chunk, "r/b", "B");
  ASSERT_TRUE(IsOk(sm->Apply(4, 1, chunk)));
  std::string stale = EncodeRestoreChunk(6);
  AppendRestoreRecord(&stale, "r/stale", "S");
  ASSERT_TRUE(IsOk(sm->Apply(5, 1, stale)));                   // ignored
  ASSERT_TRUE(IsOk(sm->Apply(6, 1, EncodeRestoreCommit(6))));  // ignored
  ASSERT_TRUE(IsOk(sm->Apply(7, 1, chunk + "junk")));          // malformed: rejected
  EXPECT_EQ(sm->rejected_commands(), 1u);
  EXPECT_EQ(*sm->Get("live"), "1");  // nothing visible before the commit
  // A snapshot taken mid-restore carries the staging data.
  TempDir copy_dir;
  auto copy = OpenOrDie(copy_dir.path());
  ASSERT_TRUE(IsOk(copy->Install(StringSource(Snapshot(*sm)))));
  EXPECT_EQ(copy->restore_id(), 7u);
  ASSERT_TRUE(IsOk(sm->Apply(8, 1, EncodeRestoreCommit(7))));
  ASSERT_TRUE(IsOk(copy->Apply(8, 1, EncodeRestoreCommit(7))));
  const std::map<std::string, std::string> want = {{"r/a", "A"}, {"r/b", "B"}};
  EXPECT_EQ(Dump(*sm), want);
  EXPECT_EQ(Dump(*copy), want);
  EXPECT_EQ(sm->restore_id(), 0u);
  EXPECT_EQ(sm->membership(), TwoMembers());
  EXPECT_EQ(sm->AppliedIndex(), 8u);
  ASSERT_TRUE(IsOk(sm->Apply(9, 1, EncodeRestoreCommit(7))));  // late duplicate: ignored
  EXPECT_EQ(Dump(*sm), want);
  sm.reset();
  sm = OpenOrDie(dir.path());
  EXPECT_EQ(Dump(*sm), want);
  // A new Begin abandons an unfinished restore.
  ASSERT_TRUE(IsOk(sm->Apply(10, 1, EncodeRestoreBegin(8))));
  std::string c8 = EncodeRestoreChunk(8);
  AppendRestoreRecord(&c8, "x", "1");
  ASSERT_TRUE(IsOk(sm->Apply(11, 1, c8)));
  ASSERT_TRUE(IsOk(sm->Apply(12, 1, EncodeRestoreBegin(9))));
  ASSERT_TRUE(IsOk(sm->Apply(13, 1, EncodeRestoreCommit(9))));
  EXPECT_TRUE(Dump(*sm).empty());  // restore 9 had no records
}

// A bounded pipe between a writer thread and a reader.
class Pipe {
 public:
  Status Write(std::string_view c) {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return buf_.size() < kCap; });
    buf_.append(c);
    max_buffered_ = std::max(max_buffered_, buf_.size());
    cv_.notify_all();
    return Status::Ok();
  }
  void Close() {
    std::lock_guard lock(mu_);
    closed_ = true;
    cv_.notify_all();
  }
  Result<size_t> Read(char* out, size_t n) {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return !buf_.empty() || closed_; });
    size_t k = std::min(n, buf_.size());
    std::copy_n(buf_.data(), k, out);
    buf_.erase(0, k);
    cv_.notify_all();
    return k;
  }
  size_t max_buffered() const { return max_buffered_; }

 private:
  static constexpr size_t kCap = 4u << 20;
  std::mutex mu_;
  std::condition_variable cv_;
  std::string buf_;
  bool closed_ = false;
  size_t max_buffered_ = 0;
};

TEST(FsmSnapshotTest, LargeSnapshotStreamsInBoundedPieces) {
  TempDir a_dir, b_dir;
  auto a = OpenOrDie(a_dir.path());
  auto b = OpenOrDie(b_dir.path());
  constexpr int kValues = 3200;  // 3200 × 64 KiB = 200 MiB
  const std::string value(64 << 10, 'v');
  for (int i = 1; i <= kValues; i += 16) {
    std::vector<Op> ops;
    for (int j = i; j < i + 16; ++j) ops.push_back(Op::Put("big/" + std::to_string(j), value));
    ASSERT_TRUE(IsOk(a->Apply(a->AppliedIndex() + 1, 1, EncodeBatch(ops))));
  }
  Pipe pipe;
  size_t max_piece = 0;
  uint64_t total = 0;
  Status write_status;
  std::thread writer([&] {
    auto h = a->WriteSnapshot([&](std::string_view c) {
      max_piece = std::max(max_piece, c.size());
      total += c.size();
      return pipe.Write(c);
    });
    write_status = h ? Status::Ok() : h.error();
    pipe.Close();
  });
  auto h = b->Install([&](char* buf, size_t n) { return pipe.Read(buf, n); });
  writer.join();
  ASSERT_TRUE(write_status.ok()) << write_status.ToString();
  ASSERT_TRUE(IsOk(h)) << h.error().ToString();
  EXPECT_GT(total, 200'000'000u);
  EXPECT_LE(max_piece, kSnapshotChunkBytes + (64 << 10) + 64);  // one chunk at a time
  EXPECT_EQ(b->AppliedIndex(), a->AppliedIndex());
  auto keys = b->List("big/");
  ASSERT_TRUE(IsOk(keys));
  EXPECT_EQ(keys->size(), static_cast<size_t>(kValues));
  EXPECT_EQ(**b->Get("big/1234"), value);
}

}  // namespace
}  // namespace coffer::storage::raft
