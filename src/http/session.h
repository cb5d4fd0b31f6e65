#pragma once
// Internal to http/: one accepted connection (plain or TLS) and the registry the server
// uses to reach every live connection on Stop(). Includes Boost: only server.cc and
// session.cc may include this header.

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <vector>

#include "http/asio.h"

namespace coffer {
class WorkerPool;
}

namespace coffer::http {

class Handler;

// The per-listener limits a connection applies (resolved from ListenerOptions).
struct ConnectionLimits {
  std::optional<uint64_t> body_limit;  // nullopt: unlimited
  uint32_t header_limit = 1 << 20;
  std::chrono::steady_clock::duration header_timeout = std::chrono::seconds(10);
  std::chrono::steady_clock::duration idle_timeout = std::chrono::minutes(5);
  std::chrono::steady_clock::duration request_timeout = std::chrono::seconds(90);
  // The whole request (header and body) must be in within this of its first byte.
  std::chrono::steady_clock::duration read_timeout = std::chrono::seconds(30);
  // Not a limit: the listener's telemetry { unauthenticated_metrics_access }, copied onto
  // each request (HttpRequest::unauthenticated_metrics_access).
  bool unauthenticated_metrics_access = false;
};

class SessionBase {
 public:
  virtual ~SessionBase() = default;
  // Asks the connection to finish: an idle one closes now, one with a request in flight
  // closes after writing its response. Posts itself to the connection's io_context.
  virtual void RequestShutdown() = 0;
};

// Live connections. Thread-safe.
class SessionRegistry {
 public:
  // False once stopping: the caller drops the connection.
  bool Register(SessionBase* key, std::weak_ptr<SessionBase> session);
  void Unregister(SessionBase* key);
  // Refuses further registrations and returns the live connections.
  std::vector<std::weak_ptr<SessionBase>> BeginStop();

 private:
  std::mutex mu_;
  bool stopping_ = false;                                                  // guarded by mu_
  std::unordered_map<SessionBase*, std::weak_ptr<SessionBase>> sessions_;  // guarded by mu_
};

// What a connection needs from its server; outlives every connection.
struct SessionContext {
  Handler& handler;
  WorkerPool& pool;
  SessionRegistry& registry;
};

// Start serving an accepted socket (bound to its own io_context). Called on any thread.
// `limits` must outlive the connection.
void StartPlainSession(SessionContext& ctx, const ConnectionLimits& limits, tcp::socket socket);
void StartTlsSession(SessionContext& ctx, const ConnectionLimits& limits, tcp::socket socket,
                     std::shared_ptr<asio::ssl::context> tls);

}  // namespace coffer::http
