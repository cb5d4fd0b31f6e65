#include "api/client.h"

#include <curl/curl.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <memory>
#include <mutex>

namespace coffer::api {
namespace {

constexpr int kMaxRedirects = 3;

void GlobalInitOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// Go's url.URL path escaping: unreserved characters, '/' and the sub-delimiters Go allows in
// a path stay as they are; everything else is percent-encoded.
std::string EscapePath(std::string_view path) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : path) {
    if (std::isalnum(c) ||
        std::string_view("-._~/$&+,:;=@").find(static_cast<char>(c)) != std::string_view::npos) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string EscapeQuery(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else if (c == ' ') {
      out += '+';
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

bool IsUnixAddress(std::string_view address) { return address.rfind("unix://", 0) == 0; }

// Where a request body comes from and where a reply body goes. By default the body is the
// buffered payload and the reply is collected in Response::raw_body.
struct Streams {
  int upload_fd = -1;  // >= 0: the request body is this file's first upload_size bytes
  int64_t upload_size = 0;
  const Client::BodySink* sink = nullptr;  // non-null: a 2xx reply body goes here
};

struct BodyTarget {
  CURL* handle = nullptr;
  Response* resp = nullptr;
  const Client::BodySink* sink = nullptr;
  Status sink_status;
};

size_t WriteBody(char* ptr, size_t size, size_t nmemb, void* userdata) {
  auto* target = static_cast<BodyTarget*>(userdata);
  size_t n = size * nmemb;
  long code = 0;
  if (target->sink != nullptr) curl_easy_getinfo(target->handle, CURLINFO_RESPONSE_CODE, &code);
  if (code >= 200 && code <= 299) {
    target->sink_status = (*target->sink)(std::string_view(ptr, n));
    return target->sink_status.ok() ? n : 0;  // 0 aborts the transfer
  }
  target->resp->raw_body.append(ptr, n);
  return n;
}

struct UploadSource {
  int fd = -1;
  int64_t offset = 0;
  int64_t size = 0;
  int error = 0;  // errno of a failed read
};

size_t ReadBody(char* buffer, size_t size, size_t nitems, void* userdata) {
  auto* src = static_cast<UploadSource*>(userdata);
  size_t want = static_cast<size_t>(
      std::min<int64_t>(static_cast<int64_t>(size * nitems), src->size - src->offset));
  if (want == 0) return 0;
  ssize_t got;
  do {
    got = pread(src->fd, buffer, want, src->offset);
  } while (got < 0 && errno == EINTR);
  if (got <= 0) {  // a read error, or the file shrank under us
    src->error = got < 0 ? errno : EIO;
    return CURL_READFUNC_ABORT;
  }
  src->offset += got;
  return static_cast<size_t>(got);
}

size_t WriteHeader(char* ptr, size_t size, size_t nmemb, void* userdata) {
  auto* headers = static_cast<std::map<std::string, std::string>*>(userdata);
  std::string_view line(ptr, size * nmemb);
  while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) line.remove_suffix(1);
  if (line.rfind("HTTP/", 0) == 0) {
    headers->clear();  // a new response (after 100-continue or a redirect)
    return size * nmemb;
  }
  size_t colon = line.find(':');
  if (colon == std::string_view::npos) return size * nmemb;
  std::string name(line.substr(0, colon));
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::string_view value = line.substr(colon + 1);
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  (*headers)[name] = std::string(value);
  return size * nmemb;
}

// Go's url.Error form: `Get "https://...": <reason>`.
std::string TransportError(std::string_view method, std::string_view url, std::string reason) {
  std::string op;
  for (size_t i = 0; i < method.size(); ++i) {
    char c = method[i];
    op += static_cast<char>(i == 0 ? std::toupper(static_cast<unsigned char>(c))
                                   : std::tolower(static_cast<unsigned char>(c)));
  }
  return op + " \"" + std::string(url) + "\": " + reason;
}

struct CurlDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};
struct UrlDeleter {
  void operator()(CURLU* u) const { curl_url_cleanup(u); }
};

// With tls_server_name set, the URL carries the server name (so SNI and the certificate
// check use it) and CURLOPT_CONNECT_TO sends the connection to the real host.
Status ApplyServerName(const std::string& server_name, std::string* url, std::string* connect_to) {
  std::unique_ptr<CURLU, UrlDeleter> u(curl_url());
  if (!u || curl_url_set(u.get(), CURLUPART_URL, url->c_str(), 0) != CURLUE_OK)
    return Unavailable("invalid address: " + *url);
  char* scheme = nullptr;
  char* host = nullptr;
  char* port = nullptr;
  curl_url_get(u.get(), CURLUPART_SCHEME, &scheme, 0);
  curl_url_get(u.get(), CURLUPART_HOST, &host, 0);
  curl_url_get(u.get(), CURLUPART_PORT, &port, CURLU_DEFAULT_PORT);
  bool https = scheme != nullptr && std::string_view(scheme) == "https";
  if (https && host != nullptr && port != nullptr) {
    *connect_to = server_name + ":" + port + ":" + host + ":" + port;
    curl_url_set(u.get(), CURLUPART_HOST, server_name.c_str(), 0);
    char* rewritten = nullptr;
    if (curl_url_get(u.get(), CURLUPART_URL, &rewritten, 0) == CURLUE_OK) *url = rewritten;
    curl_free(rewritten);
  }
  curl_free(scheme);
  curl_free(host);
  curl_free(port);
  return Status::Ok();
}

// The headers every request carries (Vault's api.Client sets the same ones).
// wrap_ttl: the X-Vault-Wrap-TTL value for this request, "" for none (see WrapTtlFor).
curl_slist* VaultHeaders(const ClientConfig& config, const RequestOptions& options,
                         const std::string& wrap_ttl, bool has_body) {
  curl_slist* list = nullptr;
  auto add = [&list](const std::string& line) { list = curl_slist_append(list, line.c_str()); };
  add("X-Vault-Request: true");
  add("Expect:");  // no 100-continue round trip for large bodies
  if (!config.token.empty()) add("X-Vault-Token: " + config.token);
  if (!config.namespace_.empty()) add("X-Vault-Namespace: " + config.namespace_);
  if (options.allow_wrapping && !wrap_ttl.empty()) add("X-Vault-Wrap-TTL: " + wrap_ttl);
  if (has_body) add("Content-Type: " + options.content_type);
  for (const auto& [k, v] : config.headers) add(k + ": " + v);
  return list;
}

void SetTlsOptions(CURL* h, const ClientConfig& config) {
  if (config.tls_skip_verify) {
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  if (!config.ca_cert.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, config.ca_cert.c_str());
  if (!config.ca_path.empty()) curl_easy_setopt(h, CURLOPT_CAPATH, config.ca_path.c_str());
  if (!config.client_cert.empty()) curl_easy_setopt(h, CURLOPT_SSLCERT, config.client_cert.c_str());
  if (!config.client_key.empty()) curl_easy_setopt(h, CURLOPT_SSLKEY, config.client_key.c_str());
}

// One HTTP exchange with url; payload is null for requests without a body.
Result<Response> PerformOnce(const ClientConfig& config, std::string url, const std::string& method,
                             const std::string* payload, const RequestOptions& options,
                             const std::string& wrap_ttl, std::string_view display_url,
                             const Streams& streams) {
  std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
  if (!curl) return Err(Internal("curl_easy_init failed"));
  CURL* h = curl.get();
  std::string connect_to;
  if (!config.tls_server_name.empty())
    COFFER_RETURN_IF_ERROR(ApplyServerName(config.tls_server_name, &url, &connect_to));
  std::unique_ptr<curl_slist, SlistDeleter> connect_list;
  if (!connect_to.empty()) {
    connect_list.reset(curl_slist_append(nullptr, connect_to.c_str()));
    curl_easy_setopt(h, CURLOPT_CONNECT_TO, connect_list.get());
  }
  bool upload = streams.upload_fd >= 0;
  std::unique_ptr<curl_slist, SlistDeleter> headers(
      VaultHeaders(config, options, wrap_ttl, payload != nullptr || upload));

  Response resp;
  BodyTarget target{h, &resp, streams.sink, Status::Ok()};
  UploadSource source{streams.upload_fd, 0, streams.upload_size, 0};
  char errbuf[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(config.timeout.count()));
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, WriteBody);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &target);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, WriteHeader);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &resp.headers);
  if (IsUnixAddress(config.address)) {
    std::string socket_path = config.address.substr(std::string_view("unix://").size());
    curl_easy_setopt(h, CURLOPT_UNIX_SOCKET_PATH, socket_path.c_str());
  }
  if (method == "HEAD") {
    curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
  } else if (method != "GET" || payload != nullptr || upload) {
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method.c_str());  // PUT, LIST, DELETE, PATCH
  }
  if (payload != nullptr) {
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, payload->data());
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(payload->size()));
  } else if (upload) {
    curl_easy_setopt(h, CURLOPT_POST, 1L);
    curl_easy_setopt(h, CURLOPT_READFUNCTION, ReadBody);
    curl_easy_setopt(h, CURLOPT_READDATA, &source);
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(streams.upload_size));
  }
  SetTlsOptions(h, config);

  CURLcode rc = curl_easy_perform(h);
  if (!target.sink_status.ok()) return Err(target.sink_status);
  if (source.error != 0)
    return Err(
        IoError("error reading the request body: " + std::string(std::strerror(source.error))));
  if (rc != CURLE_OK) {
    std::string reason = errbuf[0] != '\0' ? errbuf : curl_easy_strerror(rc);
    return Err(Unavailable(TransportError(method, display_url, reason)));
  }
  long code = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
  resp.status = static_cast<int>(code);
  return resp;
}

}  // namespace

