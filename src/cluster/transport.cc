#include "cluster/transport.h"

#include <atomic>
#include <charconv>
#include <condition_variable>
#include <cstdio>
#include <exception>
#include <map>
#include <mutex>
#include <thread>

#include "base/json.h"
#include "base/log.h"
#include "cluster/conn.h"
#include "cluster/worker_pool.h"

namespace coffer::cluster {

using storage::raft::Member;
using storage::raft::Message;
using storage::raft::MessageType;
using storage::raft::SnapshotSink;
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

namespace {

constexpr auto kWatchdogPeriod = std::chrono::milliseconds(100);
constexpr auto kAcceptRetryDelay = std::chrono::milliseconds(100);

ForwardedResponse ErrorResponse(int status, const std::string& message) {
  ForwardedResponse r;
  r.status = status;
  r.headers = {{"Content-Type", "application/json"}};
  r.body = Json{{"errors", Json::array({message})}}.dump();
  return r;
}

Result<tcp::endpoint> ResolveListen(asio::io_context& ioc, const std::string& address) {
  size_t colon = address.rfind(':');
  if (colon == std::string::npos) {
    return Err(InvalidArgument("cluster address " + address + ": missing port"));
  }
  std::string host = address.substr(0, colon);
  std::string port_text = address.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  unsigned port = 0;
  auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc() || end != port_text.data() + port_text.size() || port > 65535) {
    return Err(InvalidArgument("cluster address " + address + ": invalid port"));
  }
  if (host.empty()) host = "0.0.0.0";
  boost::system::error_code err;
  auto ip = asio::ip::make_address(host, err);
  if (!err) return tcp::endpoint(ip, static_cast<uint16_t>(port));
  tcp::resolver resolver(ioc);
  auto results = resolver.resolve(host, port_text, err);
  if (err || results.empty()) {
    return Err(InvalidArgument("cluster address " + address + ": cannot resolve " + host));
  }
  return results.begin()->endpoint();
}

Result<std::shared_ptr<asio::ssl::context>> NewContext(const ClusterTls& tls, bool server) {
  COFFER_ASSIGN_OR_RETURN(SSL_CTX * raw, NewClusterSslContext(tls, server));
  return std::make_shared<asio::ssl::context>(raw);  // takes ownership
}

}  // namespace

class ClusterTransport::Impl final : public ConnOwner {
 public:
  Impl(ClusterTransportOptions options, std::shared_ptr<asio::ssl::context> server_tls,
       std::shared_ptr<asio::ssl::context> client_tls);
  ~Impl() override;

