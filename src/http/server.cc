#include "http/server.h"

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <thread>

#include "base/host_port.h"
#include "base/log.h"
#include "base/worker_pool.h"
#include "crypto/random.h"
#include "crypto/tls.h"
#include "http/asio.h"
#include "http/handler.h"
#include "http/session.h"

namespace coffer::http {

namespace {

constexpr int64_t kDefaultMaxRequestSize = 32 << 20;
constexpr auto kDefaultMaxRequestDuration = std::chrono::seconds(90);
constexpr auto kAcceptRetryDelay = std::chrono::milliseconds(100);

ConnectionLimits LimitsFor(const ListenerOptions& o) {
  using Duration = std::chrono::steady_clock::duration;
  ConnectionLimits l;
  int64_t size = o.max_request_size == 0 ? kDefaultMaxRequestSize : o.max_request_size;
  if (size > 0) l.body_limit = static_cast<uint64_t>(size);
  l.header_limit = o.max_header_bytes;
  l.request_timeout = o.max_request_duration.count() > 0 ? Duration(o.max_request_duration)
                                                         : Duration(kDefaultMaxRequestDuration);
  // Zero means "none" in Vault's config; we fall back to the request deadline instead so
  // that no connection can be held open without a bound.
  l.header_timeout =
      o.header_read_timeout.count() > 0 ? Duration(o.header_read_timeout) : l.request_timeout;
  l.idle_timeout = o.idle_timeout.count() > 0 ? Duration(o.idle_timeout) : l.request_timeout;
  l.read_timeout = o.read_timeout.count() > 0
                       ? std::min(Duration(o.read_timeout), l.request_timeout)
                       : l.request_timeout;
  l.unauthenticated_metrics_access = o.unauthenticated_metrics_access;
  return l;
}

Result<std::shared_ptr<asio::ssl::context>> NewTlsContext(const ListenerOptions& o) {
  crypto::TlsServerOptions t;
  t.cert_file = o.tls_cert_file;
  t.key_file = o.tls_key_file;
  t.min_version = o.tls_min_version;
  t.max_version = o.tls_max_version;
  t.cipher_suites = o.tls_cipher_suites;
  t.client_ca_file = o.tls_client_ca_file;
  t.require_client_cert = o.tls_require_and_verify_client_cert;
  t.disable_client_certs = o.tls_disable_client_certs;
  COFFER_ASSIGN_OR_RETURN(SSL_CTX * raw, crypto::NewServerTlsContext(t));
  return std::make_shared<asio::ssl::context>(raw);  // takes ownership of raw
}

// "host:port", "[v6]:port" or ":port" (all IPv4 interfaces) → an endpoint.
Result<tcp::endpoint> ResolveAddress(asio::io_context& ioc, const std::string& address) {
  COFFER_ASSIGN_OR_RETURN(HostPort hp, ParseHostPort(address, "listener address"));
  boost::system::error_code err;
  auto ip = asio::ip::make_address(hp.host, err);
  if (!err) return tcp::endpoint(ip, hp.port);
  tcp::resolver resolver(ioc);
  auto results = resolver.resolve(hp.host, hp.port_text, err);
  if (err || results.empty()) {
    return Err(InvalidArgument("listener address " + address + ": cannot resolve " + hp.host));
  }
  return results.begin()->endpoint();
}

}  // namespace

struct Listener {
  ListenerOptions options;
  ConnectionLimits limits;
  std::unique_ptr<tcp::acceptor> acceptor;
  std::unique_ptr<asio::steady_timer> retry_timer;
  uint16_t port = 0;

  std::shared_ptr<asio::ssl::context> Tls() {
    std::lock_guard<std::mutex> l(tls_mu);
    return tls;
  }
  void SetTls(std::shared_ptr<asio::ssl::context> t) {
    std::lock_guard<std::mutex> l(tls_mu);
    tls = std::move(t);
  }

  std::mutex tls_mu;
  std::shared_ptr<asio::ssl::context> tls;  // guarded by tls_mu; null when tls_disable
};

class Server::Impl {
 public:
  Impl(core::Core& core, ServerOptions options)
      : options_(std::move(options)),
        handler_(core, options_.random ? *options_.random : crypto::SystemRandom::Get(),
                 options_.forward) {}

