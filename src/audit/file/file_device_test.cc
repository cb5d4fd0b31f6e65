#include "audit/file/file_device.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdio>
#include <thread>

#include "audit/test_util.h"

namespace coffer::audit {
namespace {

using testing::kMarker;
using testing::ReadLines;
using testing::Sample;
using testing::TempDir;

std::unique_ptr<core::AuditDevice> MustCreate(const core::AuditDeviceConfig& config) {
  auto d = NewFileDevice(config);
  EXPECT_TRUE(d.has_value()) << d.error().ToString();
  return d ? std::move(*d) : nullptr;
}

mode_t ModeOf(const std::string& path) {
  struct stat st {};
  EXPECT_EQ(stat(path.c_str(), &st), 0);
  return st.st_mode & 07777;
}

TEST(FileDevice, WritesOneLinePerEntryWithDefaultMode) {
  Sample s;
  TempDir dir;
  std::string path = dir.File("audit.log");
  auto d = MustCreate(s.Config("file", {{"file_path", path}}));
  ASSERT_TRUE(d);
  EXPECT_EQ(ModeOf(path), 0600u);
  ASSERT_TRUE(d->LogRequest(s.RequestInput()).ok());
  ASSERT_TRUE(d->LogResponse(s.ResponseInput()).ok());
  auto lines = ReadLines(path);
  ASSERT_EQ(lines.size(), 2u);
  auto req = ParseJson(lines[0]);
  auto resp = ParseJson(lines[1]);
  ASSERT_TRUE(req && resp);
  EXPECT_EQ((*req)["type"], "request");
  EXPECT_EQ((*resp)["type"], "response");
  EXPECT_EQ((*req)["request"]["client_token"], d->Hash(s.request.client_token));
  for (const auto& l : lines) EXPECT_EQ(l.find(kMarker), std::string::npos);
}

TEST(FileDevice, ModeOption) {
  Sample s;
  TempDir dir;
  std::string path = dir.File("a.log");
  ASSERT_TRUE(MustCreate(s.Config("file", {{"file_path", path}, {"mode", "0640"}})));
  EXPECT_EQ(ModeOf(path), 0640u);
  ASSERT_EQ(chmod(path.c_str(), 0604), 0);
  ASSERT_TRUE(MustCreate(s.Config("file", {{"file_path", path}, {"mode", "0000"}})));
  EXPECT_EQ(ModeOf(path), 0604u) << "mode 0000 leaves the file's mode alone";
  for (const char* bad : {"0999", "rw", "", "012345"}) {
    auto d = NewFileDevice(s.Config("file", {{"file_path", path}, {"mode", bad}}));
    ASSERT_FALSE(d.has_value()) << bad;
    EXPECT_EQ(d.error().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(d.error().message().find("mode"), std::string::npos);
  }
}

TEST(FileDevice, RequiredAndInvalidOptions) {
  Sample s;
  auto d = NewFileDevice(s.Config("file", {}));
  ASSERT_FALSE(d.has_value());
  EXPECT_NE(d.error().message().find("file_path"), std::string::npos);
  d = NewFileDevice(s.Config("file", {{"file_path", "discard"}, {"format", "xml"}}));
  ASSERT_FALSE(d.has_value());
  EXPECT_NE(d.error().message().find("format"), std::string::npos);
  auto discard = MustCreate(s.Config("file", {{"file_path", "discard"}}));
  ASSERT_TRUE(discard);
  EXPECT_TRUE(discard->LogRequest(s.RequestInput()).ok());
  EXPECT_TRUE(discard->Reload().ok());
}

TEST(FileDevice, UnopenablePathRefusesEnable) {
  Sample s;
  TempDir dir;
  { std::ofstream(dir.File("plain")) << "x"; }
  EXPECT_FALSE(NewFileDevice(s.Config("file", {{"file_path", dir.File("plain/a.log")}})));
  std::filesystem::create_directory(dir.File("isdir"));
  EXPECT_FALSE(NewFileDevice(s.Config("file", {{"file_path", dir.File("isdir")}})));
}

TEST(FileDevice, CreatesMissingFolders) {
  Sample s;
  TempDir dir;
  std::string path = dir.File("a/b/audit.log");
  auto d = MustCreate(s.Config("file", {{"file_path", path}}));
  ASSERT_TRUE(d);
  ASSERT_TRUE(d->LogRequest(s.RequestInput()).ok());
  EXPECT_EQ(ReadLines(path).size(), 1u);
}

TEST(FileDevice, ReloadReopensAfterRotation) {
  Sample s;
  TempDir dir;
  std::string path = dir.File("audit.log");
  auto d = MustCreate(s.Config("file", {{"file_path", path}}));
  ASSERT_TRUE(d);
  ASSERT_TRUE(d->LogRequest(s.RequestInput()).ok());
  ASSERT_EQ(std::rename(path.c_str(), (path + ".1").c_str()), 0);
  ASSERT_TRUE(d->LogRequest(s.RequestInput()).ok());  // still the old file until Reload
  ASSERT_TRUE(d->Reload().ok());
  ASSERT_TRUE(d->LogResponse(s.ResponseInput()).ok());
  EXPECT_EQ(ReadLines(path + ".1").size(), 2u);
  auto lines = ReadLines(path);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_NE(lines[0].find("\"type\":\"response\""), std::string::npos);
}

TEST(FileDevice, UnwritableAfterEnableFails) {
  Sample s;
  TempDir dir;
  std::string path = dir.File("audit.log");
  auto d = MustCreate(s.Config("file", {{"file_path", path}}));
  ASSERT_TRUE(d);
  // The path is replaced by a directory: the reopen fails and so does every entry
  // (tests run as root, so permissions alone would not stop the write).
  ASSERT_EQ(std::rename(path.c_str(), (path + ".1").c_str()), 0);
  ASSERT_TRUE(std::filesystem::create_directory(path));
  EXPECT_FALSE(d->Reload().ok());
  Status st = d->LogRequest(s.RequestInput());
  EXPECT_FALSE(st.ok());
  EXPECT_EQ(st.message().find(kMarker), std::string::npos);
  EXPECT_FALSE(d->LogResponse(s.ResponseInput()).ok());
  // Once the path is writable again, entries are written.
  std::filesystem::remove(path);
  EXPECT_TRUE(d->LogRequest(s.RequestInput()).ok());
  EXPECT_EQ(ReadLines(path).size(), 1u);
}

TEST(FileDevice, WriteErrorIsReported) {
  Sample s;
  auto d = MustCreate(s.Config("file", {{"file_path", "/dev/full"}, {"mode", "0000"}}));
  ASSERT_TRUE(d);
  Status st = d->LogRequest(s.RequestInput());
  EXPECT_FALSE(st.ok());
  EXPECT_EQ(st.code(), StatusCode::kIoError);
}

TEST(FileDevice, ConcurrentEntriesNeverInterleave) {
  Sample s;
  s.request.data["big"] = std::string(20000, 'x');
  TempDir dir;
  std::string path = dir.File("audit.log");
  // log_raw keeps the 20 kB value, so each line is larger than a pipe buffer's atomic size.
  auto d = MustCreate(s.Config("file", {{"file_path", path}, {"log_raw", "true"}}));
  ASSERT_TRUE(d);
  constexpr int kThreads = 4, kEach = 100;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kEach; ++i) EXPECT_TRUE(d->LogRequest(s.RequestInput()).ok());
    });
  }
  for (auto& t : threads) t.join();
  auto lines = ReadLines(path);
  ASSERT_EQ(lines.size(), static_cast<size_t>(kThreads * kEach));
  for (const auto& l : lines) ASSERT_TRUE(ParseJson(l).has_value());
}

}  // namespace
}  // namespace coffer::audit
