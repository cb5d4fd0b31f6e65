#pragma once
// Internal to cluster/: ClusterTransport::Impl, shared by transport.cc (listener, peers,
// Raft messages, lifecycle) and transport_streams.cc (snapshot streams, forwarding).
// Includes Boost.Asio: only those two files include it.

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/worker_pool.h"
#include "cluster/conn.h"
#include "cluster/transport.h"

namespace coffer::cluster {

using Clock = std::chrono::steady_clock;

// A Forward() call waiting for its response.
struct PendingForward {
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;                                                     // guarded by mu
  Result<ForwardedResponse> result = Err(Unavailable("cluster: lost"));  // guarded by mu

  void Complete(Result<ForwardedResponse> r) {
    {
      std::lock_guard<std::mutex> l(mu);
      if (done) return;
      done = true;
      result = std::move(r);
    }
    cv.notify_all();
  }
};

// One outgoing snapshot stream, shared by its sender thread and the I/O thread.
struct SnapshotSendState {
  explicit SnapshotSendState(size_t w) : window(w) {}
  const size_t window;
  std::mutex mu;
  std::condition_variable cv;
  size_t in_flight = 0;      // frame bytes queued or being written; guarded by mu
  bool failed = false;       // guarded by mu
  bool acked = false;        // guarded by mu
  bool ack_ok = false;       // guarded by mu
  std::weak_ptr<Conn> conn;  // I/O thread only

  void Release(size_t n) {
    {
      std::lock_guard<std::mutex> l(mu);
      in_flight -= std::min(n, in_flight);
    }
    cv.notify_all();
  }
  void Fail() {
    {
      std::lock_guard<std::mutex> l(mu);
      failed = true;
    }
    cv.notify_all();
  }
  void Ack(bool ok) {
    {
      std::lock_guard<std::mutex> l(mu);
      acked = true;
      ack_ok = ok;
    }
    cv.notify_all();
  }
};

class ClusterTransport::Impl final : public ConnOwner {
 public:
  Impl(ClusterTransportOptions options, std::shared_ptr<asio::ssl::context> server_tls,
       std::shared_ptr<asio::ssl::context> client_tls);
  ~Impl() override;

  Status Start(const std::string& listen_address);
  void Stop();
  Status UpdateTls(const ClusterTls& tls);
  void Send(std::vector<storage::raft::Message> messages);
  void SendSnapshot(storage::raft::Message m,
                    std::function<Status(const storage::raft::SnapshotSink&)> write);
  void UpdatePeers(const std::vector<storage::raft::Member>& members);
  Result<ForwardedResponse> Forward(const std::string& address, ForwardedRequest req,
                                    std::chrono::milliseconds timeout);
  PeerStats GetPeerStats(uint64_t id) const;
  uint16_t port() const { return port_.load(); }

  // Handlers, guarded by mu_.
  MessageHandler message_handler;
  UnreachableHandler unreachable_handler;
  SnapshotStatusHandler snapshot_status_handler;
  SnapshotHandler snapshot_handler;
  SnapshotMetaReader snapshot_meta_reader;
  ForwardHandler forward_handler;
  template <class F>
  F Get(const F& f) const {
    std::lock_guard<std::mutex> l(mu_);
    return f;
  }
  template <class F>
  void Set(F& f, F value) {
    std::lock_guard<std::mutex> l(mu_);
    f = std::move(value);
  }

  // ConnOwner (I/O thread).
  void OnReady(const std::shared_ptr<Conn>& conn) override;
  bool OnFrame(const std::shared_ptr<Conn>& conn, FrameKind kind, std::string payload) override;
  void OnWritten(Conn& conn, FrameKind kind, size_t bytes, bool written) override;
  void OnClosed(const std::shared_ptr<Conn>& conn) override;

 private:
  struct Peer {
    uint64_t id = 0;
    std::string address;
    std::shared_ptr<Conn> conn;
    Clock::time_point retry_at{};
    std::chrono::milliseconds backoff{0};
  };
  struct SnapshotJob {
    std::thread thread;
    std::shared_ptr<std::atomic<bool>> done;
    std::shared_ptr<SnapshotSendState> state;
  };

  // I/O thread.
  asio::awaitable<void> AcceptLoop();
  asio::awaitable<void> Watchdog();
  // `setup` assigns the connection's role before it starts.
  std::shared_ptr<Conn> Dial(const std::string& address,
                             const std::function<void(Conn&)>& setup = {});
  void SendBatch(uint64_t to, const std::string& frame);
  void Drop(uint64_t to);
  void CloseAll();
  bool OnSnapshotFrame(const std::shared_ptr<Conn>& conn, FrameKind kind, std::string payload);
  bool OnForwardRequest(const std::shared_ptr<Conn>& conn, std::string payload);
  bool OnForwardResponse(Conn& conn, std::string_view payload);
  void UpdateStats(uint64_t id, const std::function<void(PeerStats&)>& f);

  // Snapshot sender thread.
  void RunSnapshotSend(storage::raft::Message m,
                       const std::function<Status(const storage::raft::SnapshotSink&)>& write,
                       const std::shared_ptr<SnapshotSendState>& state);
  Status Push(const std::shared_ptr<SnapshotSendState>& state, FrameKind kind,
              std::string_view payload);
  // Snapshot worker thread.
  bool FinishSnapshot(std::unique_ptr<SnapshotFile> file, storage::raft::Message m);
  ForwardedResponse RunForwardHandler(ForwardedRequest req);

  std::shared_ptr<asio::ssl::context> ServerTls() const { return Get(server_tls_); }
  std::shared_ptr<asio::ssl::context> ClientTls() const { return Get(client_tls_); }

  const ClusterTransportOptions options_;
  ConnLimits limits_;

  mutable std::mutex mu_;
  std::shared_ptr<asio::ssl::context> server_tls_;  // guarded by mu_
  std::shared_ptr<asio::ssl::context> client_tls_;  // guarded by mu_
  std::map<uint64_t, std::string> addresses_;       // guarded by mu_
  std::map<uint64_t, PeerStats> stats_;             // guarded by mu_
  std::vector<SnapshotJob> snapshot_jobs_;          // guarded by mu_
  bool started_ = false;                            // guarded by mu_
  bool stopping_ = false;                           // guarded by mu_
  std::atomic<uint16_t> port_{0};

  WorkerPool forward_pool_;
  WorkerPool snapshot_pool_;

  // Declared before everything that holds sockets or timers, so it is destroyed last.
  asio::io_context ioc_{1};
  // I/O thread only.
  std::unique_ptr<tcp::acceptor> acceptor_;
  asio::steady_timer watchdog_{ioc_};
  std::map<uint64_t, Peer> peers_;
  std::map<std::string, std::shared_ptr<Conn>> forward_conns_;
  std::vector<std::weak_ptr<Conn>> conns_;  // every connection (watchdog, Stop)
  bool io_stopping_ = false;

  asio::executor_work_guard<asio::io_context::executor_type> guard_{ioc_.get_executor()};
  std::thread io_thread_;
};

}  // namespace coffer::cluster
