#include "http/server.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "http/server_fixture.h"
#include "telemetry/metrics.h"

namespace coffer::http::testing {
namespace {

TEST_F(ServerTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  core_.on_request = [](core::Request& req) -> Result<core::Response> {
    if (req.operation == core::Operation::kUpdate) return core::Response();
    if (req.operation == core::Operation::kList) return core::Response::ListResponse({"a", "b/"});
    return core::Response::WithData(Json{{"path", req.path}});
  };
  Start({Plain()});
  auto c = MustConnect();
  auto read = c->RoundTrip(FormatRequest("GET", "/v1/secret/foo", {{"X-Vault-Token", "t"}}));
  ASSERT_TRUE(read);
  EXPECT_EQ(read->status, 200);
  EXPECT_EQ(read->json()["data"]["path"], "secret/foo");
  EXPECT_EQ(read->header("content-type"), "application/json");
  EXPECT_EQ(read->header("cache-control"), "no-store");

  auto write = c->RoundTrip(FormatRequest("PUT", "/v1/secret/foo", {}, R"({"a":"b"})"));
  ASSERT_TRUE(write);
  EXPECT_EQ(write->status, 204);

  auto list = c->RoundTrip(FormatRequest("LIST", "/v1/secret/"));
  ASSERT_TRUE(list);
  EXPECT_EQ(list->status, 200);
  EXPECT_EQ(list->json()["data"]["keys"], (Json{"a", "b/"}));

  // Pipelined: both answered, in order.
  ASSERT_TRUE(c->Send(FormatRequest("GET", "/v1/one") + FormatRequest("GET", "/v1/two")));
  auto one = c->Read();
  auto two = c->Read();
  ASSERT_TRUE(one && two);
  EXPECT_EQ(one->json()["data"]["path"], "one");
  EXPECT_EQ(two->json()["data"]["path"], "two");

  std::lock_guard<std::mutex> l(core_.mu);
  ASSERT_EQ(core_.requests.size(), 5u);
  EXPECT_EQ(core_.requests[0].client_token, "t");
  EXPECT_EQ(core_.requests[0].remote_addr, "127.0.0.1");
  EXPECT_EQ(core_.requests[1].data, (Json{{"a", "b"}}));
  EXPECT_EQ(core_.requests[2].path, "secret/");
}

TEST_F(ServerTest, ConnectionCloseIsHonoured) {
  Start({Plain()});
  auto c = MustConnect();
  auto r = c->RoundTrip(FormatRequest("GET", "/v1/sys/health", {{"Connection", "close"}}));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_TRUE(c->WaitForClose(5s));
}

enum class NodeState { kUninit, kSealed, kDrSecondary, kPerfStandby, kStandby, kActive };

void SetState(FakeCore& core, NodeState s) {
  std::lock_guard<std::mutex> l(core.mu);
  core.initialized = s != NodeState::kUninit;
  core.sealed = s == NodeState::kUninit || s == NodeState::kSealed;
  core.ha = core::HaState();
  core.ha.replication_dr_secondary = s == NodeState::kDrSecondary;
  core.ha.performance_standby = s == NodeState::kPerfStandby;
  core.ha.standby = s == NodeState::kPerfStandby || s == NodeState::kStandby;
}

struct HealthParam {
  const char* query;
  int code;  // 0 for the two *ok flags
};
// Bit i of a combination turns kHealthParams[i] on.
const HealthParam kHealthParams[] = {
    {"standbyok=true", 0},    {"perfstandbyok=true", 0},    {"activecode=230", 230},
    {"standbycode=231", 231}, {"drsecondarycode=232", 232}, {"performancestandbycode=233", 233},
    {"sealedcode=234", 234},  {"uninitcode=235", 235},
};

// Vault's documented sys/health semantics, written out per state.
int ExpectedHealth(NodeState s, unsigned bits) {
  auto on = [&](int i) { return (bits >> i) & 1u; };
  int active = on(2) ? 230 : 200;
  switch (s) {
    case NodeState::kUninit:
      return on(7) ? 235 : 501;
    case NodeState::kSealed:
      return on(6) ? 234 : 503;
    case NodeState::kDrSecondary:
      return on(4) ? 232 : 472;
    case NodeState::kPerfStandby:
      return on(1) ? active : (on(5) ? 233 : 473);
    case NodeState::kStandby:
      return on(0) ? active : (on(3) ? 231 : 429);
    case NodeState::kActive:
      return active;
  }
  return -1;
}

TEST_F(ServerTest, HealthCodesForEveryStateAndParameterCombination) {
  Start({Plain()});
  auto c = MustConnect();
  // Anchors written by hand (the load balancer's 200/429/473 matcher relies on these).
  SetState(core_, NodeState::kStandby);
  EXPECT_EQ(c->RoundTrip(FormatRequest("GET", "/v1/sys/health"))->status, 429);
  EXPECT_EQ(c->RoundTrip(FormatRequest("GET", "/v1/sys/health?standbyok=true"))->status, 200);
  SetState(core_, NodeState::kPerfStandby);
  EXPECT_EQ(c->RoundTrip(FormatRequest("GET", "/v1/sys/health?standbyok=true"))->status, 473);
  EXPECT_EQ(c->RoundTrip(FormatRequest("GET", "/v1/sys/health?perfstandbyok=true"))->status, 200);

  int checked = 0;
  for (NodeState s : {NodeState::kUninit, NodeState::kSealed, NodeState::kDrSecondary,
                      NodeState::kPerfStandby, NodeState::kStandby, NodeState::kActive}) {
    SetState(core_, s);
    for (unsigned bits = 0; bits < 256; ++bits) {
      std::string target = "/v1/sys/health";
      char sep = '?';
      for (int i = 0; i < 8; ++i) {
        if ((bits >> i) & 1u) {
          target += sep;
          target += kHealthParams[i].query;
          sep = '&';
        }
      }
      int want = ExpectedHealth(s, bits);
      auto get = c->RoundTrip(FormatRequest("GET", target));
      ASSERT_TRUE(get) << target;
      ASSERT_EQ(get->status, want) << static_cast<int>(s) << " " << target;
      Json body = get->json();
      EXPECT_EQ(body["initialized"], s != NodeState::kUninit);
      EXPECT_EQ(body["sealed"], s == NodeState::kUninit || s == NodeState::kSealed);
      EXPECT_EQ(body["standby"], s == NodeState::kPerfStandby || s == NodeState::kStandby);
      EXPECT_EQ(body["performance_standby"], s == NodeState::kPerfStandby);
      auto head = c->RoundTrip(FormatRequest("HEAD", target), /*head=*/true);
      ASSERT_TRUE(head) << target;
      ASSERT_EQ(head->status, want) << "HEAD " << target;
      checked += 2;
    }
  }
  EXPECT_EQ(checked, 6 * 256 * 2);
}

TEST_F(ServerTest, BodyTooLargeIs413) {
  ListenerOptions l = Plain();
  l.max_request_size = 1024;
  Start({l});

  std::string fits = R"({"a":")" + std::string(1024 - 8, 'x') + R"("})";
  ASSERT_EQ(fits.size(), 1024u);
  auto ok = MustConnect()->RoundTrip(FormatRequest("PUT", "/v1/secret/foo", {}, fits));
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->status, 200);

