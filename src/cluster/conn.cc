#include "cluster/conn.h"

#include <charconv>

namespace coffer::cluster {

namespace {

void SetSocketOptions(asio::ssl::stream<tcp::socket>::lowest_layer_type& s) {
  boost::system::error_code ec;
  s.set_option(tcp::no_delay(true), ec);
  s.set_option(asio::socket_base::keep_alive(true), ec);
}

// "host:port" or "[v6]:port" → host and port text; false when malformed.
bool SplitHostPort(const std::string& address, std::string* host, std::string* port) {
  size_t colon = address.rfind(':');
  if (colon == std::string::npos || colon == 0) return false;
  *host = address.substr(0, colon);
  *port = address.substr(colon + 1);
  if (host->size() >= 2 && host->front() == '[' && host->back() == ']') {
    *host = host->substr(1, host->size() - 2);
  }
  unsigned p = 0;
  auto [end, ec] = std::from_chars(port->data(), port->data() + port->size(), p);
  return ec == std::errc() && end == port->data() + port->size() && p > 0 && p <= 65535;
}

}  // namespace

Conn::Conn(ConnOwner& owner, asio::io_context& ioc, std::shared_ptr<asio::ssl::context> tls,
           const ConnLimits& limits, std::string address)
    : owner_(owner),
      limits_(limits),
      tls_(std::move(tls)),
      stream_(ioc, *tls_),
      resolver_(ioc),
      wake_(ioc),
      address_(std::move(address)),
      outbound_(true),
      created_(Clock::now()),
      last_read_(created_),
      last_write_(created_) {}

Conn::Conn(ConnOwner& owner, tcp::socket socket, std::shared_ptr<asio::ssl::context> tls,
           const ConnLimits& limits)
    : owner_(owner),
      limits_(limits),
      tls_(std::move(tls)),
      stream_(std::move(socket), *tls_),
      resolver_(stream_.get_executor()),
      wake_(stream_.get_executor()),
      outbound_(false),
      created_(Clock::now()),
      last_read_(created_),
      last_write_(created_) {
  boost::system::error_code ec;
  auto peer = stream_.lowest_layer().remote_endpoint(ec);
  if (!ec) address_ = peer.address().to_string() + ":" + std::to_string(peer.port());
}

Conn::~Conn() = default;

void Conn::Start() {
  // Deferred, so that no callback reaches the owner before Start returns.
  asio::post(stream_.get_executor(), [self = shared_from_this()] {
    asio::co_spawn(self->stream_.get_executor(), self->Run(self), asio::detached);
  });
}

static FrameKind KindOf(const std::string& frame) { return static_cast<FrameKind>(frame[4]); }

void Conn::EnqueueFrame(std::string frame) {
  if (closed_) {
    owner_.OnWritten(*this, KindOf(frame), frame.size(), false);
    return;
  }
  queue_.push_back(std::move(frame));
  queued_bytes_ += queue_.back().size();
  wake_.cancel();
}

void Conn::Close() {
  if (closed_) return;
  closed_ = true;
  boost::system::error_code ec;
  resolver_.cancel();
  stream_.lowest_layer().close(ec);
  wake_.cancel();
  std::deque<std::string> dropped;
  dropped.swap(queue_);
  queued_bytes_ = 0;
  for (const std::string& frame : dropped) {
    owner_.OnWritten(*this, KindOf(frame), frame.size(), false);
  }
}

void Conn::CheckDeadlines(Clock::time_point now) {
  if (closed_) return;
  if (!ready_) {
    if (now - created_ > limits_.handshake_timeout) Close();
    return;
  }
  if (write_started_ != Clock::time_point{} && now - write_started_ > limits_.write_timeout) {
    return Close();
  }
  if (!outbound_ && now - last_read_ > limits_.idle_timeout) return Close();
  if (outbound_ && queue_.empty() && write_started_ == Clock::time_point{} &&
      now - last_write_ > limits_.ping_interval) {
    Enqueue(FrameKind::kPing, {});
  }
}

asio::awaitable<bool> Conn::Dial() {
  std::string host, port;
  if (!SplitHostPort(address_, &host, &port)) co_return false;
  auto [rec, endpoints] = co_await resolver_.async_resolve(host, port, kAwait);
  if (rec || closed_) co_return false;
  auto [cec, ep] = co_await asio::async_connect(stream_.lowest_layer(), endpoints, kAwait);
  co_return !cec && !closed_;
}

asio::awaitable<void> Conn::Run(std::shared_ptr<Conn> self) {
  bool ok = true;
  if (outbound_) ok = co_await Dial();
  if (ok && !closed_) {
    SetSocketOptions(stream_.lowest_layer());
    auto [ec] = co_await stream_.async_handshake(
        outbound_ ? asio::ssl::stream_base::client : asio::ssl::stream_base::server, kAwait);
    ok = !ec && !closed_;
  }
  if (ok) {
    ready_ = true;
    ready_at_ = last_read_ = last_write_ = Clock::now();
    owner_.OnReady(self);
    asio::co_spawn(stream_.get_executor(), WriteLoop(self), asio::detached);
    std::array<char, kFrameHeaderBytes> header;
    while (!closed_) {
      auto [hec, hn] = co_await asio::async_read(stream_, asio::buffer(header), kAwait);
      if (hec || closed_) break;
      uint32_t len = 0;
      for (int i = 0; i < 4; ++i) len = (len << 8) | static_cast<uint8_t>(header[i]);
      if (len > limits_.max_frame_bytes) break;
      std::string payload(len, '\0');
      if (len > 0) {
        auto [pec, pn] = co_await asio::async_read(stream_, asio::buffer(payload), kAwait);
        if (pec || closed_) break;
      }
      last_read_ = Clock::now();
      auto kind = static_cast<FrameKind>(static_cast<uint8_t>(header[4]));
      if (!owner_.OnFrame(self, kind, std::move(payload))) break;
    }
  }
  Close();
  if (!close_reported_) {
    close_reported_ = true;
    owner_.OnClosed(self);
  }
}

asio::awaitable<void> Conn::WriteLoop([[maybe_unused]] std::shared_ptr<Conn> self) {
  while (!closed_) {
    if (queue_.empty()) {
      wake_.expires_at(asio::steady_timer::time_point::max());
      co_await wake_.async_wait(kAwait);
      continue;
    }
    std::string frame = std::move(queue_.front());
    queue_.pop_front();
    write_started_ = Clock::now();
    auto [ec, n] = co_await asio::async_write(stream_, asio::buffer(frame), kAwait);
    write_started_ = Clock::time_point{};
    last_write_ = Clock::now();
    if (!closed_) queued_bytes_ -= frame.size();
    owner_.OnWritten(*this, KindOf(frame), frame.size(), !ec);
    if (ec) break;
  }
  Close();
}

}  // namespace coffer::cluster
