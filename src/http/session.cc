#include "http/session.h"

#include <unistd.h>

#include <array>
#include <exception>
#include <string>
#include <type_traits>

#include "base/log.h"
#include "base/worker_pool.h"
#include "http/handler.h"
#include "http/message.h"
#include "http/response.h"

namespace coffer::http {

namespace {

using PlainStream = beast::tcp_stream;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
constexpr size_t kReadChunk = 8192;
// After a final response the peer gets this long to finish (TLS close_notify, or the rest
// of an upload we refused).
constexpr auto kCloseGrace = std::chrono::seconds(1);
constexpr size_t kMaxDrainBytes = 256 * 1024;

bool HasCrLf(std::string_view s) { return s.find_first_of("\r\n") != std::string_view::npos; }

HttpRequest ToHttpRequest(bhttp::request<bhttp::string_body>& msg, const std::string& remote) {
  HttpRequest r;
  r.method = std::string(msg.method_string());
  r.target = std::string(msg.target());
  for (const auto& f : msg) {
    r.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
  }
  r.body = std::move(msg.body());
  r.remote_addr = remote;
  return r;
}

// The worker-side call. Exceptions must not escape into the pool's thread.
HttpResponse RunHandler(Handler& handler, const HttpRequest& request) {
  try {
    return handler.Handle(request);
  } catch (const std::exception& e) {
    log::Error("http", "request handler failed", {{"error", e.what()}});
    return ErrorResponse(500, "internal error");
  }
}

// One connection. Every member is touched only on the connection's io_context thread,
// except through RequestShutdown (which posts). Lifetime: shared_ptr held by pending
// operations and by the worker task of a request in flight.
template <class Stream>
class Session final : public SessionBase, public std::enable_shared_from_this<Session<Stream>> {
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;

 public:
  Session(SessionContext& ctx, const ConnectionLimits& limits, Stream stream,
          std::shared_ptr<asio::ssl::context> tls)
      : ctx_(ctx), limits_(limits), tls_(std::move(tls)), stream_(std::move(stream)) {
    beast::error_code ec;
    auto peer = Tcp().socket().remote_endpoint(ec);
    if (!ec) remote_addr_ = peer.address().to_string();
  }
  ~Session() override { ctx_.registry.Unregister(this); }

  asio::any_io_executor Executor() { return stream_.get_executor(); }

  void Start() {
    if constexpr (kTls) {
      Tcp().expires_after(limits_.header_timeout);
      stream_.async_handshake(asio::ssl::stream_base::server,
                              [self = Self()](beast::error_code ec) {
                                if (ec) return self->Close();
                                self->WaitForRequest();
                              });
    } else {
      WaitForRequest();
    }
  }

  void RequestShutdown() override {
    asio::post(stream_.get_executor(), [self = Self()] {
      self->closing_ = true;
      if (!self->busy_) self->Close();
    });
  }

 private:
  std::shared_ptr<Session> Self() { return this->shared_from_this(); }
  beast::tcp_stream& Tcp() { return beast::get_lowest_layer(stream_); }

  // Waits for the first byte of the next request under the idle deadline (the header
  // deadline for a connection's first request), so that a quiet keep-alive connection
  // is not cut off by the much shorter header timeout.
  void WaitForRequest() {
    if (closing_) return Close();
    parser_.emplace();
    parser_->header_limit(limits_.header_limit);
    // The body limit is applied once the header is in (ApplyBodyLimit): snapshot uploads
    // are spooled to disk and have none.
    parser_->body_limit(boost::none);
    version_ = 11;
    keep_alive_ = false;
    head_ = false;
    if (buffer_.size() > 0) return ReadHeader();
    Tcp().expires_after(first_ ? limits_.header_timeout : limits_.idle_timeout);
    stream_.async_read_some(buffer_.prepare(kReadChunk),
                            [self = Self()](beast::error_code ec, size_t n) {
                              self->buffer_.commit(n);
                              if (ec) return self->Close();
                              self->ReadHeader();
                            });
  }

  void ReadHeader() {
    request_start_ = std::chrono::steady_clock::now();
    Tcp().expires_after(limits_.header_timeout);
    bhttp::async_read_header(stream_, buffer_, *parser_,
                             [self = Self()](beast::error_code ec, size_t) { self->OnHeader(ec); });
  }

  void OnHeader(beast::error_code ec) {
    if (ec) return OnReadError(ec);
    auto& req = parser_->get();
    if (limits_.body_limit && !SpoolsBodyToFile(req.method_string(), req.target())) {
      auto length = parser_->content_length();
      if (length && *length > *limits_.body_limit) return OnReadError(bhttp::error::body_limit);
      parser_->body_limit(*limits_.body_limit);  // chunked bodies count as they arrive
    }
    version_ = req.version();
    keep_alive_ = req.keep_alive();
    head_ = req.method() == bhttp::verb::head;
    Tcp().expires_at(request_start_ + limits_.read_timeout);
    if (version_ >= 11 && !parser_->is_done() &&
        beast::iequals(req[bhttp::field::expect], "100-continue")) {
      asio::async_write(stream_, asio::buffer(kContinue.data(), kContinue.size()),
                        [self = Self()](beast::error_code ec, size_t) {
                          if (ec) return self->Close();
                          self->ReadBody();
                        });
      return;
    }
    ReadBody();
  }

