#include "storage/raft/fsm.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <mutex>

#include "storage/keys.h"
#include "storage/testing.h"

namespace coffer::storage::raft {
namespace {

using Strings = std::vector<std::string>;

std::unique_ptr<StateMachine> OpenOrDie(const std::string& dir) {
  StateMachineOptions opts;
  opts.map_size = 1 << 20;  // small, so large values exercise map growth
  auto sm = StateMachine::Open(dir, opts);
  EXPECT_TRUE(IsOk(sm));
  return sm ? std::move(*sm) : nullptr;
}

std::optional<std::string> GetOrDie(StateMachine& sm, std::string_view key) {
  auto got = sm.Get(key);
  EXPECT_TRUE(IsOk(got));
  return got ? *got : std::nullopt;
}

TEST(BatchEncodingTest, RoundTrips) {
  std::string binary;
  for (int i = 0; i < 256; ++i) binary.push_back(static_cast<char>(i));
  const std::vector<std::vector<Op>> cases = {
      {},
      {Op::Put("a", "1")},
      {Op::Delete("a")},
      {Op::Put("k", ""), Op::Delete("gone"), Op::Put(binary, binary)},
      {Op::Put(std::string("\0\0", 2), std::string("\xff\0", 2))},
  };
  for (const auto& ops : cases) {
    std::string enc = EncodeBatch(ops);
    EXPECT_EQ(static_cast<uint8_t>(enc[0]), kBatchVersion);
    auto dec = DecodeBatch(enc);
    ASSERT_TRUE(IsOk(dec));
    ASSERT_EQ(dec->size(), ops.size());
    for (size_t i = 0; i < ops.size(); ++i) {
      EXPECT_EQ((*dec)[i].kind, ops[i].kind);
      EXPECT_EQ((*dec)[i].key, ops[i].key);
      EXPECT_EQ((*dec)[i].value, ops[i].value);
    }
  }
}

TEST(BatchEncodingTest, RejectsGarbage) {
  const std::vector<Op> ops = {Op::Put("key", "value"), Op::Delete("other")};
  const std::string good = EncodeBatch(ops);
  // Every strict prefix is truncated; one extra byte is trailing garbage.
  for (size_t n = 0; n < good.size(); ++n) {
    EXPECT_FALSE(DecodeBatch(good.substr(0, n))) << "prefix of " << n << " bytes";
  }
  EXPECT_FALSE(DecodeBatch(good + "x"));
  std::string bad_version = good;
  bad_version[0] = 2;
  EXPECT_EQ(DecodeBatch(bad_version).error().code(), StatusCode::kCorruption);
  std::string bad_kind = good;
  bad_kind[5] = 9;
  EXPECT_FALSE(DecodeBatch(bad_kind));
  // A lying count or length must fail without allocating what it claims.
  EXPECT_FALSE(DecodeBatch(std::string("\x01\xff\xff\xff\xff", 5)));
  EXPECT_FALSE(DecodeBatch(std::string("\x01\x01\0\0\0\x01\xff\xff\xff\xff", 10)));
  // Random bytes never crash.
  uint64_t x = 42;
  for (int i = 0; i < 2000; ++i) {
    std::string junk;
    for (int j = 0; j < i % 40; ++j) {
      x = x * 6364136223846793005ull + 1442695040888963407ull;
      junk.push_back(static_cast<char>(x >> 56));
    }
    if (!junk.empty()) junk[0] = static_cast<char>(kBatchVersion);
    (void)DecodeBatch(junk);
  }
}

TEST(StateMachineTest, AppliesAndPersistsAppliedIndexWithData) {
  TempDir dir;
  auto sm = OpenOrDie(dir.path());
  ASSERT_NE(sm, nullptr);
  EXPECT_EQ(sm->AppliedIndex(), 0u);
  const std::vector<Op> b1 = {Op::Put("a", "1"), Op::Put("b/c", "2")};
  const std::vector<Op> b2 = {Op::Delete("a"), Op::Put("d", "4")};
  ASSERT_TRUE(IsOk(sm->Apply(1, 1, EncodeBatch(b1))));
  ASSERT_TRUE(IsOk(sm->Apply(2, 3, EncodeBatch(b2))));
  // Simulated crash: close without anything else, reopen, both data and index are there.
  sm.reset();
  sm = OpenOrDie(dir.path());
  ASSERT_NE(sm, nullptr);
  EXPECT_EQ(sm->AppliedIndex(), 2u);
  EXPECT_EQ(sm->AppliedTerm(), 3u);
  EXPECT_EQ(GetOrDie(*sm, "a"), std::nullopt);
  EXPECT_EQ(GetOrDie(*sm, "b/c"), "2");
  EXPECT_EQ(GetOrDie(*sm, "d"), "4");
  EXPECT_EQ(*sm->List(""), (Strings{"b/", "d"}));
}

TEST(StateMachineTest, ReplayAfterReopenIsANoOp) {
  TempDir dir;
  auto sm = OpenOrDie(dir.path());
  ASSERT_NE(sm, nullptr);
  const std::string put = EncodeBatch(std::vector<Op>{Op::Put("k", "v1")});
  const std::string del = EncodeBatch(std::vector<Op>{Op::Delete("k")});
  ASSERT_TRUE(IsOk(sm->Apply(1, 1, put)));
  ASSERT_TRUE(IsOk(sm->Apply(2, 1, del)));
  sm.reset();
  sm = OpenOrDie(dir.path());
  ASSERT_NE(sm, nullptr);
  // Raft re-delivers from index 1 after a restart: neither entry may apply again.
  ASSERT_TRUE(IsOk(sm->Apply(1, 1, put)));
  EXPECT_EQ(GetOrDie(*sm, "k"), std::nullopt);
  ASSERT_TRUE(IsOk(sm->Apply(2, 1, del)));
  EXPECT_EQ(sm->AppliedIndex(), 2u);
  ASSERT_TRUE(IsOk(sm->Apply(3, 2, put)));
  EXPECT_EQ(GetOrDie(*sm, "k"), "v1");
  EXPECT_EQ(sm->AppliedIndex(), 3u);
  EXPECT_EQ(sm->AppliedTerm(), 2u);
}

TEST(StateMachineTest, KilledProcessLeavesDataAndIndexTogether) {
  TempDir dir;
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {  // child: apply two entries, then die without closing anything
    auto sm = StateMachine::Open(dir.path(), StateMachineOptions());
    if (!sm) _exit(1);
    if (!(*sm)->Apply(1, 1, EncodeBatch(std::vector<Op>{Op::Put("a", "1")})).ok()) _exit(2);
    if (!(*sm)->Apply(2, 1, EncodeBatch(std::vector<Op>{Op::Put("b", "2")})).ok()) _exit(3);
    _exit(0);
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  ASSERT_EQ(WEXITSTATUS(status), 0);
  auto sm = OpenOrDie(dir.path());
  ASSERT_NE(sm, nullptr);
  EXPECT_EQ(sm->AppliedIndex(), 2u);
  EXPECT_EQ(GetOrDie(*sm, "a"), "1");
  EXPECT_EQ(GetOrDie(*sm, "b"), "2");
}

TEST(StateMachineTest, GapIsRejected) {
  TempDir dir;
  auto sm = OpenOrDie(dir.path());
  ASSERT_NE(sm, nullptr);
  Status st = sm->Apply(2, 1, EncodeBatch(std::vector<Op>{Op::Put("k", "v")}));
  EXPECT_EQ(st.code(), StatusCode::kPreconditionFailed);
  EXPECT_EQ(sm->AppliedIndex(), 0u);
  EXPECT_EQ(GetOrDie(*sm, "k"), std::nullopt);
}

TEST(StateMachineTest, GarbageCommandsAdvanceIndexWithoutChange) {
  TempDir dir;
  auto sm = OpenOrDie(dir.path());
  ASSERT_NE(sm, nullptr);
  ASSERT_TRUE(IsOk(sm->Apply(1, 1, EncodeBatch(std::vector<Op>{Op::Put("k", "v")}))));
  ASSERT_TRUE(IsOk(sm->Apply(2, 1, "not a batch")));
  ASSERT_TRUE(
      IsOk(sm->Apply(3, 1, EncodeBatch(std::vector<Op>{Op::Put("k", "x"), Op::Put("", "")}))));
  ASSERT_TRUE(IsOk(sm->Apply(4, 1, "")));  // a leader's empty entry: not garbage
  EXPECT_EQ(sm->AppliedIndex(), 4u);
  EXPECT_EQ(sm->rejected_commands(), 2u);
  EXPECT_EQ(GetOrDie(*sm, "k"), "v");  // the invalid-key batch applied none of its ops
  sm.reset();
  sm = OpenOrDie(dir.path());
  ASSERT_NE(sm, nullptr);
  EXPECT_EQ(sm->AppliedIndex(), 4u);
}

TEST(StateMachineTest, DirectoryOpenOncePerProcess) {
  TempDir dir;
  auto sm = OpenOrDie(dir.path());
  ASSERT_NE(sm, nullptr);
  EXPECT_FALSE(StateMachine::Open(dir.path(), StateMachineOptions()));
}

// storage::Backend over a StateMachine, writing through Raft's path: every write is
// encoded and applied at the next index, as a single-node cluster would.
class FsmBackend final : public Backend {
 public:
  explicit FsmBackend(StateMachine& sm) : sm_(sm) {}
  Result<std::optional<std::string>> Get(std::string_view key) override { return sm_.Get(key); }
  Result<std::vector<std::string>> List(std::string_view prefix) override {
    return sm_.List(prefix);
  }
  Status Put(std::string_view key, std::string_view value) override {
    Op op = Op::Put(std::string(key), std::string(value));
    return Batch(std::span<const Op>(&op, 1));
  }
  Status Delete(std::string_view key) override {
    Op op = Op::Delete(std::string(key));
    return Batch(std::span<const Op>(&op, 1));
  }
  Status Batch(std::span<const Op> ops) override {
    COFFER_RETURN_IF_ERROR(ValidateOps(ops));  // a real proposer rejects before Raft
    std::lock_guard lock(mu_);
    return sm_.Apply(sm_.AppliedIndex() + 1, 1, EncodeBatch(ops));
  }

 private:
  StateMachine& sm_;
  std::mutex mu_;  // one index per write
};

class FsmHarness final : public BackendHarness {
 public:
  FsmHarness() { Open(); }
  Backend& backend() override { return *backend_; }
  bool Reopen() override {
    backend_.reset();
    sm_.reset();
    Open();
    return true;
  }

 private:
  void Open() {
    sm_ = OpenOrDie(dir_.path());
    if (sm_ != nullptr) backend_ = std::make_unique<FsmBackend>(*sm_);
  }
  TempDir dir_;
  std::unique_ptr<StateMachine> sm_;
  std::unique_ptr<FsmBackend> backend_;
};

using storage::BackendConformanceTest;
INSTANTIATE_TEST_SUITE_P(RaftFsm, BackendConformanceTest,
                         ::testing::Values(BackendParam{
                             "RaftFsm", [] { return std::make_unique<FsmHarness>(); }}),
                         BackendParamName);

}  // namespace
}  // namespace coffer::storage::raft
