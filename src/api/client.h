#pragma once
// api::Client: a small client of Vault's HTTP API (/v1/...) over libcurl, used by the CLI
// and by tests. Mirrors the behaviour of hashicorp/vault's api package where clients rely
// on it: headers (X-Vault-Token, X-Vault-Request, X-Vault-Wrap-TTL, X-Vault-Namespace), the
// LIST verb, 307 redirects from standbys, and Vault's error text for non-2xx replies.
//
// Thread-safety: a Client may be used from one thread at a time; distinct Clients are
// independent. Each request uses its own curl handle.

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/json.h"
#include "base/status.h"

namespace coffer::api {

// The value of COFFER_<name>, else VAULT_<name>, else "" (COFFER_* wins even when empty
// values are ignored: an empty variable counts as unset).
std::string GetEnv(std::string_view name);

// Go's strconv.ParseBool: 1 t T TRUE true True 0 f F FALSE false False.
std::optional<bool> ParseBool(std::string_view s);

struct ClientConfig {
  std::string address = "https://127.0.0.1:8200";  // Vault's default
  std::string token;
  std::string ca_cert;      // PEM bundle file
  std::string ca_path;      // directory of PEM files
  std::string client_cert;  // PEM file, for TLS client authentication
  std::string client_key;   // PEM file
  bool tls_skip_verify = false;
  std::string tls_server_name;  // SNI and certificate name, when it differs from the host
  std::string namespace_;       // X-Vault-Namespace
  std::chrono::milliseconds timeout{60000};
  std::string wrap_ttl;  // X-Vault-Wrap-TTL on every request that allows wrapping
  std::vector<std::pair<std::string, std::string>> headers;  // extra request headers

  // Reads COFFER_ADDR, COFFER_TOKEN, COFFER_CACERT, COFFER_CAPATH, COFFER_CLIENT_CERT,
  // COFFER_CLIENT_KEY, COFFER_SKIP_VERIFY, COFFER_TLS_SERVER_NAME, COFFER_NAMESPACE,
  // COFFER_CLIENT_TIMEOUT, COFFER_WRAP_TTL, each falling back to its VAULT_* twin.
  // Unparsable values are ignored (the default stays). The token helper is not read here.
  static ClientConfig FromEnvironment();
};

struct Response {
  int status = 0;
  Json body;                                   // the parsed JSON body; null when empty or not JSON
  std::string raw_body;                        // the body as received
  std::map<std::string, std::string> headers;  // names lower-cased
};

using QueryParams = std::vector<std::pair<std::string, std::string>>;

struct RequestOptions {
  bool allow_wrapping = true;  // false: never send X-Vault-Wrap-TTL (e.g. KV preflight)
  std::string content_type = "application/json";
};

// Vault's error text for a non-2xx reply:
//   Error making API request.\n\nURL: GET <url>\nCode: 403. Errors:\n\n* permission denied
// A body without an "errors" list is shown as "Raw Message:" followed by the body.
std::string FormatApiError(std::string_view method, std::string_view url, int status,
                           std::string_view raw_body);

// The StatusCode for an HTTP status (403 → kPermissionDenied, 404 → kNotFound, ...).
StatusCode StatusCodeForHttp(int http_status);

class Client {
 public:
  explicit Client(ClientConfig config);

  const ClientConfig& config() const { return config_; }
  const std::string& token() const { return config_.token; }
  void SetToken(std::string token) { config_.token = std::move(token); }
  void SetWrapTtl(std::string ttl) { config_.wrap_ttl = std::move(ttl); }

  // The full URL for path (without /v1/) and query, as sent on the wire.
  std::string Url(std::string_view path, const QueryParams& query = {}) const;

  // Sends one request. Every HTTP status comes back as a Response; only transport failures
  // (connection refused, TLS, timeout, bad address) are errors (kUnavailable).
  Result<Response> RawRequest(std::string_view method, std::string_view path, const Json* body,
                              const QueryParams& query = {},
                              const RequestOptions& options = {}) const;

  // As RawRequest, but a status outside 200..299 is an error whose code follows
  // StatusCodeForHttp and whose message is FormatApiError's text.
  Result<Response> Request(std::string_view method, std::string_view path, const Json* body,
                           const QueryParams& query = {}, const RequestOptions& options = {}) const;

  // Vault's api.Logical helpers. A reply with no body (204) is std::nullopt.
  // Read and List also return std::nullopt on 404, unless the 404 body carries data or
  // warnings (KV v2 answers a deleted version that way), which is then returned.
  Result<std::optional<Json>> Read(std::string_view path, const QueryParams& query = {}) const;
  Result<std::optional<Json>> List(std::string_view path) const;
  Result<std::optional<Json>> Write(std::string_view path, const Json& body,
                                    std::string_view method = "PUT") const;
  Result<std::optional<Json>> Delete(std::string_view path, const QueryParams& query = {}) const;

  // Streaming, for bodies too large to hold in memory (Raft snapshots).
  //
  // Download: as Request, but a 2xx reply's body is handed to `sink` chunk by chunk as it
  // arrives (the Response's raw_body and body stay empty); a sink error aborts the transfer
  // and is returned. Other replies are collected and returned as Request's errors.
  using BodySink = std::function<Status(std::string_view chunk)>;
  Result<Response> Download(std::string_view method, std::string_view path,
                            const BodySink& sink) const;
  // Upload: as Request, with the contents of the open file `fd` (from offset 0, `size`
  // bytes) streamed as the raw request body, Content-Type application/octet-stream. The file
  // is read with pread, so a 307 redirect re-sends it from the start.
  Result<Response> Upload(std::string_view method, std::string_view path, int fd,
                          int64_t size) const;

 private:
  ClientConfig config_;
};

}  // namespace coffer::api