Client::Client(ClientConfig config) : config_(std::move(config)) { GlobalInitOnce(); }

std::string Client::Url(std::string_view path, const QueryParams& query) const {
  std::string base = IsUnixAddress(config_.address) ? "http://localhost" : config_.address;
  while (!base.empty() && base.back() == '/') base.pop_back();
  while (!path.empty() && path.front() == '/') path.remove_prefix(1);
  std::string url = base + "/v1/" + EscapePath(path);
  char sep = '?';
  for (const auto& [k, v] : query) {
    url += sep;
    url += EscapeQuery(k) + "=" + EscapeQuery(v);
    sep = '&';
  }
  return url;
}

namespace {

// Vault's api.DefaultWrappingLookupFunc: the configured TTL, else "5m" (DefaultWrappingTTL)
// for a PUT or POST to sys/wrapping/wrap, which only answers wrapped requests.
std::string WrapTtlFor(const ClientConfig& config, std::string_view method, std::string_view path) {
  if (!config.wrap_ttl.empty()) return config.wrap_ttl;
  while (!path.empty() && path.front() == '/') path.remove_prefix(1);
  if ((method == "PUT" || method == "POST") && path == "sys/wrapping/wrap") return "5m";
  return "";
}

// One request, following standby redirects; the body of a non-streamed reply is parsed.
Result<Response> Perform(const Client& client, std::string_view method, std::string_view path,
                         const Json* body, const QueryParams& query, const RequestOptions& options,
                         const Streams& streams) {
  const std::string display_url = client.Url(path, query);
  std::string url = display_url;
  std::string payload;
  if (body != nullptr) payload = body->dump(-1, ' ', false, Json::error_handler_t::replace);
  const std::string method_str(method);
  const std::string wrap_ttl = WrapTtlFor(client.config(), method, path);
  for (int redirect = 0;; ++redirect) {
    COFFER_ASSIGN_OR_RETURN(Response resp,
                            PerformOnce(client.config(), url, method_str, body ? &payload : nullptr,
                                        options, wrap_ttl, display_url, streams));
    // A standby answers 307 with the active node's address; Vault's client follows it.
    auto location = resp.headers.find("location");
    if (resp.status == 307 && location != resp.headers.end() && redirect < kMaxRedirects) {
      url = location->second;
      continue;
    }
    if (!resp.raw_body.empty()) {
      Json parsed = Json::parse(resp.raw_body, nullptr, /*allow_exceptions=*/false);
      if (!parsed.is_discarded()) resp.body = std::move(parsed);
    }
    return resp;
  }
}

}  // namespace

