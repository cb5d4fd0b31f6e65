#include "cluster/transport.h"

#include <exception>

#include "base/host_port.h"
#include "base/log.h"
#include "cluster/transport_impl.h"

namespace coffer::cluster {

using storage::raft::Member;
using storage::raft::Message;
using storage::raft::MessageType;
using storage::raft::SnapshotSink;

namespace {

constexpr auto kWatchdogPeriod = std::chrono::milliseconds(100);
constexpr auto kAcceptRetryDelay = std::chrono::milliseconds(100);

Result<tcp::endpoint> ResolveListen(asio::io_context& ioc, const std::string& address) {
  COFFER_ASSIGN_OR_RETURN(HostPort hp, ParseHostPort(address, "cluster address"));
  boost::system::error_code err;
  auto ip = asio::ip::make_address(hp.host, err);
  if (!err) return tcp::endpoint(ip, hp.port);
  tcp::resolver resolver(ioc);
  auto results = resolver.resolve(hp.host, hp.port_text, err);
  if (err || results.empty()) {
    return Err(InvalidArgument("cluster address " + address + ": cannot resolve " + hp.host));
  }
  return results.begin()->endpoint();
}

Result<std::shared_ptr<asio::ssl::context>> NewContext(const ClusterTls& tls, bool server) {
  COFFER_ASSIGN_OR_RETURN(SSL_CTX * raw, NewClusterSslContext(tls, server));
  return std::make_shared<asio::ssl::context>(raw);  // takes ownership
}

}  // namespace

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
  forward_pool_.Shutdown(/*run_queued=*/false);
  snapshot_pool_.Shutdown(/*run_queued=*/false);
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