  Status Start(const std::string& listen_address);
  void Stop();
  Status UpdateTls(const ClusterTls& tls);
  void Send(std::vector<Message> messages);
  void SendSnapshot(Message m, std::function<Status(const SnapshotSink&)> write);
  void UpdatePeers(const std::vector<Member>& members);
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
  void RunSnapshotSend(Message m, const std::function<Status(const SnapshotSink&)>& write,
                       const std::shared_ptr<SnapshotSendState>& state);
  Status Push(const std::shared_ptr<SnapshotSendState>& state, FrameKind kind,
              std::string_view payload);
  // Snapshot worker thread.
  bool FinishSnapshot(std::unique_ptr<SnapshotFile> file, Message m);
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

ClusterTransport::Impl::Impl(ClusterTransportOptions options,
                             std::shared_ptr<asio::ssl::context> server_tls,
                             std::shared_ptr<asio::ssl::context> client_tls)
    : options_(std::move(options)),
      server_tls_(std::move(server_tls)),
      client_tls_(std::move(client_tls)),
      forward_pool_(options_.forward_workers, options_.forward_queue_limit),
      snapshot_pool_(1, 4) {
  limits_.max_frame_bytes = options_.max_frame_bytes;
  limits_.handshake_timeout = options_.handshake_timeout;
  limits_.write_timeout = options_.write_timeout;
  limits_.idle_timeout = options_.idle_timeout;
  limits_.ping_interval = options_.ping_interval;
  asio::co_spawn(ioc_, Watchdog(), asio::detached);
  io_thread_ = std::thread([this] {
    for (;;) {
      try {
        ioc_.run();
        return;
      } catch (const std::exception& e) {
        log::Error("cluster", "I/O handler failed", {{"error", e.what()}});
      }
    }
  });
}

ClusterTransport::Impl::~Impl() {
  Stop();
  acceptor_.reset();
}

Status ClusterTransport::Impl::Start(const std::string& listen_address) {
  {
    std::lock_guard<std::mutex> l(mu_);
    if (started_ || stopping_) return InvalidArgument("cluster: transport already started");
    started_ = true;
  }
  COFFER_ASSIGN_OR_RETURN(tcp::endpoint endpoint, ResolveListen(ioc_, listen_address));
  auto acceptor = std::make_unique<tcp::acceptor>(ioc_);
  boost::system::error_code ec;
  acceptor->open(endpoint.protocol(), ec);
  if (!ec) acceptor->set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor->bind(endpoint, ec);
  if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return IoError("cluster: listen on " + listen_address + ": " + ec.message());
  port_ = acceptor->local_endpoint(ec).port();
  asio::post(ioc_, [this, a = acceptor.release()]() mutable {
    acceptor_.reset(a);
    if (io_stopping_) return;
    asio::co_spawn(ioc_, AcceptLoop(), asio::detached);
  });
  log::Info("cluster", "listening",
            {{"address", listen_address}, {"port", std::to_string(port_.load())}});
  return Status::Ok();
}

asio::awaitable<void> ClusterTransport::Impl::AcceptLoop() {
  asio::steady_timer retry(ioc_);
  while (!io_stopping_ && acceptor_ && acceptor_->is_open()) {
    auto [ec, socket] = co_await acceptor_->async_accept(kAwait);
    if (io_stopping_ || !acceptor_->is_open()) break;
    if (ec) {
      log::Warn("cluster", "accept failed", {{"error", ec.message()}});
      retry.expires_after(kAcceptRetryDelay);
      co_await retry.async_wait(kAwait);
      continue;
    }
    auto conn = std::make_shared<Conn>(*this, std::move(socket), ServerTls(), limits_);
    conns_.push_back(conn);
    conn->Start();
  }
}

asio::awaitable<void> ClusterTransport::Impl::Watchdog() {
  while (!io_stopping_) {
    watchdog_.expires_after(kWatchdogPeriod);
    co_await watchdog_.async_wait(kAwait);
    if (io_stopping_) break;
    auto now = Clock::now();
    std::erase_if(conns_, [&](const std::weak_ptr<Conn>& w) {
      auto c = w.lock();
      if (!c) return true;
      c->CheckDeadlines(now);
      return false;
    });
  }
}

std::shared_ptr<Conn> ClusterTransport::Impl::Dial(const std::string& address,
                                                   const std::function<void(Conn&)>& setup) {
  auto conn = std::make_shared<Conn>(*this, ioc_, ClientTls(), limits_, address);
  if (setup) setup(*conn);
  conns_.push_back(conn);
  conn->Start();
  return conn;
}

void ClusterTransport::Impl::CloseAll() {
  io_stopping_ = true;
  boost::system::error_code ec;
  if (acceptor_) acceptor_->close(ec);
  watchdog_.cancel();
  for (auto& w : conns_) {
    if (auto c = w.lock()) c->Close();
  }
  peers_.clear();
  forward_conns_.clear();
}

void ClusterTransport::Impl::Stop() {
  std::vector<SnapshotJob> jobs;
  {
    std::lock_guard<std::mutex> l(mu_);
    if (stopping_) return;
    stopping_ = true;
    jobs.swap(snapshot_jobs_);
  }
  for (auto& job : jobs) job.state->Fail();
  for (auto& job : jobs) job.thread.join();
  asio::post(ioc_, [this] { CloseAll(); });
  forward_pool_.Shutdown();
  snapshot_pool_.Shutdown();
  guard_.reset();
  io_thread_.join();
}

Status ClusterTransport::Impl::UpdateTls(const ClusterTls& tls) {
  COFFER_ASSIGN_OR_RETURN(auto server, NewContext(tls, true));
  COFFER_ASSIGN_OR_RETURN(auto client, NewContext(tls, false));
  std::lock_guard<std::mutex> l(mu_);
  server_tls_ = std::move(server);
  client_tls_ = std::move(client);
  return Status::Ok();
}

void ClusterTransport::Impl::UpdateStats(uint64_t id, const std::function<void(PeerStats&)>& f) {
  std::lock_guard<std::mutex> l(mu_);
  f(stats_[id]);
}

PeerStats ClusterTransport::Impl::GetPeerStats(uint64_t id) const {
  std::lock_guard<std::mutex> l(mu_);
  auto it = stats_.find(id);
  return it == stats_.end() ? PeerStats{} : it->second;
}

// ---- Raft messages ----

void ClusterTransport::Impl::UpdatePeers(const std::vector<Member>& members) {
  std::map<uint64_t, std::string> addresses;
  for (const Member& m : members) {
    if (m.id != options_.local_id && m.id != storage::raft::kNone) addresses[m.id] = m.address;
  }
  {
    std::lock_guard<std::mutex> l(mu_);
    addresses_ = addresses;
  }
  asio::post(ioc_, [this, addresses = std::move(addresses)] {
    if (io_stopping_) return;
    for (auto it = peers_.begin(); it != peers_.end();) {
      auto found = addresses.find(it->first);
      if (found != addresses.end() && found->second == it->second.address) {
        ++it;
        continue;
      }
      if (it->second.conn) it->second.conn->Close();
      it = peers_.erase(it);
    }
    for (const auto& [id, address] : addresses) {
      if (peers_.count(id) != 0) continue;
      Peer& p = peers_[id];
      p.id = id;
      p.address = address;
      p.conn = Dial(address, [id](Conn& c) { c.peer_id = id; });
    }
  });
}

void ClusterTransport::Impl::Send(std::vector<Message> messages) {
  std::map<uint64_t, std::vector<Message>> by_peer;
  for (Message& m : messages) {
    if (m.type == MessageType::kMsgSnap) {
      log::Warn("cluster", "MsgSnap given to Send; use SendSnapshot");
      continue;
    }
    by_peer[m.to].push_back(std::move(m));
  }
  std::vector<std::pair<uint64_t, std::string>> frames;
  for (const auto& [to, batch] : by_peer) {
    frames.emplace_back(to, MakeFrame(FrameKind::kRaftBatch, EncodeBatch(batch)));
  }
  asio::post(ioc_, [this, frames = std::move(frames)] {
    for (const auto& [to, frame] : frames) SendBatch(to, frame);
  });
}

void ClusterTransport::Impl::SendBatch(uint64_t to, const std::string& frame) {
  if (io_stopping_) return;
  auto it = peers_.find(to);
  if (it == peers_.end()) return Drop(to);
  Peer& p = it->second;
  if (!p.conn) {
    if (Clock::now() < p.retry_at) return Drop(to);
    p.conn = Dial(p.address, [to](Conn& c) { c.peer_id = to; });
  }
  if (p.conn->queued_frames() >= options_.max_queued_batches ||
      p.conn->queued_bytes() + frame.size() > options_.max_queued_bytes) {
    return Drop(to);
  }
  p.conn->EnqueueFrame(frame);
  size_t queued = p.conn->queued_bytes();
  UpdateStats(to, [&](PeerStats& s) { s.queued_bytes = queued; });
}

void ClusterTransport::Impl::Drop(uint64_t to) {
  UpdateStats(to, [](PeerStats& s) { ++s.dropped_batches; });
  if (auto h = Get(unreachable_handler)) h(to);
}

void ClusterTransport::Impl::OnReady(const std::shared_ptr<Conn>& conn) {
  if (conn->peer_id != storage::raft::kNone) {
    UpdateStats(conn->peer_id, [](PeerStats& s) { s.connected = true; });
  }
}

void ClusterTransport::Impl::OnWritten(Conn& conn, FrameKind kind, size_t bytes, bool written) {
  if (conn.snapshot_out) conn.snapshot_out->Release(bytes);
  if (conn.peer_id != storage::raft::kNone && kind == FrameKind::kRaftBatch) {
    size_t queued = conn.queued_bytes();
    UpdateStats(conn.peer_id, [&](PeerStats& s) {
      s.queued_bytes = queued;
      if (written) {
        ++s.sent_batches;
      } else {
        ++s.dropped_batches;
      }
    });
  }
}

void ClusterTransport::Impl::OnClosed(const std::shared_ptr<Conn>& conn) {
  if (conn->snapshot_out) conn->snapshot_out->Fail();
  conn->snapshot_in.reset();  // removes a partial file
  for (auto& [id, pending] : conn->forwards) {
    pending->Complete(Err(Unavailable("cluster: connection to " + conn->address() + " lost")));
  }
  conn->forwards.clear();
  if (conn->forward_pool) {
    auto it = forward_conns_.find(conn->address());
    if (it != forward_conns_.end() && it->second == conn) forward_conns_.erase(it);
  }
  if (conn->peer_id == storage::raft::kNone) return;
  UpdateStats(conn->peer_id, [](PeerStats& s) {
    s.connected = false;
    s.queued_bytes = 0;
  });
  auto it = peers_.find(conn->peer_id);
  if (it == peers_.end() || it->second.conn != conn) return;
  Peer& p = it->second;
  p.conn.reset();
  // A connection that stayed up resets the backoff; one that failed doubles it.
  bool was_healthy =
      conn->ready() && Clock::now() - conn->ready_at() > options_.reconnect_backoff_max;
  p.backoff = was_healthy || p.backoff.count() == 0
                  ? options_.reconnect_backoff_min
                  : std::min(p.backoff * 2, options_.reconnect_backoff_max);
  p.retry_at = Clock::now() + p.backoff;
  log::Debug("cluster", "peer connection closed",
             {{"peer", std::to_string(p.id)}, {"address", p.address}});
  if (!io_stopping_) {
    if (auto h = Get(unreachable_handler)) h(p.id);
  }
}

bool ClusterTransport::Impl::OnFrame(const std::shared_ptr<Conn>& conn, FrameKind kind,
                                     std::string payload) {
  switch (kind) {
    case FrameKind::kPing:
      return true;
    case FrameKind::kRaftBatch: {
      auto batch = DecodeBatch(payload);
      if (!batch) {
        log::Warn("cluster", "bad raft batch",
                  {{"peer", conn->address()}, {"error", batch.error().message()}});
        return false;
      }
      MessageHandler h = Get(message_handler);
      if (h) {
        for (Message& m : *batch) h(std::move(m));
      }
      return true;
    }
    case FrameKind::kSnapshotBegin:
    case FrameKind::kSnapshotChunk:
    case FrameKind::kSnapshotEnd:
      return OnSnapshotFrame(conn, kind, std::move(payload));
    case FrameKind::kSnapshotAck:
      if (!conn->snapshot_out || payload.size() != 1) return false;
      conn->snapshot_out->Ack(payload[0] == 1);
      return true;
    case FrameKind::kForwardRequest:
      return OnForwardRequest(conn, std::move(payload));
    case FrameKind::kForwardResponse:
      return OnForwardResponse(*conn, payload);
  }
  log::Warn("cluster", "unknown frame kind", {{"peer", conn->address()}});
  return false;
}

// ---- Snapshots ----

void ClusterTransport::Impl::SendSnapshot(Message m,
                                          std::function<Status(const SnapshotSink&)> write) {
  auto state = std::make_shared<SnapshotSendState>(options_.snapshot_window_bytes);
  std::unique_lock<std::mutex> l(mu_);
  if (stopping_) {
    l.unlock();
    if (auto h = Get(snapshot_status_handler)) h(m.to, true);
    return;
  }
  // Reap streams that finished.
  std::erase_if(snapshot_jobs_, [](SnapshotJob& job) {
    if (!job.done->load()) return false;
    job.thread.join();
    return true;
  });
  auto done = std::make_shared<std::atomic<bool>>(false);
  std::thread t([this, m = std::move(m), write = std::move(write), state, done]() mutable {
    RunSnapshotSend(std::move(m), write, state);
    done->store(true);
  });
  snapshot_jobs_.push_back(SnapshotJob{std::move(t), done, state});
}

Status ClusterTransport::Impl::Push(const std::shared_ptr<SnapshotSendState>& state, FrameKind kind,
                                    std::string_view payload) {
  std::string frame = MakeFrame(kind, payload);
  {
    std::unique_lock<std::mutex> l(state->mu);
    bool ready = state->cv.wait_for(l, options_.write_timeout, [&] {
      return state->failed || state->in_flight == 0 ||
             state->in_flight + frame.size() <= state->window;
    });
    if (!ready) state->failed = true;
    if (state->failed) return Unavailable("cluster: snapshot stream failed");
    state->in_flight += frame.size();
  }
  asio::post(ioc_, [this, state, frame = std::move(frame)]() mutable {
    auto conn = state->conn.lock();
    if (!conn || conn->closed()) {
      state->Release(frame.size());
      state->Fail();
      return;
    }
    conn->EnqueueFrame(std::move(frame));
  });
  return Status::Ok();
}

void ClusterTransport::Impl::RunSnapshotSend(
    Message m, const std::function<Status(const SnapshotSink&)>& write,
    const std::shared_ptr<SnapshotSendState>& state) {
  const uint64_t to = m.to;
  std::string address;
  {
    std::lock_guard<std::mutex> l(mu_);
    auto it = addresses_.find(to);
    if (it != addresses_.end()) address = it->second;
  }
  Status st = address.empty() ? Unavailable("cluster: unknown peer") : Status::Ok();
  if (st.ok()) {
    asio::post(ioc_, [this, state, address] {
      if (io_stopping_) return state->Fail();
      state->conn = Dial(address, [&](Conn& c) { c.snapshot_out = state; });
    });
    st = Push(state, FrameKind::kSnapshotBegin, EncodeMessage(m));
  }
  uint64_t total = 0;
  if (st.ok()) {
    const size_t chunk_bytes = std::max<size_t>(options_.snapshot_chunk_bytes, 1);
    st = write([&](std::string_view chunk) -> Status {
      while (!chunk.empty()) {
        std::string_view piece = chunk.substr(0, chunk_bytes);
        COFFER_RETURN_IF_ERROR(Push(state, FrameKind::kSnapshotChunk, piece));
        total += piece.size();
        chunk.remove_prefix(piece.size());
      }
      return Status::Ok();
    });
  }
  if (st.ok()) {
    std::string end;
    PutU64(end, total);
    st = Push(state, FrameKind::kSnapshotEnd, end);
  }
  if (st.ok()) {
    std::unique_lock<std::mutex> l(state->mu);
    state->cv.wait_for(l, options_.snapshot_ack_timeout,
                       [&] { return state->failed || state->acked; });
    if (!state->acked || !state->ack_ok) st = Unavailable("cluster: snapshot not acknowledged");
  }
  asio::post(ioc_, [state] {
    if (auto conn = state->conn.lock()) conn->Close();
  });
  if (!st.ok()) {
    log::Warn("cluster", "snapshot send failed",
              {{"peer", std::to_string(to)}, {"error", st.message()}});
  } else {
    log::Info("cluster", "snapshot sent",
              {{"peer", std::to_string(to)}, {"bytes", std::to_string(total)}});
  }
  if (auto h = Get(snapshot_status_handler)) h(to, !st.ok());
}

bool ClusterTransport::Impl::OnSnapshotFrame(const std::shared_ptr<Conn>& conn, FrameKind kind,
                                             std::string payload) {
  if (kind == FrameKind::kSnapshotBegin) {
    if (conn->snapshot_in) return false;
    auto m = DecodeMessage(payload);
    if (!m || m->type != MessageType::kMsgSnap) return false;
    auto file =
        SnapshotFile::Create(options_.snapshot_dir, m->from, m->snapshot.term, m->snapshot.index);
    if (!file) {
      log::Error("cluster", "cannot receive snapshot", {{"error", file.error().message()}});
      return false;
    }
    conn->snapshot_in = std::move(*file);
    conn->snapshot_message = std::move(*m);
    return true;
  }
  if (!conn->snapshot_in) return false;
  if (kind == FrameKind::kSnapshotChunk) {
    Status st = conn->snapshot_in->Write(payload);
    if (!st.ok()) log::Error("cluster", "snapshot write failed", {{"error", st.message()}});
    return st.ok();
  }
  // kSnapshotEnd: the stream is complete; save it off the I/O thread, then acknowledge.
  if (payload.size() != 8 || GetU64(payload) != conn->snapshot_in->size()) return false;
  auto file = std::make_shared<std::unique_ptr<SnapshotFile>>(std::move(conn->snapshot_in));
  Message m = std::move(conn->snapshot_message);
  return snapshot_pool_.TrySubmit([this, conn, file, m = std::move(m)]() mutable {
    bool ok = FinishSnapshot(std::move(*file), std::move(m));
    asio::post(ioc_, [conn, ok] {
      conn->Enqueue(FrameKind::kSnapshotAck, std::string(1, ok ? '\1' : '\0'));
    });
  });
}

bool ClusterTransport::Impl::FinishSnapshot(std::unique_ptr<SnapshotFile> file, Message m) {
  auto path = file->Finish();
  if (!path) {
    log::Error("cluster", "saving snapshot failed", {{"error", path.error().message()}});
    return false;
  }
  if (auto reader = Get(snapshot_meta_reader)) {
    auto meta = reader(*path);
    if (!meta) {
      log::Error("cluster", "received snapshot is invalid", {{"error", meta.error().message()}});
      std::remove(path->c_str());
      return false;
    }
    m.snapshot = std::move(*meta);
  }
  auto handler = Get(snapshot_handler);
  if (!handler) {
    std::remove(path->c_str());
    return false;
  }
  handler(std::move(m), *path);
  return true;
}

// ---- Request forwarding ----

Result<ForwardedResponse> ClusterTransport::Impl::Forward(const std::string& address,
                                                          ForwardedRequest req,
                                                          std::chrono::milliseconds timeout) {
  COFFER_ASSIGN_OR_RETURN(std::string encoded, EncodeForwardedRequest(req));
  static std::atomic<uint64_t> next_id{0};
  const uint64_t id = ++next_id;
  std::string payload;
  payload.reserve(8 + encoded.size());
  PutU64(payload, id);
  payload += encoded;
  encoded.clear();
  auto pending = std::make_shared<PendingForward>();
  {
    std::lock_guard<std::mutex> l(mu_);
    if (stopping_) return Err(Unavailable("cluster: transport stopped"));
    asio::post(ioc_, [this, address, id, pending, payload = std::move(payload)] {
      if (io_stopping_) {
        return pending->Complete(Err(Unavailable("cluster: transport stopped")));
      }
      auto& conn = forward_conns_[address];
      if (!conn || conn->closed()) {
        conn = Dial(address, [](Conn& c) { c.forward_pool = true; });
      }
      conn->forwards[id] = pending;
      conn->Enqueue(FrameKind::kForwardRequest, payload);
    });
  }
  std::unique_lock<std::mutex> l(pending->mu);
  if (!pending->cv.wait_for(l, timeout, [&] { return pending->done; })) {
    l.unlock();
    asio::post(ioc_, [this, address, id] {
      auto it = forward_conns_.find(address);
      if (it != forward_conns_.end()) it->second->forwards.erase(id);
    });
    return Err(Unavailable("cluster: request forwarding to " + address + " timed out"));
  }
  return std::move(pending->result);
}

ForwardedResponse ClusterTransport::Impl::RunForwardHandler(ForwardedRequest req) {
  auto handler = Get(forward_handler);
  if (!handler) return ErrorResponse(503, "request forwarding is not enabled on this node");
  try {
    return handler(std::move(req));
  } catch (const std::exception& e) {
    log::Error("cluster", "forward handler failed", {{"error", e.what()}});
    return ErrorResponse(500, "internal error");
  }
}

bool ClusterTransport::Impl::OnForwardRequest(const std::shared_ptr<Conn>& conn,
                                              std::string payload) {
  if (payload.size() < 8) return false;
  const uint64_t id = GetU64(payload);
  auto respond = [this, conn, id](const ForwardedResponse& resp) {
    auto encoded = EncodeForwardedResponse(resp);
    if (!encoded) encoded = EncodeForwardedResponse(ErrorResponse(500, encoded.error().message()));
    std::string out;
    PutU64(out, id);
    out += *encoded;
    asio::post(ioc_,
               [conn, out = std::move(out)] { conn->Enqueue(FrameKind::kForwardResponse, out); });
  };
  auto req = DecodeForwardedRequest(std::string_view(payload).substr(8));
  if (!req) {
    respond(ErrorResponse(400, req.error().message()));
    return true;
  }
  bool queued = forward_pool_.TrySubmit([this, respond, req = std::move(*req)]() mutable {
    respond(RunForwardHandler(std::move(req)));
  });
  if (!queued) respond(ErrorResponse(503, "cluster: active node is busy"));
  return true;
}

bool ClusterTransport::Impl::OnForwardResponse(Conn& conn, std::string_view payload) {
  if (payload.size() < 8) return false;
  auto it = conn.forwards.find(GetU64(payload));
  if (it == conn.forwards.end()) return true;  // timed out meanwhile
  it->second->Complete(DecodeForwardedResponse(payload.substr(8)));
  conn.forwards.erase(it);
  return true;
}

// ---- ClusterTransport ----

Result<std::unique_ptr<ClusterTransport>> ClusterTransport::Create(
    const ClusterTls& tls, ClusterTransportOptions options) {
  COFFER_ASSIGN_OR_RETURN(auto server, NewContext(tls, true));
  COFFER_ASSIGN_OR_RETURN(auto client, NewContext(tls, false));
  auto impl = std::make_unique<Impl>(std::move(options), std::move(server), std::move(client));
  return std::unique_ptr<ClusterTransport>(new ClusterTransport(std::move(impl)));
}

ClusterTransport::ClusterTransport(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ClusterTransport::~ClusterTransport() = default;

void ClusterTransport::SetMessageHandler(MessageHandler h) {
  impl_->Set(impl_->message_handler, std::move(h));
}
void ClusterTransport::SetUnreachableHandler(UnreachableHandler h) {
  impl_->Set(impl_->unreachable_handler, std::move(h));
}
void ClusterTransport::SetSnapshotStatusHandler(SnapshotStatusHandler h) {
  impl_->Set(impl_->snapshot_status_handler, std::move(h));
}
void ClusterTransport::SetSnapshotHandler(SnapshotHandler h) {
  impl_->Set(impl_->snapshot_handler, std::move(h));
}
void ClusterTransport::SetSnapshotMetaReader(SnapshotMetaReader r) {
  impl_->Set(impl_->snapshot_meta_reader, std::move(r));
}
void ClusterTransport::SetForwardHandler(ForwardHandler h) {
  impl_->Set(impl_->forward_handler, std::move(h));
}
Status ClusterTransport::Start(const std::string& listen_address) {
  return impl_->Start(listen_address);
}
uint16_t ClusterTransport::port() const { return impl_->port(); }
void ClusterTransport::Stop() { impl_->Stop(); }
Status ClusterTransport::UpdateTls(const ClusterTls& tls) { return impl_->UpdateTls(tls); }
void ClusterTransport::Send(std::vector<Message> messages) { impl_->Send(std::move(messages)); }
void ClusterTransport::SendSnapshot(Message m, std::function<Status(const SnapshotSink&)> write) {
  impl_->SendSnapshot(std::move(m), std::move(write));
}
void ClusterTransport::UpdatePeers(const std::vector<Member>& members) {
  impl_->UpdatePeers(members);
}
Result<ForwardedResponse> ClusterTransport::Forward(const std::string& address,
                                                    ForwardedRequest req,
                                                    std::chrono::milliseconds timeout) {
  return impl_->Forward(address, std::move(req), timeout);
}
PeerStats ClusterTransport::GetPeerStats(uint64_t id) const { return impl_->GetPeerStats(id); }

}  // namespace coffer::cluster