  auto c = MustConnect();
  auto big = c->RoundTrip(FormatRequest("PUT", "/v1/secret/foo", {}, std::string(4096, 'x')));
  ASSERT_TRUE(big);
  EXPECT_EQ(big->status, 413);
  EXPECT_EQ(big->json(), (Json{{"errors", {"http: request body too large"}}}));
  EXPECT_TRUE(c->WaitForClose(5s));

  // Chunked uploads are counted too.
  auto chunked = MustConnect();
  std::string req =
      "POST /v1/secret/foo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
      "400\r\n" +
      std::string(1024, 'y') + "\r\n400\r\n" + std::string(1024, 'y') + "\r\n0\r\n\r\n";
  auto r = chunked->RoundTrip(req);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 413);
}

TEST_F(ServerTest, MalformedRequestIs400) {
  Start({Plain()});
  auto c = MustConnect();
  auto r = c->RoundTrip("GET /v1/x HTTP/1.1\r\nBad Header\r\n\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_TRUE(c->WaitForClose(5s));
}

TEST_F(ServerTest, ExpectContinue) {
  Start({Plain()});
  auto c = MustConnect();
  std::string body = R"({"k":"v"})";
  ASSERT_TRUE(
      c->Send("PUT /v1/secret/foo HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
              "Content-Length: " +
              std::to_string(body.size()) + "\r\n\r\n"));
  auto cont = c->Read();
  ASSERT_TRUE(cont);
  EXPECT_EQ(cont->status, 100);
  auto r = c->RoundTrip(body);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
}

// Sends `piece` every 50 ms until the server closes the connection; the time from
// `start` until then (10 s, failing the test, if it never does).
std::chrono::steady_clock::duration DribbleUntilClosed(
    TestConnection& c, const std::string& piece, std::chrono::steady_clock::time_point start) {
  while (std::chrono::steady_clock::now() - start < 10s) {
    if (!c.Send(piece) || c.WaitForClose(50ms)) return std::chrono::steady_clock::now() - start;
  }
  ADD_FAILURE() << "the server never closed a connection that dribbles";
  return 10s;
}

TEST_F(ServerTest, SlowLorisIsDisconnectedAfterHeaderTimeout) {
  ListenerOptions l = Plain();
  l.header_read_timeout = 300ms;
  Start({l});
  auto c = MustConnect();
  auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(c->Send("GET /v1/sys/health HTTP/1.1\r\n"));
  auto elapsed = DribbleUntilClosed(*c, "X-A: b\r\n", start);
  EXPECT_LT(elapsed, 5s);  // generous: the machine may be loaded; unbounded would be 10 s
  EXPECT_GE(elapsed, 250ms);

  // A connection that never sends a byte is closed after the header timeout too.
  auto silent = MustConnect();
  EXPECT_TRUE(silent->WaitForClose(5s));
}

TEST_F(ServerTest, ZeroTimeoutsFallBackToMaxRequestDuration) {
  ListenerOptions l = Plain();
  l.header_read_timeout = 0ms;
  l.idle_timeout = 0ms;
  l.max_request_duration = 300ms;
  Start({l});
  auto first = MustConnect();
  EXPECT_FALSE(first->WaitForClose(100ms));  // zero is not "expire at once"
  EXPECT_TRUE(first->WaitForClose(5s));      // nor "never"
  auto idle = MustConnect();
  ASSERT_EQ(idle->RoundTrip(FormatRequest("GET", "/v1/sys/health"))->status, 200);
  EXPECT_TRUE(idle->WaitForClose(5s));
}

TEST_F(ServerTest, IdleKeepAliveUsesIdleTimeoutNotHeaderTimeout) {
  ListenerOptions l = Plain();
  l.header_read_timeout = 200ms;
  l.idle_timeout = 2s;
  Start({l});
  auto c = MustConnect();
  ASSERT_EQ(c->RoundTrip(FormatRequest("GET", "/v1/sys/health"))->status, 200);
  std::this_thread::sleep_for(500ms);  // longer than the header timeout
  auto again = c->RoundTrip(FormatRequest("GET", "/v1/sys/health"));
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 200);

  ListenerOptions short_idle = Plain();
  short_idle.idle_timeout = 200ms;
  server_->Stop();
  Start({short_idle});
  auto d = MustConnect();
  ASSERT_EQ(d->RoundTrip(FormatRequest("GET", "/v1/sys/health"))->status, 200);
  EXPECT_TRUE(d->WaitForClose(5s));
}

