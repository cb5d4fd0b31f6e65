#include "audit/net.h"

#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/duration.h"
#include "base/host_port.h"

namespace coffer::audit {
namespace {

std::string ErrnoText(int err) { return std::strerror(err); }

void SetSendTimeout(int fd, std::chrono::milliseconds timeout) {
  struct timeval tv {};
  tv.tv_sec = static_cast<time_t>(timeout.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
  (void)setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

// connect(2) bounded by `timeout` for stream sockets; returns 0 or an errno value.
int ConnectWithTimeout(int fd, const sockaddr* addr, socklen_t len,
                       std::chrono::milliseconds timeout) {
  int flags = fcntl(fd, F_GETFL, 0);
  if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) return errno;
  int err = 0;
  if (connect(fd, addr, len) != 0) {
    err = errno;
    if (err == EINPROGRESS || err == EAGAIN) {
      struct pollfd p {
        fd, POLLOUT, 0
      };
      int n;
      do {
        n = poll(&p, 1, static_cast<int>(timeout.count()));
      } while (n < 0 && errno == EINTR);
      if (n == 0) {
        err = ETIMEDOUT;
      } else if (n < 0) {
        err = errno;
      } else {
        socklen_t l = sizeof err;
        if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &l) != 0) err = errno;
      }
    }
  }
  if (err == 0 && fcntl(fd, F_SETFL, flags) < 0) err = errno;
  return err;
}

Result<UniqueFd> DialUnix(int type, const std::string& path, std::chrono::milliseconds timeout) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof addr.sun_path) {
    return Err(InvalidArgument("address: invalid unix socket path \"" + path + "\""));
  }
  std::memcpy(addr.sun_path, path.data(), path.size());
  UniqueFd fd(socket(AF_UNIX, type | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return Err(Unavailable("socket: " + ErrnoText(errno)));
  int err = ConnectWithTimeout(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr, timeout);
  if (err != 0) return Err(Unavailable("connect to " + path + ": " + ErrnoText(err)));
  SetSendTimeout(fd.get(), timeout);
  return fd;
}

Result<UniqueFd> DialInet(int type, const std::string& address, std::chrono::milliseconds timeout) {
  COFFER_ASSIGN_OR_RETURN(HostPort hp, ParseHostPort(address, "address"));
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = type;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* res = nullptr;
  int gai = getaddrinfo(hp.host.c_str(), hp.port_text.c_str(), &hints, &res);
  if (gai != 0) {
    return Err(Unavailable("resolve " + address + ": " + gai_strerror(gai)));
  }
  std::string last = "no address";
  for (addrinfo* ai = res; ai != nullptr; ai = ai->ai_next) {
    UniqueFd fd(socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol));
    if (!fd.valid()) {
      last = ErrnoText(errno);
      continue;
    }
    int err = ConnectWithTimeout(fd.get(), ai->ai_addr, ai->ai_addrlen, timeout);
    if (err != 0) {
      last = ErrnoText(err);
      continue;
    }
    freeaddrinfo(res);
    SetSendTimeout(fd.get(), timeout);
    return fd;
  }
  freeaddrinfo(res);
  return Err(Unavailable("connect to " + address + ": " + last));
}

}  // namespace

void UniqueFd::Reset(int fd) {
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
}

Result<UniqueFd> Dial(Transport transport, const std::string& address,
                      std::chrono::milliseconds timeout) {
  switch (transport) {
    case Transport::kTcp:
      return DialInet(SOCK_STREAM, address, timeout);
    case Transport::kUdp:
      return DialInet(SOCK_DGRAM, address, timeout);
    case Transport::kUnixStream:
      return DialUnix(SOCK_STREAM, address, timeout);
    case Transport::kUnixDatagram:
      return DialUnix(SOCK_DGRAM, address, timeout);
  }
  return Err(InvalidArgument("unknown transport"));
}

Status SendAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      if (err == EAGAIN || err == EWOULDBLOCK) return Unavailable("send: timed out");
      return Unavailable("send: " + ErrnoText(err));
    }
    if (n == 0) return Unavailable("send: wrote nothing");
    data.remove_prefix(static_cast<size_t>(n));
  }
  return Status::Ok();
}

bool PeerClosed(int fd) {
  struct pollfd p {
    fd, POLLIN | POLLRDHUP, 0
  };
  if (poll(&p, 1, 0) <= 0) return false;
  if (p.revents & (POLLERR | POLLHUP | POLLRDHUP)) return true;
  char c;
  ssize_t n = recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
  return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR);
}

Result<std::chrono::milliseconds> ParseTimeout(std::string_view option, std::string_view text) {
  if (text.size() > 2 && text.substr(text.size() - 2) == "ms" &&
      text.substr(0, text.size() - 2).find_first_not_of("0123456789") == std::string_view::npos) {
    return std::chrono::milliseconds(std::stoll(std::string(text.substr(0, text.size() - 2))));
  }
  auto d = ParseDuration(text);
  if (!d) {
    return Err(InvalidArgument(std::string(option) + ": " + d.error().message()));
  }
  return std::chrono::duration_cast<std::chrono::milliseconds>(*d);
}

}  // namespace coffer::audit