  void ReadBody() {
    const auto& req = parser_->get();
    if (!parser_->is_done() && SpoolsBodyToFile(req.method_string(), req.target())) {
      return SpoolBody();
    }
    bhttp::async_read(stream_, buffer_, *parser_, [self = Self()](beast::error_code ec, size_t) {
      if (ec) return self->OnReadError(ec);
      self->Dispatch();
    });
  }

  // A snapshot upload: the body goes to a file as it arrives (no size limit beyond the
  // disk's), so it never sits whole in memory.
  void SpoolBody() {
    std::string path = NewSpoolFile();
    if (path.empty()) return Respond(ErrorResponse(500, "cannot create a spool file"), true);
    file_parser_.emplace(std::move(*parser_));
    parser_.reset();
    file_parser_->body_limit(boost::none);
    beast::error_code ec;
    file_parser_->get().body().open(path.c_str(), beast::file_mode::write, ec);
    if (ec) {
      ::unlink(path.c_str());
      return Respond(ErrorResponse(500, "cannot open a spool file"), true);
    }
    bhttp::async_read(
        stream_, buffer_, *file_parser_, [self = Self(), path](beast::error_code ec, size_t) {
          if (ec) {
            self->file_parser_.reset();
            ::unlink(path.c_str());
            return self->OnReadError(ec);
          }
          auto msg = self->file_parser_->release();
          self->file_parser_.reset();
          msg.body().close();
          HttpRequest request;
          request.method = std::string(msg.method_string());
          request.target = std::string(msg.target());
          for (const auto& f : msg) {
            request.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
          }
          request.remote_addr = self->remote_addr_;
          request.body_file = path;
          self->DispatchRequest(std::move(request));
        });
  }

  void OnReadError(beast::error_code ec) {
    if (ec == bhttp::error::body_limit) {
      return Respond(ErrorResponse(413, "http: request body too large"), /*close=*/true);
    }
    if (ec == bhttp::error::header_limit) {
      return Respond(ErrorResponse(431, "request header fields too large"), /*close=*/true);
    }
    bool malformed = ec.category() == bhttp::make_error_code(bhttp::error::bad_method).category() &&
                     ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message;
    if (malformed) return Respond(ErrorResponse(400, "malformed HTTP request"), /*close=*/true);
    Close();  // peer closed, timed out, reset, or shutdown
  }

  // Hands the complete request to a worker; the response comes back through Respond on
  // this connection's io_context (the tracked executor keeps that io_context running).
  void Dispatch() {
    auto msg = parser_->release();
    DispatchRequest(ToHttpRequest(msg, remote_addr_));
  }

  void DispatchRequest(HttpRequest request) {
    request.unauthenticated_metrics_access = limits_.unauthenticated_metrics_access;
    busy_ = true;
    Tcp().expires_never();
    auto self = Self();
    auto exec = asio::prefer(stream_.get_executor(), asio::execution::outstanding_work.tracked);
    std::string spooled = request.body_file;
    bool queued = ctx_.pool.TrySubmit([self, exec, request = std::move(request)] {
      HttpResponse response = RunHandler(self->ctx_.handler, request);
      if (!request.body_file.empty()) ::unlink(request.body_file.c_str());
      asio::post(exec, [self, response = std::move(response)]() mutable {
        self->Respond(std::move(response), /*close=*/false);
      });
    });
    if (!queued) {
      if (!spooled.empty()) ::unlink(spooled.c_str());
      Respond(ErrorResponse(503, "server is busy"), /*close=*/false);
    }
  }

  void Respond(HttpResponse r, bool close) {
    if (r.status < 100 || r.status > 999) r = ErrorResponse(500, "invalid response status");
    busy_ = true;
    res_ = {};
    res_.version(version_);
    res_.result(static_cast<unsigned>(r.status));
    for (const auto& [name, value] : r.headers) {
      if (name.empty() || HasCrLf(name) || HasCrLf(value)) continue;  // no header injection
      res_.insert(name, value);
    }
    bool bodiless = head_ || r.status < 200 || r.status == 204 || r.status == 304;
    if (!r.body_file.empty()) {
      // Open, then unlink: the descriptor keeps the data until the write is done.
      bhttp::file_body::value_type file;
      beast::error_code ec;
      file.open(r.body_file.c_str(), beast::file_mode::scan, ec);
      ::unlink(r.body_file.c_str());
      if (ec) return Respond(ErrorResponse(500, "cannot read the response file"), close);
      if (!bodiless) return RespondFile(std::move(file), close);
    }
    if (!bodiless) res_.body() = std::move(r.body);
    bool keep = keep_alive_ && !close && !closing_;
    res_.keep_alive(keep);
    res_.prepare_payload();
    Tcp().expires_after(limits_.request_timeout);
    bhttp::async_write(stream_, res_, [self = Self(), keep, close](beast::error_code ec, size_t) {
      self->OnWrite(ec, keep, /*refused=*/close);
    });
  }

