#pragma once
// HttpRequest / HttpResponse: the plain, Beast-free form of one HTTP exchange. The
// server converts Beast messages to and from these so that request building, routing,
// the sealed-state handlers and response rendering compile and test without Asio.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace coffer::http {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
  std::string method;  // as received: "GET", "LIST", ...
  std::string target;  // origin-form: "/v1/secret/foo?list=true"
  HeaderList headers;  // names as received; repeated headers stay separate entries
  std::string body;
  std::string remote_addr;  // peer IP address, without the port
  // Raw uploads that may exceed memory (sys/storage/raft/snapshot) are spooled by the
  // session to this file (mode 0600, removed after the handler ran) instead of `body`.
  std::string body_file;
  // Set by the session from its listener's telemetry { unauthenticated_metrics_access }.
  bool unauthenticated_metrics_access = false;
};

struct HttpResponse {
  int status = 200;
  HeaderList headers;
  std::string body;
  // Sent from this file instead of `body` (then removed): large downloads
  // (sys/storage/raft/snapshot) never sit whole in memory.
  std::string body_file;
};

// True for the requests whose body the session spools to a file (HttpRequest::body_file).
bool SpoolsBodyToFile(std::string_view method, std::string_view target);

// A new empty file (mode 0600) in the temporary directory for a spooled body; empty on
// failure.
std::string NewSpoolFile();

// An error found while interpreting a request: the HTTP status and Vault's error text.
// An empty message renders as {"errors":[]}.
struct HttpError {
  int status = 400;
  std::string message;
};

// The value of the first header named `name` (ASCII case-insensitive), or nullptr.
const std::string* FindHeader(const HeaderList& headers, std::string_view name);

// ASCII case-insensitive equality.
bool EqualsIgnoreCase(std::string_view a, std::string_view b);

}  // namespace coffer::http