Result<Response> Client::RawRequest(std::string_view method, std::string_view path,
                                    const Json* body, const QueryParams& query,
                                    const RequestOptions& options) const {
  return Perform(*this, method, path, body, query, options, Streams{});
}

Result<Response> Client::Request(std::string_view method, std::string_view path, const Json* body,
                                 const QueryParams& query, const RequestOptions& options) const {
  COFFER_ASSIGN_OR_RETURN(Response resp, RawRequest(method, path, body, query, options));
  if (resp.status < 200 || resp.status > 299) {
    return Err(Status(StatusCodeForHttp(resp.status),
                      FormatApiError(method, Url(path, query), resp.status, resp.raw_body)));
  }
  return resp;
}

namespace {

bool HasDataOrWarnings(const Json& body) {
  if (!body.is_object()) return false;
  auto data = body.find("data");
  auto warnings = body.find("warnings");
  bool has_data = data != body.end() && data->is_object() && !data->empty();
  bool has_warnings = warnings != body.end() && warnings->is_array() && !warnings->empty();
  return has_data || has_warnings;
}

// Vault's ParseSecret: an empty body means "no secret".
std::optional<Json> SecretOf(const Response& resp) {
  if (resp.status == 204 || resp.body.is_null()) return std::nullopt;
  return resp.body;
}

}  // namespace

