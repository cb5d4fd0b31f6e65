#include "storage/lmdb/lmdb.h"

#include <sys/stat.h>

#include <atomic>
#include <fstream>
#include <thread>
#include <vector>

#include "storage/testing.h"

namespace coffer::storage {
namespace {

// An LmdbBackend in a fresh temp directory ("db" inside it, so Open creates it).
class LmdbHarness final : public BackendHarness {
 public:
  explicit LmdbHarness(const LmdbOptions& opts) : opts_(opts) {}
  bool Open() {
    auto db = LmdbBackend::Open(dir_.path() + "/db", opts_);
    if (!db) {
      ADD_FAILURE() << db.error().ToString();
      return false;
    }
    db_ = std::move(*db);
    return true;
  }
  Backend& backend() override { return *db_; }
  bool Reopen() override {
    db_.reset();
    return Open();
  }

 private:
  TempDir dir_;
  LmdbOptions opts_;
  std::unique_ptr<LmdbBackend> db_;
};

BackendParam LmdbParam(std::string name, LmdbOptions opts) {
  return {std::move(name), [opts]() -> std::unique_ptr<BackendHarness> {
            auto h = std::make_unique<LmdbHarness>(opts);
            if (!h->Open()) return nullptr;
            return h;
          }};
}

// The second configuration starts with a 64 KiB map, so writes keep growing it while
// other threads read: the resize path runs under the whole suite, concurrency included.
INSTANTIATE_TEST_SUITE_P(Lmdb, BackendConformanceTest,
                         ::testing::Values(LmdbParam("Lmdb", LmdbOptions{}),
                                           LmdbParam("LmdbTinyMapNoSync",
                                                     LmdbOptions{.map_size = 64 << 10,
                                                                 .no_sync = true})),
                         BackendParamName);

mode_t Mode(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 0777;
}

TEST(LmdbBackendTest, OpenCreatesPrivateDirectoryAndDataFile) {
  TempDir tmp;
  const std::string dir = tmp.path() + "/a/b/c";
  auto db = LmdbBackend::Open(dir, LmdbOptions{});
  ASSERT_TRUE(IsOk(db));
  EXPECT_EQ(Mode(tmp.path() + "/a"), 0700u);
  EXPECT_EQ(Mode(dir), 0700u);
  EXPECT_EQ(Mode(dir + "/data.mdb"), 0600u);
  EXPECT_EQ((*db)->dir(), dir);
}

TEST(LmdbBackendTest, OpenRejectsAFileAndAnEmptyPath) {
  TempDir tmp;
  const std::string file = tmp.path() + "/file";
  std::ofstream(file) << "not a directory";
  auto db = LmdbBackend::Open(file, LmdbOptions{});
  ASSERT_FALSE(db.has_value());
  EXPECT_EQ(db.error().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(db.error().message().find("not a directory"), std::string::npos);
  EXPECT_FALSE(LmdbBackend::Open("", LmdbOptions{}).has_value());
}

TEST(LmdbBackendTest, DirectoryOpensOncePerProcess) {
  TempDir tmp;
  auto first = LmdbBackend::Open(tmp.path(), LmdbOptions{});
  ASSERT_TRUE(IsOk(first));
  ASSERT_TRUE(IsOk((*first)->Put("k", "v")));
  auto second = LmdbBackend::Open(tmp.path() + "/.", LmdbOptions{});  // same inode
  ASSERT_FALSE(second.has_value());
  EXPECT_NE(second.error().message().find("already open"), std::string::npos);
  first->reset();
  auto third = LmdbBackend::Open(tmp.path(), LmdbOptions{});
  ASSERT_TRUE(IsOk(third));
  auto got = (*third)->Get("k");
  ASSERT_TRUE(IsOk(got));
  EXPECT_EQ(*got, "v");
}

TEST(LmdbBackendTest, GrowsTheMapWhenFull) {
  TempDir tmp;
  auto db = LmdbBackend::Open(tmp.path(), LmdbOptions{.map_size = 64 << 10});
  ASSERT_TRUE(IsOk(db));
  const size_t initial = (*db)->map_size();
  EXPECT_LT(initial, 1u << 20);
  const std::string big(5 << 20, 'x');
  ASSERT_TRUE(IsOk((*db)->Put("big", big)));
  EXPECT_GT((*db)->map_size(), big.size());

  std::vector<Op> ops;
  for (int i = 0; i < 20000; ++i)
    ops.push_back(Op::Put("many/" + std::to_string(i), big.substr(0, 1000)));
  ASSERT_TRUE(IsOk((*db)->Batch(ops)));
  auto list = (*db)->List("many/");
  ASSERT_TRUE(IsOk(list));
  EXPECT_EQ(list->size(), 20000u);
}

// Growing remaps the file; a reader inside a transaction then would touch unmapped memory
// (SIGBUS/SIGSEGV). Readers copy a large value so they spend their time in the map.
TEST(LmdbBackendTest, GrowsWhileOthersRead) {
  const std::string fixed(256 << 10, 'f');
  for (int round = 0; round < 5; ++round) {
    TempDir tmp;
    auto db = LmdbBackend::Open(tmp.path(), LmdbOptions{.map_size = 64 << 10, .no_sync = true});
    ASSERT_TRUE(IsOk(db));
    LmdbBackend& b = **db;
    ASSERT_TRUE(IsOk(b.Put("fixed", fixed)));
    const size_t initial = b.map_size();
    std::atomic<bool> done = false;
    std::vector<std::thread> readers;
    for (int r = 0; r < 4; ++r) {
      readers.emplace_back([&] {
        while (!done.load()) {
          auto got = b.Get("fixed");
          EXPECT_TRUE(IsOk(got));
          EXPECT_TRUE(got && *got && (*got)->size() == fixed.size());
          EXPECT_TRUE(IsOk(b.List("")));
        }
      });
    }
    for (int i = 0; i < 400; ++i) {
      EXPECT_TRUE(IsOk(b.Put("grow/" + std::to_string(i), std::string(4096, 'g'))));
    }
    done = true;
    for (std::thread& t : readers) t.join();
    EXPECT_GT(b.map_size(), initial);
    auto list = b.List("grow/");
    ASSERT_TRUE(IsOk(list));
    EXPECT_EQ(list->size(), 400u);
  }
}

TEST(LmdbBackendTest, TooLongKeyNamesTheLimit) {
  TempDir tmp;
  auto db = LmdbBackend::Open(tmp.path(), LmdbOptions{});
  ASSERT_TRUE(IsOk(db));
  Status st = (*db)->Put(std::string(600, 'k'), "v");
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("600 bytes"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("511"), std::string::npos) << st.message();
}

}  // namespace
}  // namespace coffer::storage