TEST_F(ServerTest, SlowBodyIsCutOffAtMaxRequestDuration) {
  ListenerOptions l = Plain();
  l.max_request_duration = 400ms;
  Start({l});
  auto c = MustConnect();
  auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(c->Send("PUT /v1/secret/foo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n"));
  EXPECT_LT(DribbleUntilClosed(*c, "x", start), 5s);
}

TEST_F(ServerTest, SlowBodyIsCutOffAtReadTimeout) {
  ListenerOptions l = Plain();
  l.read_timeout = 400ms;  // max_request_duration stays at 90 s
  Start({l});
  auto c = MustConnect();
  auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(c->Send("PUT /v1/secret/foo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n"));
  auto elapsed = DribbleUntilClosed(*c, "x", start);
  EXPECT_LT(elapsed, 5s);
  EXPECT_GE(elapsed, 350ms);
  // The server goes on serving requests that arrive in time.
  auto d = MustConnect();
  EXPECT_EQ(d->RoundTrip(FormatRequest("GET", "/v1/sys/health"))->status, 200);
}

TEST_F(ServerTest, StopFinishesTheRequestInFlight) {
  BlockOnGate();
  Start({Plain()});
  auto busy = MustConnect();
  auto idle = MustConnect();
  ASSERT_EQ(idle->RoundTrip(FormatRequest("GET", "/v1/sys/health"))->status, 200);
  ASSERT_TRUE(busy->Send(FormatRequest("GET", "/v1/secret/block")));
  ASSERT_TRUE(gate_.WaitEntered(1));

  std::atomic<bool> stopped{false};
  std::thread stopper([&] {
    server_->Stop();
    stopped = true;
  });
  EXPECT_TRUE(idle->WaitForClose(5s));  // idle connections go at once
  std::this_thread::sleep_for(200ms);
  EXPECT_FALSE(stopped.load());                        // waiting for the request in flight
  EXPECT_EQ(TestConnection::Connect(port_), nullptr);  // no longer accepting

  gate_.Open();
  auto r = busy->Read();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->json()["data"]["path"], "secret/block");
  EXPECT_EQ(r->header("connection"), "close");
  stopper.join();
  EXPECT_TRUE(stopped.load());
  EXPECT_TRUE(busy->WaitForClose(5s));
}

