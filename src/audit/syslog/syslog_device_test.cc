#include "audit/syslog/syslog_device.h"

#include <gtest/gtest.h>
#include <sys/un.h>

#include <regex>

#include "audit/test_util.h"

namespace coffer::audit {
namespace {

using testing::BindLoopback;
using testing::BindUnix;
using testing::kMarker;
using testing::Sample;
using testing::TempDir;

std::string Receive(int fd) {
  std::string buf(1 << 16, '\0');
  ssize_t n = recv(fd, buf.data(), buf.size(), 0);
  EXPECT_GT(n, 0) << "no datagram received";
  buf.resize(n > 0 ? static_cast<size_t>(n) : 0);
  return buf;
}

// "<PRI>Mmm dd hh:mm:ss host tag[pid]: " then the entry.
void ExpectSyslogLine(const std::string& msg, int pri, const std::string& tag) {
  std::regex re("^<" + std::to_string(pri) +
                ">[A-Z][a-z]{2} [ 0-9][0-9] [0-9]{2}:[0-9]{2}:[0-9]{2} \\S+ " + tag + "\\[" +
                std::to_string(getpid()) + "\\]: \\{");
  EXPECT_TRUE(std::regex_search(msg, re)) << msg.substr(0, 80);
  auto brace = msg.find('{');
  ASSERT_NE(brace, std::string::npos);
  auto entry = ParseJson(msg.substr(brace));
  ASSERT_TRUE(entry.has_value());
  EXPECT_EQ((*entry)["type"], "request");
  EXPECT_EQ(msg.find(kMarker), std::string::npos);
}

TEST(SyslogDevice, SendsRfc3164DatagramOverUdp) {
  Sample s;
  uint16_t port = 0;
  int rx = BindLoopback(SOCK_DGRAM, &port);
  ASSERT_GE(rx, 0);
  std::string address = "127.0.0.1:" + std::to_string(port);
  auto d = NewSyslogDevice(
      s.Config("syslog", {{"address", address}, {"facility", "local0"}, {"tag", "coffer-test"}}));
  ASSERT_TRUE(d.has_value()) << d.error().ToString();
  ASSERT_TRUE((*d)->LogRequest(s.RequestInput()).ok());
  ExpectSyslogLine(Receive(rx), 16 * 8 + 6, "coffer-test");

  auto def = NewSyslogDevice(s.Config("syslog", {{"address", address}}));
  ASSERT_TRUE(def.has_value());
  ASSERT_TRUE((*def)->LogRequest(s.RequestInput()).ok());
  ExpectSyslogLine(Receive(rx), 4 * 8 + 6, "vault");  // AUTH.INFO, tag "vault"
  close(rx);
}

TEST(SyslogDevice, SendsToUnixDatagramSocket) {
  Sample s;
  TempDir dir;
  std::string path = dir.File("log.sock");
  int rx = BindUnix(SOCK_DGRAM, path);
  ASSERT_GE(rx, 0);
  auto d = NewSyslogDevice(s.Config("syslog", {{"address", path}, {"facility", "DAEMON"}}));
  ASSERT_TRUE(d.has_value()) << d.error().ToString();
  ASSERT_TRUE((*d)->LogRequest(s.RequestInput()).ok());
  ExpectSyslogLine(Receive(rx), 3 * 8 + 6, "vault");
  close(rx);
  // The receiver is gone: the entry cannot be written.
  std::filesystem::remove(path);
  EXPECT_FALSE((*d)->LogRequest(s.RequestInput()).ok());
  // The syslog daemon comes back (a new socket at the same path): the device reconnects.
  rx = BindUnix(SOCK_DGRAM, path);
  ASSERT_GE(rx, 0);
  ASSERT_TRUE((*d)->LogRequest(s.RequestInput()).ok());
  ExpectSyslogLine(Receive(rx), 3 * 8 + 6, "vault");
  close(rx);
}

TEST(SyslogDevice, InvalidOptionsAndUnreachableSocket) {
  Sample s;
  auto d = NewSyslogDevice(s.Config("syslog", {{"address", "127.0.0.1:9"}, {"facility", "NOPE"}}));
  ASSERT_FALSE(d.has_value());
  EXPECT_EQ(d.error().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(d.error().message().find("facility"), std::string::npos);
  d = NewSyslogDevice(s.Config("syslog", {{"address", "127.0.0.1:9"}, {"log_raw", "x"}}));
  ASSERT_FALSE(d.has_value());
  EXPECT_NE(d.error().message().find("log_raw"), std::string::npos);
  TempDir dir;
  EXPECT_FALSE(NewSyslogDevice(s.Config("syslog", {{"address", dir.File("none.sock")}})));
}

}  // namespace
}  // namespace coffer::audit
