#include "http/test_client.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cctype>
#include <cstring>

namespace coffer::http::testing {

namespace {

int Dial(uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    ::close(fd);
    return -1;
  }
  timeval tv{10, 0};  // bounds blocking SSL reads and writes
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  return fd;
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string Trim(std::string s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.pop_back();
  size_t b = s.find_first_not_of(" \t");
  return b == std::string::npos ? "" : s.substr(b);
}

}  // namespace

std::unique_ptr<TestConnection> TestConnection::Connect(uint16_t port) {
  int fd = Dial(port);
  if (fd < 0) return nullptr;
  return std::unique_ptr<TestConnection>(new TestConnection(fd, nullptr, nullptr));
}

std::unique_ptr<TestConnection> TestConnection::ConnectTls(uint16_t port, int min_version,
                                                           int max_version, std::string* error) {
  int fd = Dial(port);
  if (fd < 0) {
    if (error) *error = "connect failed";
    return nullptr;
  }
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  if (min_version < TLS1_2_VERSION) SSL_CTX_set_security_level(ctx, 0);
  SSL_CTX_set_min_proto_version(ctx, min_version);
  SSL_CTX_set_max_proto_version(ctx, max_version);
  SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, nullptr);
  SSL* ssl = SSL_new(ctx);
  SSL_set_fd(ssl, fd);
  ERR_clear_error();
  std::unique_ptr<TestConnection> conn(new TestConnection(fd, ctx, ssl));
  if (SSL_connect(ssl) != 1) {
    if (error) {
      char text[256];
      ERR_error_string_n(ERR_get_error(), text, sizeof(text));
      *error = text;
    }
    return nullptr;
  }
  return conn;
}

TestConnection::~TestConnection() {
  if (ssl_) SSL_free(ssl_);
  if (ctx_) SSL_CTX_free(ctx_);
  if (fd_ >= 0) ::close(fd_);
}

bool TestConnection::Send(std::string_view data) {
  while (!data.empty()) {
    int n = ssl_ ? SSL_write(ssl_, data.data(), static_cast<int>(data.size()))
                 : static_cast<int>(::send(fd_, data.data(), data.size(), MSG_NOSIGNAL));
    if (n <= 0) return false;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

TestConnection::Fill TestConnection::ReadMore(std::chrono::steady_clock::time_point deadline) {
  if (!(ssl_ && SSL_pending(ssl_) > 0)) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return Fill::kTimeout;
    pollfd p{fd_, POLLIN, 0};
    int r = ::poll(&p, 1, static_cast<int>(left.count()));
    if (r == 0) return Fill::kTimeout;
    if (r < 0) return Fill::kClosed;
  }
  char chunk[16384];
  int n = ssl_ ? SSL_read(ssl_, chunk, sizeof(chunk))
               : static_cast<int>(::recv(fd_, chunk, sizeof(chunk), 0));
  if (n <= 0) return Fill::kClosed;
  buf_.append(chunk, static_cast<size_t>(n));
  return Fill::kData;
}

std::optional<RawResponse> TestConnection::Read(std::chrono::milliseconds timeout, bool head) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  size_t end;
  while ((end = buf_.find("\r\n\r\n")) == std::string::npos) {
    if (ReadMore(deadline) != Fill::kData) return std::nullopt;
  }
  std::string head_text = buf_.substr(0, end);
  buf_.erase(0, end + 4);
  RawResponse r;
  size_t line_end = head_text.find("\r\n");
  std::string status_line = head_text.substr(0, line_end);
  if (status_line.size() < 12 || status_line.rfind("HTTP/1.", 0) != 0) return std::nullopt;
  r.status = std::stoi(status_line.substr(9, 3));
  size_t pos = line_end == std::string::npos ? head_text.size() : line_end + 2;
  while (pos < head_text.size()) {
    size_t next = head_text.find("\r\n", pos);
    if (next == std::string::npos) next = head_text.size();
    std::string line = head_text.substr(pos, next - pos);
    size_t colon = line.find(':');
    if (colon != std::string::npos) {
      r.headers[Lower(line.substr(0, colon))] = Trim(line.substr(colon + 1));
    }
    pos = next + 2;
  }
  if (head || r.status < 200 || r.status == 204 || r.status == 304) return r;
  if (r.headers.count("content-length")) {
    size_t len = std::stoul(r.headers["content-length"]);
    while (buf_.size() < len) {
      if (ReadMore(deadline) != Fill::kData) return std::nullopt;
    }
    r.body = buf_.substr(0, len);
    buf_.erase(0, len);
    return r;
  }
  for (;;) {  // no length: the body runs to the end of the connection
    Fill f = ReadMore(deadline);
    if (f == Fill::kTimeout) return std::nullopt;
    if (f == Fill::kClosed) break;
  }
  r.body = std::move(buf_);
  buf_.clear();
  return r;
}

std::optional<RawResponse> TestConnection::RoundTrip(std::string_view request, bool head) {
  if (!Send(request)) return std::nullopt;
  return Read(std::chrono::seconds(10), head);
}

bool TestConnection::WaitForClose(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    Fill f = ReadMore(deadline);
    if (f == Fill::kClosed) return true;
    if (f == Fill::kTimeout) return false;
    buf_.clear();
  }
}

std::string TestConnection::PeerCertificatePem() const {
  if (!ssl_) return "";
  X509* cert = SSL_get1_peer_certificate(ssl_);
  if (!cert) return "";
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(bio, cert);
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  std::string pem(data, static_cast<size_t>(len));
  BIO_free(bio);
  X509_free(cert);
  return pem;
}

std::string FormatRequest(std::string_view method, std::string_view target,
                          const std::vector<std::pair<std::string, std::string>>& headers,
                          std::string_view body) {
  std::string out;
  out.append(method).append(" ").append(target).append(" HTTP/1.1\r\nHost: 127.0.0.1\r\n");
  for (const auto& [k, v] : headers) out.append(k).append(": ").append(v).append("\r\n");
  bool write = method == "POST" || method == "PUT" || method == "PATCH";
  if (!body.empty() || write) out.append("Content-Length: " + std::to_string(body.size()) + "\r\n");
  out.append("\r\n").append(body);
  return out;
}

}  // namespace coffer::http::testing