TEST_F(ServerTest, FullWorkerQueueIs503) {
  BlockOnGate();
  Start({Plain()}, /*workers=*/1, /*queue=*/1);
  auto a = MustConnect();
  auto b = MustConnect();
  auto c = MustConnect();
  ASSERT_TRUE(a->Send(FormatRequest("GET", "/v1/secret/block")));
  ASSERT_TRUE(gate_.WaitEntered(1));
  ASSERT_TRUE(b->Send(FormatRequest("GET", "/v1/secret/block")));  // waits in the queue
  std::this_thread::sleep_for(500ms);
  auto busy = c->RoundTrip(FormatRequest("GET", "/v1/secret/other"));
  ASSERT_TRUE(busy);
  EXPECT_EQ(busy->status, 503);
  EXPECT_EQ(busy->json(), (Json{{"errors", {"server is busy"}}}));
  gate_.Open();
  EXPECT_EQ(a->Read()->status, 200);
  EXPECT_EQ(b->Read()->status, 200);
  EXPECT_EQ(c->RoundTrip(FormatRequest("GET", "/v1/secret/other"))->status, 200);
}

TEST_F(ServerTest, TwoListenersBindDistinctPorts) {
  Start({Plain(), Plain()});
  ASSERT_EQ(ports_.size(), 2u);
  EXPECT_NE(ports_[0], ports_[1]);
  for (uint16_t p : ports_) {
    auto c = TestConnection::Connect(p);
    ASSERT_NE(c, nullptr);
    EXPECT_EQ(c->RoundTrip(FormatRequest("GET", "/v1/sys/seal-status"))->status, 200);
  }
}

