#pragma once
// A deliberately small HTTP/1.1 client for http/ tests: a raw POSIX socket (optionally
// wrapped in OpenSSL) so tests can send byte-exact, pipelined, slow or malformed
// requests and observe when the server closes. Not thread-safe; one per test thread.

#include <openssl/ssl.h>

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/json.h"

namespace coffer::http::testing {

struct RawResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
  Json json() const { return Json::parse(body); }
  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
};

class TestConnection {
 public:
  // A TCP connection to 127.0.0.1:port; nullptr if it cannot connect.
  static std::unique_ptr<TestConnection> Connect(uint16_t port);
  // A TLS connection that does not verify the server (tests inspect the certificate).
  // nullptr (and *error set) when the handshake fails.
  static std::unique_ptr<TestConnection> ConnectTls(uint16_t port, int min_version, int max_version,
                                                    std::string* error);
  ~TestConnection();

  bool Send(std::string_view data);
  // Reads one response. For HEAD requests pass head=true (no body follows).
  std::optional<RawResponse> Read(std::chrono::milliseconds timeout = std::chrono::seconds(10),
                                  bool head = false);
  // Send + Read.
  std::optional<RawResponse> RoundTrip(std::string_view request, bool head = false);
  // True when the server closes the connection (EOF or reset) within timeout; bytes
  // that arrive meanwhile are discarded.
  bool WaitForClose(std::chrono::milliseconds timeout);
  // The server's certificate (TLS only), PEM.
  std::string PeerCertificatePem() const;

 private:
  TestConnection(int fd, SSL_CTX* ctx, SSL* ssl) : fd_(fd), ctx_(ctx), ssl_(ssl) {}
  enum class Fill { kData, kClosed, kTimeout };
  Fill ReadMore(std::chrono::steady_clock::time_point deadline);

  int fd_;
  SSL_CTX* ctx_;
  SSL* ssl_;
  std::string buf_;
};

// "METHOD target HTTP/1.1" with Host, the given headers, Content-Length (when a body is
// given or the method is a write) and the body.
std::string FormatRequest(std::string_view method, std::string_view target,
                          const std::vector<std::pair<std::string, std::string>>& headers = {},
                          std::string_view body = {});

}  // namespace coffer::http::testing