  ~Impl() {
    Stop();
    // Acceptors and timers must go before their io_context; connections (destroyed with
    // the io_contexts) still reference the listeners' limits and the members above.
    for (auto& l : listeners_) {
      l->retry_timer.reset();
      l->acceptor.reset();
    }
    iocs_.clear();
  }

  Status Start();
  std::vector<uint16_t> BoundPorts() const;
  void Stop();
  Status ReloadTls();
  Handler& handler() { return handler_; }

 private:
  Status OpenListener(const ListenerOptions& options);
  void Accept(Listener& listener);
  void OnAccept(Listener& listener, boost::system::error_code ec, tcp::socket socket);
  void RunIoThread(asio::io_context& ioc);

  ServerOptions options_;
  // Declared before the io_contexts: connections (destroyed with them) reference these.
  Handler handler_;
  SessionRegistry registry_;
  std::unique_ptr<WorkerPool> pool_;
  std::unique_ptr<SessionContext> session_ctx_;
  std::vector<std::unique_ptr<Listener>> listeners_;
  std::vector<std::unique_ptr<asio::io_context>> iocs_;
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> guards_;
  std::vector<std::thread> threads_;
  std::atomic<size_t> next_ioc_{0};
  std::mutex mu_;
  bool started_ = false;  // guarded by mu_
  bool stopped_ = false;  // guarded by mu_
};

Status Server::Impl::Start() {
  {
    std::lock_guard<std::mutex> l(mu_);
    if (started_) return InvalidArgument("http server already started");
    started_ = true;
  }
  int io_threads = std::max(options_.io_threads, 1);
  for (int i = 0; i < io_threads; ++i) iocs_.push_back(std::make_unique<asio::io_context>(1));
  for (const auto& lo : options_.listeners) {
    Status st = OpenListener(lo);
    if (!st.ok()) {
      listeners_.clear();  // closes the acceptors opened so far
      return st;
    }
  }
  // Workers block on Raft commits (a write waits for a quorum's fdatasync), not on the
  // CPU: measured on 2 cores, 4 workers capped a 3-node cluster at ~1.7k KV writes/s
  // (each worker waiting ~1.8 ms per write); see bench/RESULTS.md.
  int workers = options_.worker_threads > 0
                    ? options_.worker_threads
                    : std::max(64, 8 * static_cast<int>(std::thread::hardware_concurrency()));
  pool_ = std::make_unique<WorkerPool>(workers, options_.worker_queue_limit);
  session_ctx_ = std::make_unique<SessionContext>(SessionContext{handler_, *pool_, registry_});
  for (auto& ioc : iocs_) guards_.push_back(asio::make_work_guard(*ioc));
  for (auto& listener : listeners_) {
    asio::post(*iocs_[0], [this, l = listener.get()] { Accept(*l); });
  }
  for (auto& ioc : iocs_) threads_.emplace_back([this, ctx = ioc.get()] { RunIoThread(*ctx); });
  return Status::Ok();
}

Status Server::Impl::OpenListener(const ListenerOptions& options) {
  auto listener = std::make_unique<Listener>();
  listener->options = options;
  listener->limits = LimitsFor(options);
  if (!options.tls_disable) {
    auto tls = NewTlsContext(options);
    if (!tls) return tls.error();
    listener->SetTls(std::move(*tls));
  }
  auto endpoint = ResolveAddress(*iocs_[0], options.address);
  if (!endpoint) return endpoint.error();
  auto acceptor = std::make_unique<tcp::acceptor>(*iocs_[0]);
  boost::system::error_code ec;
  acceptor->open(endpoint->protocol(), ec);
  if (!ec) acceptor->set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor->bind(*endpoint, ec);
  if (!ec) acceptor->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return IoError("listen on " + options.address + ": " + ec.message());
  listener->port = acceptor->local_endpoint(ec).port();
  listener->acceptor = std::move(acceptor);
  listener->retry_timer = std::make_unique<asio::steady_timer>(*iocs_[0]);
  log::Info("http", "listening",
            {{"address", options.address},
             {"port", std::to_string(listener->port)},
             {"tls", options.tls_disable ? "disabled" : "enabled"}});
  listeners_.push_back(std::move(listener));
  return Status::Ok();
}

// Accepts onto the next io_context in turn; runs on iocs_[0], where the acceptors live.
void Server::Impl::Accept(Listener& listener) {
  auto& target = *iocs_[next_ioc_++ % iocs_.size()];
  listener.acceptor->async_accept(
      target, [this, &listener](boost::system::error_code ec, tcp::socket socket) {
        OnAccept(listener, ec, std::move(socket));
      });
}

void Server::Impl::OnAccept(Listener& listener, boost::system::error_code ec, tcp::socket socket) {
  if (ec == asio::error::operation_aborted || !listener.acceptor->is_open()) return;
  if (ec) {
    // EMFILE and friends: back off instead of spinning.
    log::Warn("http", "accept failed", {{"error", ec.message()}});
    listener.retry_timer->expires_after(kAcceptRetryDelay);
    listener.retry_timer->async_wait([this, &listener](boost::system::error_code wait_ec) {
      if (!wait_ec && listener.acceptor->is_open()) Accept(listener);
    });
    return;
  }
  boost::system::error_code opt_ec;
  socket.set_option(tcp::no_delay(true), opt_ec);
  if (listener.options.tls_disable) {
    StartPlainSession(*session_ctx_, listener.limits, std::move(socket));
  } else {
    StartTlsSession(*session_ctx_, listener.limits, std::move(socket), listener.Tls());
  }
  Accept(listener);
}

void Server::Impl::RunIoThread(asio::io_context& ioc) {
  for (;;) {
    try {
      ioc.run();
      return;
    } catch (const std::exception& e) {
      log::Error("http", "I/O handler failed", {{"error", e.what()}});
    }
  }
}

std::vector<uint16_t> Server::Impl::BoundPorts() const {
  std::vector<uint16_t> ports;
  for (const auto& l : listeners_) ports.push_back(l->port);
  return ports;
}

void Server::Impl::Stop() {
  {
    std::lock_guard<std::mutex> l(mu_);
    if (!started_ || stopped_) return;
    stopped_ = true;
  }
  std::vector<std::weak_ptr<SessionBase>> sessions = registry_.BeginStop();
  for (auto& listener : listeners_) {
    asio::post(*iocs_[0], [l = listener.get()] {
      boost::system::error_code ec;
      l->acceptor->close(ec);
      l->retry_timer->cancel();
    });
  }
  for (auto& weak : sessions) {
    if (auto s = weak.lock()) s->RequestShutdown();
  }
  // Without the guards each io_context returns once its connections are gone; a
  // request with a worker holds its io_context open until the response is written.
  guards_.clear();
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
  if (pool_) pool_->Shutdown();
  if (!threads_.empty()) log::Info("http", "stopped");
}

Status Server::Impl::ReloadTls() {
  Status first = Status::Ok();
  for (auto& listener : listeners_) {
    if (listener->options.tls_disable) continue;
    auto tls = NewTlsContext(listener->options);
    if (!tls) {
      log::Error("http", "TLS reload failed; keeping the old certificate",
                 {{"address", listener->options.address}, {"error", tls.error().message()}});
      if (first.ok()) first = tls.error();
      continue;
    }
    listener->SetTls(std::move(*tls));
  }
  return first;
}

Server::Server(core::Core& core, ServerOptions options)
    : impl_(std::make_unique<Impl>(core, std::move(options))) {}
Server::~Server() = default;
Status Server::Start() { return impl_->Start(); }
std::vector<uint16_t> Server::BoundPorts() const { return impl_->BoundPorts(); }
void Server::Stop() { impl_->Stop(); }
Status Server::ReloadTls() { return impl_->ReloadTls(); }

HttpResponse Server::HandleForwarded(const HttpRequest& request) {
  return impl_->handler().Handle(request);
}

}  // namespace coffer::http
