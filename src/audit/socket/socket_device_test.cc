#include "audit/socket/socket_device.h"

#include <gtest/gtest.h>
#include <sys/un.h>

#include "audit/test_util.h"

namespace coffer::audit {
namespace {

using testing::BindLoopback;
using testing::BindUnix;
using testing::kMarker;
using testing::Sample;
using testing::TempDir;

// Reads from a connected stream until one '\n'-terminated line has arrived.
std::string ReadLine(int fd) {
  std::string out;
  char c;
  while (recv(fd, &c, 1, 0) == 1) {
    out += c;
    if (c == '\n') break;
  }
  return out;
}

int Listen(uint16_t* port) {
  int fd = BindLoopback(SOCK_STREAM, port);
  EXPECT_EQ(listen(fd, 4), 0);
  return fd;
}

void ExpectEntry(const std::string& line, const char* type) {
  ASSERT_FALSE(line.empty());
  EXPECT_EQ(line.back(), '\n');
  auto e = ParseJson(line);
  ASSERT_TRUE(e.has_value()) << line;
  EXPECT_EQ((*e)["type"], type);
  EXPECT_EQ(line.find(kMarker), std::string::npos);
}

TEST(SocketDevice, TcpWritesEntriesAndReconnectsAfterListenerRestart) {
  Sample s;
  uint16_t port = 0;
  int listener = Listen(&port);
  ASSERT_GE(listener, 0);
  auto d = NewSocketDevice(s.Config("socket", {{"address", "127.0.0.1:" + std::to_string(port)}}));
  ASSERT_TRUE(d.has_value()) << d.error().ToString();
  ASSERT_TRUE((*d)->LogRequest(s.RequestInput()).ok());
  int conn = accept(listener, nullptr, nullptr);
  ASSERT_GE(conn, 0);
  ExpectEntry(ReadLine(conn), "request");
  ASSERT_TRUE((*d)->LogResponse(s.ResponseInput()).ok());
  ExpectEntry(ReadLine(conn), "response");

  // The collector restarts on the same port: the next entry reaches the new one.
  close(conn);
  close(listener);
  listener = Listen(&port);
  ASSERT_GE(listener, 0);
  usleep(200 * 1000);  // let the FIN reach the device's socket
  ASSERT_TRUE((*d)->LogRequest(s.RequestInput()).ok());
  conn = accept(listener, nullptr, nullptr);
  ASSERT_GE(conn, 0);
  ExpectEntry(ReadLine(conn), "request");
  close(conn);
  close(listener);

  // Nobody listens: the entry is refused.
  EXPECT_FALSE((*d)->LogRequest(s.RequestInput()).ok());
}

TEST(SocketDevice, UnixStreamSocket) {
  Sample s;
  TempDir dir;
  std::string path = dir.File("audit.sock");
  int listener = BindUnix(SOCK_STREAM, path);
  ASSERT_GE(listener, 0);
  ASSERT_EQ(listen(listener, 4), 0);
  auto d = NewSocketDevice(s.Config("socket", {{"address", path}, {"socket_type", "unix"}}));
  ASSERT_TRUE(d.has_value()) << d.error().ToString();
  ASSERT_TRUE((*d)->LogRequest(s.RequestInput()).ok());
  int conn = accept(listener, nullptr, nullptr);
  ASSERT_GE(conn, 0);
  ExpectEntry(ReadLine(conn), "request");
  close(conn);
  close(listener);
}

TEST(SocketDevice, UdpDatagrams) {
  Sample s;
  uint16_t port = 0;
  int rx = BindLoopback(SOCK_DGRAM, &port);
  ASSERT_GE(rx, 0);
  auto d = NewSocketDevice(s.Config(
      "socket", {{"address", "127.0.0.1:" + std::to_string(port)}, {"socket_type", "udp"}}));
  ASSERT_TRUE(d.has_value());
  ASSERT_TRUE((*d)->LogResponse(s.ResponseInput()).ok());
  std::string buf(1 << 16, '\0');
  ssize_t n = recv(rx, buf.data(), buf.size(), 0);
  ASSERT_GT(n, 0);
  buf.resize(static_cast<size_t>(n));
  ExpectEntry(buf, "response");
  close(rx);
}

TEST(SocketDevice, InvalidOptions) {
  Sample s;
  auto d = NewSocketDevice(s.Config("socket", {}));
  ASSERT_FALSE(d.has_value());
  EXPECT_NE(d.error().message().find("address"), std::string::npos);
  d = NewSocketDevice(s.Config("socket", {{"address", "127.0.0.1:1"}, {"socket_type", "sctp"}}));
  ASSERT_FALSE(d.has_value());
  EXPECT_NE(d.error().message().find("socket_type"), std::string::npos);
  d = NewSocketDevice(s.Config("socket", {{"address", "127.0.0.1:1"}, {"write_timeout", "soon"}}));
  ASSERT_FALSE(d.has_value());
  EXPECT_NE(d.error().message().find("write_timeout"), std::string::npos);
  // Lazily connected: enabling succeeds without a listener, writing fails.
  uint16_t port = 0;
  int fd = BindLoopback(SOCK_STREAM, &port);  // bound, never listening: connect is refused
  d = NewSocketDevice(s.Config(
      "socket", {{"address", "127.0.0.1:" + std::to_string(port)}, {"write_timeout", "500ms"}}));
  ASSERT_TRUE(d.has_value());
  EXPECT_FALSE((*d)->LogRequest(s.RequestInput()).ok());
  close(fd);
}

}  // namespace
}  // namespace coffer::audit
