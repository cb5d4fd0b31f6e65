#pragma once
// Shared fixture for the http::Server tests: a FakeCore, a Server on 127.0.0.1:0 and a
// gate that holds requests in flight.

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "http/fake_core.h"
#include "http/server.h"
#include "http/test_client.h"

namespace coffer::http::testing {

using namespace std::chrono_literals;

// A gate a request blocks on inside Core, so tests can hold requests in flight.
class Gate {
 public:
  void Enter() {
    entered_.fetch_add(1);
    std::unique_lock<std::mutex> l(mu_);
    cv_.wait(l, [this] { return open_; });
  }
  void Open() {
    std::lock_guard<std::mutex> l(mu_);
    open_ = true;
    cv_.notify_all();
  }
  bool WaitEntered(int n, std::chrono::milliseconds timeout = 5s) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (entered_.load() < n) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(5ms);
    }
    return true;
  }

 private:
  std::atomic<int> entered_{0};
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = false;
};

class ServerTest : public ::testing::Test {
 protected:
  void TearDown() override {
    gate_.Open();
    if (server_) server_->Stop();
  }

  static ListenerOptions Plain() {
    ListenerOptions l;
    l.address = "127.0.0.1:0";
    l.tls_disable = true;
    return l;
  }

  void Start(std::vector<ListenerOptions> listeners, int workers = 2, size_t queue = 1024) {
    ServerOptions o;
    o.listeners = std::move(listeners);
    o.io_threads = 2;
    o.worker_threads = workers;
    o.worker_queue_limit = queue;
    server_ = std::make_unique<Server>(core_, std::move(o));
    Status st = server_->Start();
    ASSERT_TRUE(st.ok()) << st.ToString();
    ports_ = server_->BoundPorts();
    ASSERT_FALSE(ports_.empty());
    port_ = ports_[0];
  }

  // Requests to "secret/block" wait on gate_; others answer from the path.
  void BlockOnGate() {
    core_.on_request = [this](core::Request& req) -> Result<core::Response> {
      if (req.path == "secret/block") gate_.Enter();
      return core::Response::WithData(Json{{"path", req.path}});
    };
  }

  std::unique_ptr<TestConnection> MustConnect() {
    auto c = TestConnection::Connect(port_);
    EXPECT_NE(c, nullptr);
    return c;
  }

  FakeCore core_;
  Gate gate_;
  std::unique_ptr<Server> server_;
  std::vector<uint16_t> ports_;
  uint16_t port_ = 0;
};

}  // namespace coffer::http::testing