  // Respond's tail for a body sent from a file (res_ holds the status and headers).
  void RespondFile(bhttp::file_body::value_type file, bool close) {
    file_res_.emplace(bhttp::response_header<>(res_.base()));
    file_res_->body() = std::move(file);
    bool keep = keep_alive_ && !close && !closing_;
    file_res_->keep_alive(keep);
    file_res_->prepare_payload();
    Tcp().expires_after(limits_.request_timeout);
    bhttp::async_write(stream_, *file_res_,
                       [self = Self(), keep, close](beast::error_code ec, size_t) {
                         self->file_res_.reset();
                         self->OnWrite(ec, keep, /*refused=*/close);
                       });
  }

  void OnWrite(beast::error_code ec, bool keep, bool refused) {
    busy_ = false;
    if (ec) return Close();
    if (!keep || closing_) return CloseGracefully(refused);
    first_ = false;
    WaitForRequest();
  }

  // After the final response. When we refused a request part-way (413, 400) the peer
  // may still be sending: drain for a while so our close does not reset the response
  // away. TLS always sends close_notify.
  void CloseGracefully(bool refused) {
    Tcp().expires_after(kCloseGrace);
    if constexpr (kTls) {
      stream_.async_shutdown([self = Self()](beast::error_code) { self->Close(); });
    } else {
      beast::error_code ec;
      Tcp().socket().shutdown(tcp::socket::shutdown_send, ec);
      if (ec || !refused) return Close();
      Drain();
    }
  }

  // Reads and discards what the peer still sends after our final response.
  void Drain() {
    stream_.async_read_some(asio::buffer(drain_), [self = Self()](beast::error_code ec, size_t n) {
      self->drained_ += n;
      if (ec || self->drained_ > kMaxDrainBytes) return self->Close();
      self->Drain();
    });
  }

  void Close() {
    beast::error_code ec;
    Tcp().socket().shutdown(tcp::socket::shutdown_both, ec);
    Tcp().close();
  }

  SessionContext& ctx_;
  const ConnectionLimits& limits_;
  std::shared_ptr<asio::ssl::context> tls_;  // outlives stream_ (declared before it)
  Stream stream_;
  std::string remote_addr_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  std::optional<bhttp::request_parser<bhttp::file_body>> file_parser_;  // spooled upload
  bhttp::response<bhttp::string_body> res_;
  std::optional<bhttp::response<bhttp::file_body>> file_res_;  // a response from a file
  std::chrono::steady_clock::time_point request_start_;
  unsigned version_ = 11;
  bool keep_alive_ = false;
  bool head_ = false;
  bool first_ = true;     // no request answered yet
  bool busy_ = false;     // a request is with a worker or its response is being written
  bool closing_ = false;  // Stop(): close once the current response is written
  std::array<char, 4096> drain_{};
  size_t drained_ = 0;
};

template <class S>
void Launch(SessionContext& ctx, std::shared_ptr<S> session) {
  if (!ctx.registry.Register(session.get(), session)) return;  // stopping: drop it
  asio::post(session->Executor(), [session] { session->Start(); });
}

}  // namespace

bool SessionRegistry::Register(SessionBase* key, std::weak_ptr<SessionBase> session) {
  std::lock_guard<std::mutex> l(mu_);
  if (stopping_) return false;
  sessions_.emplace(key, std::move(session));
  return true;
}

void SessionRegistry::Unregister(SessionBase* key) {
  std::lock_guard<std::mutex> l(mu_);
  sessions_.erase(key);
}

std::vector<std::weak_ptr<SessionBase>> SessionRegistry::BeginStop() {
  std::lock_guard<std::mutex> l(mu_);
  stopping_ = true;
  std::vector<std::weak_ptr<SessionBase>> out;
  out.reserve(sessions_.size());
  for (auto& [key, session] : sessions_) out.push_back(session);
  return out;
}

void StartPlainSession(SessionContext& ctx, const ConnectionLimits& limits, tcp::socket socket) {
  Launch(ctx, std::make_shared<Session<PlainStream>>(ctx, limits, PlainStream(std::move(socket)),
                                                     nullptr));
}

void StartTlsSession(SessionContext& ctx, const ConnectionLimits& limits, tcp::socket socket,
                     std::shared_ptr<asio::ssl::context> tls) {
  TlsStream stream(beast::tcp_stream(std::move(socket)), *tls);
  Launch(ctx, std::make_shared<Session<TlsStream>>(ctx, limits, std::move(stream), std::move(tls)));
}

}  // namespace coffer::http