// Snapshots are spooled to disk both ways: an upload larger than max_request_size (32 MiB)
// reaches the core whole, and a download arrives byte for byte.
TEST_F(ServerTest, SnapshotBodiesAreSpooledNotLimited) {
  Start({Plain()});
  auto c = MustConnect();
  std::string body(40u << 20, '\0');
  uint64_t sum = 0;
  for (size_t i = 0; i < body.size(); ++i) {
    body[i] = static_cast<char>(i % 253);
    sum += static_cast<uint8_t>(body[i]);
  }
  auto up = c->RoundTrip(
      FormatRequest("POST", "/v1/sys/storage/raft/snapshot", {{"X-Vault-Token", "t"}}, body));
  ASSERT_TRUE(up);
  EXPECT_EQ(up->status, 204);
  EXPECT_EQ(core_.restored_bytes, body.size());
  EXPECT_EQ(core_.restored_sum, sum);

  core_.snapshot_bytes = (3u << 20) + 17;
  auto down =
      c->RoundTrip(FormatRequest("GET", "/v1/sys/storage/raft/snapshot", {{"X-Vault-Token", "t"}}));
  ASSERT_TRUE(down);
  EXPECT_EQ(down->status, 200);
  ASSERT_EQ(down->body.size(), core_.snapshot_bytes);
  for (size_t i = 0; i < down->body.size(); i += 4099) {
    ASSERT_EQ(static_cast<uint8_t>(down->body[i]), i % 251) << i;
  }
  // A plain request on the same connection still works afterwards.
  EXPECT_EQ(c->RoundTrip(FormatRequest("GET", "/v1/sys/health"))->status, 200);
}

ServerOptions OptionsFor(const ListenerOptions& l) {
  ServerOptions o;
  o.listeners = {l};
  return o;
}

TEST_F(ServerTest, StartErrors) {
  ListenerOptions bad_addr = Plain();
  bad_addr.address = "no-port-here";
  Server a(core_, OptionsFor(bad_addr));
  EXPECT_FALSE(a.Start().ok());

  ListenerOptions no_cert;
  no_cert.address = "127.0.0.1:0";  // TLS on by default, but no files
  Server b(core_, OptionsFor(no_cert));
  EXPECT_FALSE(b.Start().ok());

  Start({Plain()});
  ListenerOptions taken = Plain();
  taken.address = "127.0.0.1:" + std::to_string(port_);
  Server c(core_, OptionsFor(taken));
  Status st = c.Start();
  EXPECT_FALSE(st.ok());
}

TEST_F(ServerTest, UnauthenticatedMetricsAccessIsPerListener) {
  telemetry::Options o;
  o.hostname = "node-1";
  telemetry::Configure(o);
  ListenerOptions open = Plain();
  open.unauthenticated_metrics_access = true;
  Start({Plain(), open});
  ASSERT_EQ(ports_.size(), 2u);

  auto plain = TestConnection::Connect(ports_[0]);
  ASSERT_NE(plain, nullptr);
  auto a = plain->RoundTrip(FormatRequest("GET", "/v1/sys/metrics?format=prometheus"));
  ASSERT_TRUE(a);
  EXPECT_EQ(a->json()["data"]["path"], "sys/metrics");  // the fake core answered

  auto unauth = TestConnection::Connect(ports_[1]);
  ASSERT_NE(unauth, nullptr);
  auto b = unauth->RoundTrip(FormatRequest("GET", "/v1/sys/metrics?format=prometheus"));
  ASSERT_TRUE(b);
  EXPECT_EQ(b->status, 200);
  EXPECT_EQ(b->header("content-type"), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_NE(b->body.find("# TYPE vault_node_1_runtime_num_threads gauge"), std::string::npos)
      << b->body;
  telemetry::ResetForTests();
}

}  // namespace
}  // namespace coffer::http::testing
