#include "telemetry/statsd_sink.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/clock.h"

namespace coffer::telemetry {
namespace {

Options TestOptions() {
  Options o;
  o.hostname = "node-1";
  return o;
}

TEST(StatsdLine, GoMetricsStatsdFormat) {
  Options o = TestOptions();
  EXPECT_EQ(StatsdLine(o, false, Kind::kCounter, "core.handle_request", 1, {}),
            "vault.core.handle_request:1.000000|c");
  EXPECT_EQ(StatsdLine(o, false, Kind::kGauge, "core.unsealed", 1, {}),
            "vault.node-1.core.unsealed:1.000000|g");
  EXPECT_EQ(StatsdLine(o, false, Kind::kSample, "core.check_token", 0.5, {{"k", "v:1"}}),
            "vault.core.check_token.v_1:0.500000|ms");
}

TEST(StatsdLine, DogstatsdPutsLabelsInTags) {
  Options o = TestOptions();
  o.dogstatsd_tags = {"env:prod"};
  EXPECT_EQ(StatsdLine(o, true, Kind::kGauge, "core.unsealed", 1, {}),
            "vault.core.unsealed:1|g|#env:prod");
  EXPECT_EQ(StatsdLine(o, true, Kind::kSample, "core.handle_request", 2.5, {{"method", "GET"}}),
            "vault.core.handle_request:2.5|ms|#env:prod,method:GET");
  EXPECT_EQ(StatsdLine(o, true, Kind::kCounter, "token.creation", 3, {}),
            "vault.token.creation:3|c|#env:prod");
}

// A UDP socket on 127.0.0.1:0 standing in for statsd.
class UdpReceiver {
 public:
  UdpReceiver() {
    fd_ = socket(AF_INET, SOCK_DGRAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
    socklen_t len = sizeof(addr);
    getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
  }
  ~UdpReceiver() { close(fd_); }
  int port() const { return port_; }
  // Everything received within `timeout_ms` of quiet.
  std::string ReceiveAll(int timeout_ms = 2000) {
    std::string all;
    pollfd p{fd_, POLLIN, 0};
    while (poll(&p, 1, all.empty() ? timeout_ms : 300) > 0) {
      char buf[2048];
      ssize_t n = recv(fd_, buf, sizeof(buf), 0);
      if (n <= 0) break;
      EXPECT_LE(n, 1432);
      all.append(buf, static_cast<size_t>(n));
    }
    return all;
  }

 private:
  int fd_ = -1;
  int port_ = 0;
};

TEST(StatsdSink, SendsLinesOverUdp) {
  UdpReceiver receiver;
  FakeClock clock;
  Options o = TestOptions();
  o.statsd_address = "127.0.0.1:" + std::to_string(receiver.port());
  Registry r(o, clock);
  r.IncrCounter("core.handle_request", 1, {});
  r.SetGauge("core.unsealed", 1, {});
  std::string got = receiver.ReceiveAll();  // the flusher thread sends within ~100 ms
  EXPECT_NE(got.find("vault.core.handle_request:1.000000|c\n"), std::string::npos) << got;
  EXPECT_NE(got.find("vault.node-1.core.unsealed:1.000000|g\n"), std::string::npos) << got;
}

TEST(StatsdSink, DogstatsdBatchesIntoBoundedDatagrams) {
  UdpReceiver receiver;
  FakeClock clock;
  Options o = TestOptions();
  o.dogstatsd_addr = "127.0.0.1:" + std::to_string(receiver.port());
  o.dogstatsd_tags = {"env:test"};
  {
    Registry r(o, clock);
    for (int i = 0; i < 100; ++i) r.AddSample("core.handle_request", i, {{"method", "GET"}});
    r.Stop();
  }
  std::string got = receiver.ReceiveAll();
  size_t lines = 0;
  for (char c : got) lines += c == '\n';
  EXPECT_EQ(lines, 100u) << got;
  EXPECT_NE(got.find("vault.core.handle_request:42|ms|#env:test,method:GET\n"), std::string::npos);
}

TEST(StatsdSink, BadAddressIsAnError) {
  Options o = TestOptions();
  o.statsd_address = "no-port";
  EXPECT_FALSE(MakeStatsdSink(o, false).has_value());
}

}  // namespace
}  // namespace coffer::telemetry