Result<std::optional<Json>> Client::Read(std::string_view path, const QueryParams& query) const {
  COFFER_ASSIGN_OR_RETURN(Response resp, RawRequest("GET", path, nullptr, query));
  if (resp.status == 404) {
    if (HasDataOrWarnings(resp.body)) return std::optional<Json>(resp.body);
    return std::optional<Json>();
  }
  if (resp.status < 200 || resp.status > 299) {
    return Err(Status(StatusCodeForHttp(resp.status),
                      FormatApiError("GET", Url(path, query), resp.status, resp.raw_body)));
  }
  return SecretOf(resp);
}

Result<std::optional<Json>> Client::List(std::string_view path) const {
  COFFER_ASSIGN_OR_RETURN(Response resp, RawRequest("LIST", path, nullptr));
  if (resp.status == 404) {
    if (HasDataOrWarnings(resp.body)) return std::optional<Json>(resp.body);
    return std::optional<Json>();
  }
  if (resp.status < 200 || resp.status > 299) {
    return Err(Status(StatusCodeForHttp(resp.status),
                      FormatApiError("LIST", Url(path), resp.status, resp.raw_body)));
  }
  return SecretOf(resp);
}

Result<std::optional<Json>> Client::Write(std::string_view path, const Json& body,
                                          std::string_view method) const {
  COFFER_ASSIGN_OR_RETURN(Response resp, Request(method, path, &body));
  return SecretOf(resp);
}

Result<std::optional<Json>> Client::Delete(std::string_view path, const QueryParams& query) const {
  COFFER_ASSIGN_OR_RETURN(Response resp, Request("DELETE", path, nullptr, query));
  return SecretOf(resp);
}

Result<Response> Client::Download(std::string_view method, std::string_view path,
                                  const BodySink& sink) const {
  Streams streams;
  streams.sink = &sink;
  COFFER_ASSIGN_OR_RETURN(Response resp, Perform(*this, method, path, nullptr, {}, {}, streams));
  if (resp.status < 200 || resp.status > 299) {
    return Err(Status(StatusCodeForHttp(resp.status),
                      FormatApiError(method, Url(path), resp.status, resp.raw_body)));
  }
  return resp;
}

Result<Response> Client::Upload(std::string_view method, std::string_view path, int fd,
                                int64_t size) const {
  Streams streams;
  streams.upload_fd = fd;
  streams.upload_size = size;
  RequestOptions options;
  options.content_type = "application/octet-stream";
  COFFER_ASSIGN_OR_RETURN(Response resp,
                          Perform(*this, method, path, nullptr, {}, options, streams));
  if (resp.status < 200 || resp.status > 299) {
    return Err(Status(StatusCodeForHttp(resp.status),
                      FormatApiError(method, Url(path), resp.status, resp.raw_body)));
  }
  return resp;
}

}  // namespace coffer::api
