#pragma once
// FakeServer: a minimal HTTP/1.1 server on 127.0.0.1 (port chosen by the kernel) for tests
// of api::Client and the CLI. One thread serves one connection at a time; every reply
// closes its connection. Requests are recorded so tests can check what was sent.
// Test-only code: it is linked into test binaries, never into coffer.

#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace coffer::api::testing {

struct FakeRequest {
  std::string method;
  std::string target;  // path and query as sent, e.g. /v1/secret/foo?version=2
  std::string path;    // target without the query
  std::string query;   // after '?', or ""
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;

  std::string Header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? "" : it->second;
  }
};

struct FakeReply {
  int status = 200;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

class FakeServer {
 public:
  using Handler = std::function<FakeReply(const FakeRequest&)>;

  explicit FakeServer(Handler handler);
  ~FakeServer();
  FakeServer(const FakeServer&) = delete;
  FakeServer& operator=(const FakeServer&) = delete;

  // "http://127.0.0.1:<port>"; empty if the server could not start.
  std::string address() const { return address_; }
  std::vector<FakeRequest> requests() const;
  void ClearRequests();

 private:
  void Serve();
  void HandleConnection(int fd);

  Handler handler_;
  int listen_fd_ = -1;
  std::string address_;
  std::atomic<bool> stop_{false};
  mutable std::mutex mu_;
  std::vector<FakeRequest> requests_;
  std::thread thread_;
};

}  // namespace coffer::api::testing
