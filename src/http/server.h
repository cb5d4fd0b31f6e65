#pragma once
// http::Server: Coffer's HTTP API listeners (Vault's `listener "tcp"` stanzas).
//
// Threads: `io_threads` threads each run their own io_context; an accepted connection is
// assigned round-robin to one of them and lives there (its handlers never run
// concurrently). A complete request is handed to a bounded pool of `worker_threads`
// where Handler/Core run as blocking code; the response is posted back to the
// connection's io_context and written there. Nothing blocks on an I/O thread.
//
// Connections: HTTP/1.1 with keep-alive, TCP_NODELAY, optional TLS (an SSL_CTX built by
// crypto::NewServerTlsContext, swapped by ReloadTls). A request body larger than
// max_request_size is answered 413 and the connection closed. Deadlines (Beast
// tcp_stream expiry): the TLS handshake and request header must arrive within
// header_read_timeout, the whole request (header and body) within read_timeout of its
// first byte, an idle keep-alive connection is closed after idle_timeout, and writing the
// response must finish within max_request_duration. A full worker queue answers 503.
//
// This header does not include Boost; the implementation is private.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "http/handler.h"
#include "http/message.h"

namespace coffer::core {
class Core;
}
namespace coffer::crypto {
class Random;
}

namespace coffer::http {

// One listener; the fields mirror Vault's listener "tcp" stanza (config::Listener is
// converted to this by the server wiring; http/ does not depend on config/).
struct ListenerOptions {
  std::string address = "127.0.0.1:8200";  // "host:port", "[::1]:8200", ":8200"; port 0 = any
  bool tls_disable = false;
  std::string tls_cert_file;
  std::string tls_key_file;
  std::string tls_min_version = "tls12";
  std::string tls_max_version = "tls13";
  std::vector<std::string> tls_cipher_suites;
  std::string tls_client_ca_file;
  bool tls_require_and_verify_client_cert = false;
  bool tls_disable_client_certs = false;
  // Bytes; 0 means Vault's default (32 MiB), negative means no limit.
  int64_t max_request_size = 32 << 20;
  // Deadline to read a request body and to write a response; 0 means Vault's 90 s.
  std::chrono::milliseconds max_request_duration = std::chrono::seconds(90);
  // Deadline for the TLS handshake and each request's header (http_read_header_timeout);
  // 0 falls back to max_request_duration (never unbounded).
  std::chrono::milliseconds header_read_timeout = std::chrono::seconds(10);
  // A keep-alive connection waiting for its next request is closed after this
  // (http_idle_timeout); 0 falls back to max_request_duration.
  std::chrono::milliseconds idle_timeout = std::chrono::minutes(5);
  // Deadline for a whole request, header and body, from its first byte (Vault's
  // http_read_timeout); capped by max_request_duration, 0 falls back to it.
  std::chrono::milliseconds read_timeout = std::chrono::seconds(30);
  uint32_t max_header_bytes = 1 << 20;  // Go's http.DefaultMaxHeaderBytes; larger → 431
  // GET sys/metrics without a token, answered by http/ itself even on a standby.
  bool unauthenticated_metrics_access = false;
};

struct ServerOptions {
  std::vector<ListenerOptions> listeners;
  int io_threads = 2;
  int worker_threads = 0;            // 0: max(64, 8 × hardware_concurrency()) (they block on I/O)
  size_t worker_queue_limit = 1024;  // requests waiting for a worker; beyond → 503
  crypto::Random* random = nullptr;  // request ids; null: crypto::SystemRandom::Get()
  // On a standby: how requests reach the active node (the cluster port).
  Forwarder forward;
};

class Server {
 public:
  // `core` must outlive the server.
  Server(core::Core& core, ServerOptions options);
  ~Server();  // Stop()
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Builds TLS contexts, binds and listens on every listener, then starts the threads.
  // On error nothing is left listening. Call once.
  Status Start();

  // The bound port of each listener, in ServerOptions::listeners order (after Start).
  std::vector<uint16_t> BoundPorts() const;

  // Graceful: stops accepting, closes idle connections, lets requests already read
  // finish and their responses be written, then joins all threads. Idempotent.
  void Stop();

  // Rebuilds each TLS listener's context from its files (SIGHUP). New connections use
  // the new context; established ones keep theirs. A listener whose files fail to load
  // keeps its old context; the first such error is returned.
  Status ReloadTls();

  // Runs a request a standby forwarded to this node through the same handler as a
  // request from a listener. Blocking: call it on a worker thread.
  HttpResponse HandleForwarded(const HttpRequest& request);

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace coffer::http
