#include "storage/factory.h"

#include <sys/stat.h>

#include "storage/testing.h"

namespace coffer::storage {
namespace {

bool Exists(const std::string& path) {
  struct stat st {};
  return stat(path.c_str(), &st) == 0;
}

void ExpectWorks(Backend& b) {
  ASSERT_TRUE(IsOk(b.Put("k", "v")));
  auto got = b.Get("k");
  ASSERT_TRUE(IsOk(got));
  EXPECT_EQ(*got, "v");
}

TEST(NewBackendTest, Inmem) {
  auto b = NewBackend("inmem", {});
  ASSERT_TRUE(IsOk(b));
  ExpectWorks(**b);
}

TEST(NewBackendTest, FileIsLmdbAtPath) {
  TempDir tmp;
  auto b = NewBackend("file", {{"path", tmp.path() + "/data"}, {"unused", "x"}});
  ASSERT_TRUE(IsOk(b));
  ExpectWorks(**b);
  EXPECT_TRUE(Exists(tmp.path() + "/data/data.mdb"));
}

TEST(NewBackendTest, RaftIsWalAndStateMachineUnderPath) {
  TempDir tmp;
  auto b = NewBackend("raft",
                      {{"path", tmp.path()}, {"node_id", "n1"}, {"performance_multiplier", "1"}});
  ASSERT_TRUE(IsOk(b));
  ExpectWorks(**b);
  EXPECT_TRUE(Exists(tmp.path() + "/wal"));
  EXPECT_TRUE(Exists(tmp.path() + "/fsm/data.mdb"));
  auto bad = NewBackend("raft", {{"path", tmp.path() + "/x"}, {"performance_multiplier", "fast"}});
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code(), StatusCode::kInvalidArgument);
}

TEST(NewBackendTest, MissingPath) {
  for (const char* type : {"file", "raft"}) {
    for (const auto& options :
         {std::map<std::string, std::string>{}, std::map<std::string, std::string>{{"path", ""}}}) {
      auto b = NewBackend(type, options);
      ASSERT_FALSE(b.has_value()) << type;
      EXPECT_EQ(b.error().code(), StatusCode::kInvalidArgument);
      EXPECT_EQ(b.error().message(), "storage \"" + std::string(type) + "\": missing \"path\"");
    }
  }
}

TEST(NewBackendTest, UnknownType) {
  auto b = NewBackend("s3", {{"bucket", "b"}});
  ASSERT_FALSE(b.has_value());
  EXPECT_EQ(b.error().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(b.error().message(), "unknown storage type \"s3\"");
}

}  // namespace
}  // namespace coffer::storage
