#include "storage/testing.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <random>
#include <thread>
#include <vector>

namespace coffer::storage {
namespace {

class SimpleHarness final : public BackendHarness {
 public:
  explicit SimpleHarness(std::unique_ptr<Backend> backend) : backend_(std::move(backend)) {}
  Backend& backend() override { return *backend_; }

 private:
  std::unique_ptr<Backend> backend_;
};

using Strings = std::vector<std::string>;

// The value at `key`; an error fails the test and reads as absent.
std::optional<std::string> GetOrFail(Backend& b, std::string_view key) {
  auto r = b.Get(key);
  if (!r) {
    ADD_FAILURE() << "Get(\"" << key << "\"): " << r.error().ToString();
    return std::nullopt;
  }
  return *r;
}

Strings ListOrFail(Backend& b, std::string_view prefix) {
  auto r = b.List(prefix);
  if (!r) {
    ADD_FAILURE() << "List(\"" << prefix << "\"): " << r.error().ToString();
    return {};
  }
  return *r;
}

std::string RandomBytes(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::string out(n, '\0');
  for (char& c : out) c = static_cast<char>(rng());
  return out;
}

}  // namespace

TempDir::TempDir() {
  const char* tmp = getenv("TMPDIR");
  std::string tmpl = std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/coffer-XXXXXX";
  if (mkdtemp(tmpl.data()) == nullptr) {
    ADD_FAILURE() << "mkdtemp " << tmpl << ": " << strerror(errno);
    return;
  }
  path_ = tmpl;
}

TempDir::~TempDir() {
  if (path_.empty()) return;
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

BackendParam SimpleBackend(std::string name, std::function<std::unique_ptr<Backend>()> make) {
  return {std::move(name), [make = std::move(make)]() -> std::unique_ptr<BackendHarness> {
            return std::make_unique<SimpleHarness>(make());
          }};
}

std::string BackendParamName(const ::testing::TestParamInfo<BackendParam>& info) {
  return info.param.name;
}

void PrintTo(const BackendParam& param, std::ostream* os) { *os << param.name; }

void BackendConformanceTest::SetUp() {
  harness_ = GetParam().make();
  ASSERT_NE(harness_, nullptr);
}

void BackendConformanceTest::TearDown() { harness_.reset(); }

TEST_P(BackendConformanceTest, GetMissingIsAbsent) {
  auto r = backend().Get("missing");
  ASSERT_TRUE(IsOk(r));
  EXPECT_EQ(*r, std::nullopt);
}

TEST_P(BackendConformanceTest, PutThenGetThenOverwrite) {
  ASSERT_TRUE(IsOk(backend().Put("foo", "bar")));
  EXPECT_EQ(GetOrFail(backend(), "foo"), "bar");
  ASSERT_TRUE(IsOk(backend().Put("foo", "baz")));
  EXPECT_EQ(GetOrFail(backend(), "foo"), "baz");
  EXPECT_EQ(GetOrFail(backend(), "fo"), std::nullopt);
  EXPECT_EQ(GetOrFail(backend(), "foo/"), std::nullopt);
}

TEST_P(BackendConformanceTest, DeleteRemovesAndAbsentDeleteIsOk) {
  ASSERT_TRUE(IsOk(backend().Put("a", "1")));
  ASSERT_TRUE(IsOk(backend().Put("b", "2")));
  ASSERT_TRUE(IsOk(backend().Delete("a")));
  EXPECT_EQ(GetOrFail(backend(), "a"), std::nullopt);
  EXPECT_EQ(GetOrFail(backend(), "b"), "2");
  EXPECT_TRUE(IsOk(backend().Delete("a")));
  EXPECT_TRUE(IsOk(backend().Delete("never/existed")));
  EXPECT_EQ(ListOrFail(backend(), ""), Strings{"b"});
}

TEST_P(BackendConformanceTest, EmptyAndBinaryValues) {
  ASSERT_TRUE(IsOk(backend().Put("empty", "")));
  EXPECT_EQ(GetOrFail(backend(), "empty"), std::string());  // present, not absent
  std::string all_bytes;
  for (int i = 0; i < 256; ++i) all_bytes.push_back(static_cast<char>(i));
  ASSERT_TRUE(IsOk(backend().Put("binary", all_bytes)));
  EXPECT_EQ(GetOrFail(backend(), "binary"), all_bytes);
}

TEST_P(BackendConformanceTest, LargeValue) {
  const std::string big = RandomBytes(5 << 20, 1);
  ASSERT_TRUE(IsOk(backend().Put("big", big)));
  auto got = GetOrFail(backend(), "big");
  ASSERT_TRUE(got.has_value());
  EXPECT_TRUE(*got == big) << "5 MiB value differs, size " << got->size();
  ASSERT_TRUE(IsOk(backend().Put("big", "small")));
  EXPECT_EQ(GetOrFail(backend(), "big"), "small");
  ASSERT_TRUE(IsOk(backend().Delete("big")));
  EXPECT_EQ(GetOrFail(backend(), "big"), std::nullopt);
}

TEST_P(BackendConformanceTest, SpecialCharacterKeys) {
  const Strings keys = {"with space",
                        "per%2Fcent",
                        "uni/\xc3\xa9t\xc3\xa9",
                        "dots/../..",
                        "ctl\x01\x7f",
                        "high\xff\xfe",
                        "ff/\xff\xff",  // 0xff right after a folder's '/'
                        "ff/\xff/x",
                        std::string("nul\0mid", 7),
                        "tab\there",
                        "quote\"'\\",
                        "trailing/"};
  for (const std::string& k : keys) ASSERT_TRUE(IsOk(backend().Put(k, "v:" + k))) << k;
  for (const std::string& k : keys) EXPECT_EQ(GetOrFail(backend(), k), "v:" + k) << k;
  Strings root = ListOrFail(backend(), "");
  EXPECT_TRUE(std::is_sorted(root.begin(), root.end()));  // bytewise, as unsigned chars
  EXPECT_EQ(root,
            (Strings{"ctl\x01\x7f", "dots/", "ff/", "high\xff\xfe", std::string("nul\0mid", 7),
                     "per%2Fcent", "quote\"'\\", "tab\there", "trailing/", "uni/", "with space"}));
  EXPECT_EQ(ListOrFail(backend(), "uni/"), Strings{"\xc3\xa9t\xc3\xa9"});
  EXPECT_EQ(ListOrFail(backend(), "dots/"), Strings{"../"});
  EXPECT_EQ(ListOrFail(backend(), "ff/"), (Strings{"\xff/", "\xff\xff"}));
  EXPECT_EQ(ListOrFail(backend(), "trailing/"), Strings{});  // the key equal to the prefix
}

TEST_P(BackendConformanceTest, InvalidKeysAreRejected) {
  EXPECT_EQ(backend().Put("", "v").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(backend().Delete("").code(), StatusCode::kInvalidArgument);
  auto get = backend().Get("");
  ASSERT_FALSE(get.has_value());
  EXPECT_EQ(get.error().code(), StatusCode::kInvalidArgument);

  const std::string longest = "long/" + std::string(harness().MaxKeySize() - 5, 'k');
  const std::string too_long = longest + "k";
  ASSERT_TRUE(IsOk(backend().Put(longest, "v")));
  EXPECT_EQ(GetOrFail(backend(), longest), "v");
  EXPECT_EQ(ListOrFail(backend(), "long/"), Strings{longest.substr(5)});
  Status st = backend().Put(too_long, "v");
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << st.ToString();
  EXPECT_EQ(ListOrFail(backend(), too_long), Strings{});
  EXPECT_EQ(ListOrFail(backend(), ""), Strings{"long/"});
}

TEST_P(BackendConformanceTest, ListRootAndNestedFolders) {
  EXPECT_EQ(ListOrFail(backend(), ""), Strings{});
  for (const char* k : {"foo", "foo/", "foo/bar", "foo/bar/baz", "zip"}) {
    ASSERT_TRUE(IsOk(backend().Put(k, "x")));
  }
  EXPECT_EQ(ListOrFail(backend(), ""), (Strings{"foo", "foo/", "zip"}));
  EXPECT_EQ(ListOrFail(backend(), "foo/"), (Strings{"bar", "bar/"}));
  EXPECT_EQ(ListOrFail(backend(), "foo/bar/"), Strings{"baz"});
  EXPECT_EQ(ListOrFail(backend(), "foo/bar/baz/"), Strings{});
  EXPECT_EQ(ListOrFail(backend(), "missing/"), Strings{});
  EXPECT_EQ(ListOrFail(backend(), "zzz/"), Strings{});
}

TEST_P(BackendConformanceTest, ListOrderAroundSlash) {
  // '-' (0x2d) and '.' (0x2e) sort before '/' (0x2f), '0' (0x30) after it.
  for (const char* k : {"a", "a-b", "a.c", "a/x", "a/y/z", "a0", "a0/q"}) {
    ASSERT_TRUE(IsOk(backend().Put(k, "x")));
  }
  EXPECT_EQ(ListOrFail(backend(), ""), (Strings{"a", "a-b", "a.c", "a/", "a0", "a0/"}));
  EXPECT_EQ(ListOrFail(backend(), "a/"), (Strings{"x", "y/"}));
}

TEST_P(BackendConformanceTest, ListCollapsesLargeFolderOnce) {
  std::vector<Op> ops;
  for (int i = 0; i < 1000; ++i) {
    ops.push_back(Op::Put("many/dir/k" + std::to_string(1000 + i), "x"));
    ops.push_back(Op::Put("many/dir/sub/k" + std::to_string(i), "x"));
  }
  ops.push_back(Op::Put("many/a", "x"));
  ops.push_back(Op::Put("many/z", "x"));
  ASSERT_TRUE(IsOk(backend().Batch(ops)));
  EXPECT_EQ(ListOrFail(backend(), "many/"), (Strings{"a", "dir/", "z"}));
  Strings dir = ListOrFail(backend(), "many/dir/");
  ASSERT_EQ(dir.size(), 1001u);
  EXPECT_EQ(dir.front(), "k1000");
  EXPECT_EQ(dir[999], "k1999");
  EXPECT_EQ(dir.back(), "sub/");
}

TEST_P(BackendConformanceTest, ListReflectsDeletes) {
  ASSERT_TRUE(IsOk(backend().Put("d/x/1", "v")));
  ASSERT_TRUE(IsOk(backend().Put("d/x/2", "v")));
  ASSERT_TRUE(IsOk(backend().Put("d/y", "v")));
  ASSERT_TRUE(IsOk(backend().Delete("d/x/1")));
  EXPECT_EQ(ListOrFail(backend(), "d/"), (Strings{"x/", "y"}));
  ASSERT_TRUE(IsOk(backend().Delete("d/x/2")));
  EXPECT_EQ(ListOrFail(backend(), "d/"), Strings{"y"});
  ASSERT_TRUE(IsOk(backend().Delete("d/y")));
  EXPECT_EQ(ListOrFail(backend(), ""), Strings{});
}

TEST_P(BackendConformanceTest, BatchAppliesPutsAndDeletesTogether) {
  ASSERT_TRUE(IsOk(backend().Put("old/1", "v")));
  ASSERT_TRUE(IsOk(backend().Put("old/2", "v")));
  std::vector<Op> ops = {Op::Delete("old/1"), Op::Delete("old/2"), Op::Delete("old/absent")};
  for (int i = 0; i < 100; ++i) {
    ops.push_back(Op::Put("new/" + std::to_string(i), std::string(i, 'v')));
  }
  ASSERT_TRUE(IsOk(backend().Batch(ops)));
  EXPECT_EQ(ListOrFail(backend(), ""), Strings{"new/"});
  EXPECT_EQ(ListOrFail(backend(), "new/").size(), 100u);
  EXPECT_EQ(GetOrFail(backend(), "new/42"), std::string(42, 'v'));
  EXPECT_TRUE(IsOk(backend().Batch({})));
}

TEST_P(BackendConformanceTest, BatchOpsApplyInOrder) {
  ASSERT_TRUE(IsOk(backend().Put("y", "old")));
  const std::vector<Op> ops = {Op::Put("x", "1"), Op::Delete("x"),       Op::Delete("y"),
                               Op::Put("y", "2"), Op::Put("z", "first"), Op::Put("z", "second")};
  ASSERT_TRUE(IsOk(backend().Batch(ops)));
  EXPECT_EQ(GetOrFail(backend(), "x"), std::nullopt);
  EXPECT_EQ(GetOrFail(backend(), "y"), "2");
  EXPECT_EQ(GetOrFail(backend(), "z"), "second");
}

TEST_P(BackendConformanceTest, FailedBatchAppliesNothing) {
  ASSERT_TRUE(IsOk(backend().Put("keep", "v")));
  for (const std::string& bad : {std::string(), std::string(harness().MaxKeySize() + 1, 'k')}) {
    const std::vector<Op> ops = {Op::Put("a", "1"), Op::Delete("keep"), Op::Put(bad, "x"),
                                 Op::Put("b", "2")};
    Status st = backend().Batch(ops);
    EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << st.ToString();
    EXPECT_EQ(GetOrFail(backend(), "a"), std::nullopt);
    EXPECT_EQ(GetOrFail(backend(), "b"), std::nullopt);
    EXPECT_EQ(GetOrFail(backend(), "keep"), "v");
  }
  EXPECT_EQ(backend().Batch(std::vector<Op>{Op::Delete("")}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(ListOrFail(backend(), ""), Strings{"keep"});
}

TEST_P(BackendConformanceTest, BatchIsAtomicToReaders) {
  constexpr int kKeys = 10;
  std::vector<Op> puts, deletes;
  for (int i = 0; i < kKeys; ++i) {
    puts.push_back(Op::Put("atomic/" + std::to_string(i), "v"));
    deletes.push_back(Op::Delete("atomic/" + std::to_string(i)));
  }
  std::atomic<bool> done = false;
  std::atomic<int> lists = 0;
  std::vector<std::thread> readers;
  for (int r = 0; r < 2; ++r) {
    readers.emplace_back([&] {
      while (!done.load()) {
        size_t n = ListOrFail(backend(), "atomic/").size();
        EXPECT_TRUE(n == 0 || n == kKeys) << "a reader saw " << n << " of " << kKeys << " keys";
        ++lists;
      }
    });
  }
  for (int round = 0; round < 50; ++round) {
    EXPECT_TRUE(IsOk(backend().Batch(round % 2 == 0 ? puts : deletes)));
  }
  while (lists.load() < 10) std::this_thread::yield();  // the readers really ran
  done = true;
  for (std::thread& t : readers) t.join();
}

TEST_P(BackendConformanceTest, ConcurrentWriters) {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 25;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      const std::string tag = "t" + std::to_string(t);
      for (int j = 0; j < kPerThread; ++j) {
        const std::string key = "w/" + tag + "/k" + std::to_string(100 + j);
        EXPECT_TRUE(IsOk(backend().Put(key, tag + "-" + std::to_string(j))));
        EXPECT_TRUE(IsOk(backend().Put("w/same", tag + "-" + std::to_string(j))));
        if (j % 5 == 0) {
          EXPECT_TRUE(IsOk(
              backend().Batch(std::vector<Op>{Op::Put("w/" + tag + "/batch", std::to_string(j)),
                                              Op::Delete("w/" + tag + "/gone")})));
        }
        EXPECT_EQ(GetOrFail(backend(), key), tag + "-" + std::to_string(j));
      }
    });
  }
  for (std::thread& t : threads) t.join();

  Strings tags = ListOrFail(backend(), "w/");
  ASSERT_EQ(tags.size(), kThreads + 1u);
  EXPECT_EQ(tags.front(), "same");  // 's' sorts before "t0/"
  for (int t = 0; t < kThreads; ++t) {
    const std::string tag = "t" + std::to_string(t);
    Strings keys = ListOrFail(backend(), "w/" + tag + "/");
    EXPECT_EQ(keys.size(), kPerThread + 1u) << tag;
    for (int j = 0; j < kPerThread; ++j) {
      EXPECT_EQ(GetOrFail(backend(), "w/" + tag + "/k" + std::to_string(100 + j)),
                tag + "-" + std::to_string(j));
    }
    EXPECT_EQ(GetOrFail(backend(), "w/" + tag + "/batch"), std::to_string(kPerThread - 5));
  }
  // The last write to the shared key was some thread's last write.
  std::optional<std::string> same = GetOrFail(backend(), "w/same");
  ASSERT_TRUE(same.has_value());
  EXPECT_TRUE(same->ends_with("-" + std::to_string(kPerThread - 1))) << *same;
}

TEST_P(BackendConformanceTest, PersistsAcrossReopen) {
  ASSERT_TRUE(IsOk(backend().Put("p/a", "1")));
  ASSERT_TRUE(IsOk(backend().Put("p/gone", "x")));
  const std::string big = RandomBytes(1 << 20, 2);
  ASSERT_TRUE(IsOk(backend().Batch(
      std::vector<Op>{Op::Put("p/big", big), Op::Put("p/sub/c", "3"), Op::Delete("p/gone")})));
  if (!harness().Reopen()) GTEST_SKIP() << GetParam().name << " is not durable";
  EXPECT_EQ(GetOrFail(backend(), "p/a"), "1");
  EXPECT_EQ(GetOrFail(backend(), "p/big"), big);
  EXPECT_EQ(GetOrFail(backend(), "p/gone"), std::nullopt);
  EXPECT_EQ(ListOrFail(backend(), "p/"), (Strings{"a", "big", "sub/"}));
  ASSERT_TRUE(IsOk(backend().Put("p/after", "reopen")));
  EXPECT_EQ(GetOrFail(backend(), "p/after"), "reopen");
}

}  // namespace coffer::storage
