#pragma once
// Fixtures shared by audit/'s tests: an audited request and response whose every secret
// contains kMarker, and helpers for temporary files and loopback sockets.

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "base/secret_bytes.h"
#include "core/audit.h"

namespace coffer::audit::testing {

inline constexpr const char* kMarker = "S3CR3TMARK";

// A request/response pair with secrets everywhere an entry must hash them.
struct Sample {
  SecretBytes salt = SecretBytes::FromString(std::string(32, 'k'));
  core::Request request;
  core::Response response;
  core::TokenInfo token;

  Sample() {
    request.id = "5e1c0d9a-0000-4000-8000-000000000001";
    request.operation = core::Operation::kUpdate;
    request.path = "secret/data/app";
    request.mount_point = "secret/";
    request.mount_type = "kv";
    request.mount_accessor = "kv_1234abcd";
    request.client_token = std::string("hvs.token-") + kMarker;
    request.remote_addr = "127.0.0.1:54321";
    request.data = Json{{"password", std::string("pw-") + kMarker},
                        {"nested", {{"list", {std::string("a-") + kMarker, 42, true}}}},
                        {"count", 7},
                        {"enabled", false}};
    token.id = request.client_token;
    token.accessor = std::string("acc-") + kMarker;
    token.policies = {"default", "app"};
    token.display_name = "token-app";
    token.meta = {{"team", "infra"}};
    token.entity_id = "ent-1";
    response.data = Json{{"data", {{"api_key", std::string("key-") + kMarker}}}, {"version", 3}};
    core::Auth auth;
    auth.client_token = std::string("hvs.new-") + kMarker;
    auth.accessor = std::string("newacc-") + kMarker;
    auth.policies = {"default"};
    auth.token_policies = {"default"};
    auth.ttl = std::chrono::seconds(3600);
    response.auth = auth;
    core::Secret secret;
    secret.lease_id = "secret/creds/abc";
    response.secret = secret;
    core::WrapInfo wrap;
    wrap.token = std::string("hvs.wrap-") + kMarker;
    wrap.accessor = std::string("wrapacc-") + kMarker;
    wrap.wrapped_accessor = std::string("wrapped-") + kMarker;
    wrap.ttl = std::chrono::seconds(300);
    wrap.creation_path = "secret/data/app";
    wrap.creation_time = "2026-12-05T10:00:00Z";
    response.wrap_info = wrap;
    response.warnings = {"a warning"};
  }

  core::AuditInput RequestInput() const {
    core::AuditInput in;
    in.request = &request;
    in.token = &token;
    in.time = std::chrono::system_clock::time_point(std::chrono::seconds(1764928816)) +
              std::chrono::nanoseconds(123456000);
    in.token_ttl = 2764800;
    in.token_issue_time = 1764928000;
    return in;
  }
  core::AuditInput ResponseInput() const {
    core::AuditInput in = RequestInput();
    in.response = &response;
    return in;
  }
  core::AuditDeviceConfig Config(const std::string& type,
                                 std::map<std::string, std::string> options) const {
    core::AuditDeviceConfig c;
    c.path = type + "/";
    c.type = type;
    c.options = std::move(options);
    c.salt = &salt;
    return c;
  }
};

// A fresh directory under the test temp dir, removed with the object.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "coffer-audit-XXXXXX").string();
    char* p = mkdtemp(tmpl.data());
    EXPECT_NE(p, nullptr);
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string File(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

inline std::vector<std::string> ReadLines(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// A socket bound to 127.0.0.1 on an ephemeral port (or `port`); returns fd, sets *port.
inline int BindLoopback(int type, uint16_t* port) {
  int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(*port);
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ADD_FAILURE() << "bind";
    close(fd);
    return -1;
  }
  socklen_t len = sizeof addr;
  getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  *port = ntohs(addr.sin_port);
  struct timeval tv {
    5, 0
  };
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  return fd;
}

// A unix socket of `type` bound to `path` with a 5 s receive timeout; -1 on failure.
inline int BindUnix(int type, const std::string& path) {
  int fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path.c_str());
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ADD_FAILURE() << "bind " << path;
    close(fd);
    return -1;
  }
  struct timeval tv {
    5, 0
  };
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  return fd;
}

}  // namespace coffer::audit::testing
