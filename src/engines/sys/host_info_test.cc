#include "engines/sys/host_info.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace coffer::engines::sys {
namespace {

class HostInfoTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = std::filesystem::temp_directory_path() /
            ("coffer-hostinfo-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(root_ / "proc/sys/kernel/random");
    std::filesystem::create_directories(root_ / "proc/42");
    std::filesystem::create_directories(root_ / "proc/self");
    std::filesystem::create_directories(root_ / "etc");
  }
  void TearDown() override { std::filesystem::remove_all(root_); }
  void Write(const std::string& rel, const std::string& text) {
    std::ofstream(root_ / rel) << text;
  }
  void WriteAll() {
    Write("proc/meminfo",
          "MemTotal:       1000 kB\nMemFree:         100 kB\nMemAvailable:    600 kB\n"
          "Buffers:          50 kB\nCached:          200 kB\nSReclaimable:     50 kB\n");
    Write("proc/cpuinfo",
          "processor\t: 0\nvendor_id\t: GenuineIntel\ncpu family\t: 6\nmodel\t\t: 78\n"
          "model name\t: Test CPU\nstepping\t: 3\ncpu MHz\t\t: 2400.000\n"
          "cache size\t: 4096 KB\ncpu cores\t: 2\nflags\t\t: fpu sse2\n\n"
          "processor\t: 1\nvendor_id\t: GenuineIntel\n");
    Write("proc/stat",
          "cpu  100 0 50 1000 0 0 0 0 0 0\ncpu0 100 0 50 1000 0 0 0 0 0 0\n"
          "btime 1700000000\nprocs_running 1\n");
    Write("proc/uptime", "12345.67 999.00\n");
    Write("proc/sys/kernel/hostname", "vault-1\n");
    Write("proc/sys/kernel/osrelease", "6.1.0-test\n");
    Write("proc/sys/kernel/random/boot_id", "abcd\n");
    Write("proc/mounts", "/dev/root / ext4 rw 0 0\nproc /proc proc rw 0 0\n");
    Write("etc/os-release", "ID=debian\nVERSION_ID=\"12\"\n");
  }
  std::filesystem::path root_;
};

TEST_F(HostInfoTest, ParsesProcfsInVaultShape) {
  WriteAll();
  auto r = CollectHostInfo(root_.string(), TimePoint(std::chrono::seconds(1700000100)));
  EXPECT_TRUE(r.warnings.empty());
  const Json& d = r.data;
  EXPECT_EQ(d["timestamp"], "2023-11-14T22:15:00Z");
  EXPECT_EQ(d["memory"]["total"], 1000 * 1024);
  EXPECT_EQ(d["memory"]["available"], 600 * 1024);
  EXPECT_EQ(d["memory"]["used"], (1000 - 100 - 50 - 250) * 1024);
  EXPECT_DOUBLE_EQ(d["memory"]["usedPercent"].get<double>(), 60.0);
  ASSERT_EQ(d["cpu"].size(), 2u);
  EXPECT_EQ(d["cpu"][0]["modelName"], "Test CPU");
  EXPECT_EQ(d["cpu"][0]["family"], "6");
  EXPECT_EQ(d["cpu"][0]["cores"], 2);
  EXPECT_EQ(d["cpu"][0]["cacheSize"], 4096);
  EXPECT_EQ(d["cpu"][0]["flags"], Json::array({"fpu", "sse2"}));
  EXPECT_EQ(d["cpu"][1]["cpu"], 1);
  ASSERT_EQ(d["cpu_times"].size(), 2u);
  EXPECT_EQ(d["cpu_times"][0]["cpu"], "cpu");
  EXPECT_DOUBLE_EQ(d["cpu_times"][0]["user"].get<double>(), 1.0);
  EXPECT_DOUBLE_EQ(d["cpu_times"][0]["idle"].get<double>(), 10.0);
  EXPECT_EQ(d["host"]["hostname"], "vault-1");
  EXPECT_EQ(d["host"]["uptime"], 12345);
  EXPECT_EQ(d["host"]["bootTime"], 1700000000);
  EXPECT_EQ(d["host"]["procs"], 1);  // "42" is a process, "self" is not
  EXPECT_EQ(d["host"]["platform"], "debian");
  EXPECT_EQ(d["host"]["platformFamily"], "debian");
  EXPECT_EQ(d["host"]["platformVersion"], "12");
  EXPECT_EQ(d["host"]["kernelVersion"], "6.1.0-test");
  ASSERT_EQ(d["disk"].size(), 1u);  // pseudo filesystems are skipped
  EXPECT_EQ(d["disk"][0]["path"], "/");
  EXPECT_GT(d["disk"][0]["total"].get<uint64_t>(), 0u);
}

TEST_F(HostInfoTest, MissingSectionsBecomeWarnings) {
  Write("proc/uptime", "1.0\n");
  Write("proc/sys/kernel/hostname", "h\n");
  auto r = CollectHostInfo(root_.string(), TimePoint());
  EXPECT_TRUE(r.data.contains("host"));
  EXPECT_FALSE(r.data.contains("memory"));
  EXPECT_FALSE(r.data.contains("cpu"));
  EXPECT_EQ(r.warnings.size(), 4u);  // cpu, cpu_times, disk, memory
}

}  // namespace
}  // namespace coffer::engines::sys
