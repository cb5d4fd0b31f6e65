#pragma once
// Plain POSIX sockets for the syslog and socket devices (no Asio: these are blocking
// writes from request workers, bounded by a send timeout).
//
// Thread-safety: functions are thread-safe; a UniqueFd is owned by one user at a time.

#include <chrono>
#include <string>
#include <string_view>

#include "base/status.h"

namespace coffer::audit {

class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  ~UniqueFd() { Reset(); }
  UniqueFd(UniqueFd&& o) noexcept : fd_(o.Release()) {}
  UniqueFd& operator=(UniqueFd&& o) noexcept {
    if (this != &o) Reset(o.Release());
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int Release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }
  void Reset(int fd = -1);

 private:
  int fd_ = -1;
};

enum class Transport { kTcp, kUdp, kUnixStream, kUnixDatagram };

// A connected socket to `address` ("host:port" for tcp/udp, a file system path for unix).
// `timeout` bounds the connect of stream sockets and every later send (SO_SNDTIMEO).
// InvalidArgument for a malformed address, Unavailable when the peer cannot be reached.
Result<UniqueFd> Dial(Transport transport, const std::string& address,
                      std::chrono::milliseconds timeout);

// Sends all of `data` (a datagram in one send; a stream retried after short writes).
// Unavailable with errno's text on failure. Never raises SIGPIPE.
Status SendAll(int fd, std::string_view data);

// For a connected stream socket: true when the peer has closed its end or reset the
// connection (a pending FIN/RST), so a write would be lost. Does not block.
bool PeerClosed(int fd);

// "500ms", "2s", "1m", ... (base/duration's forms plus milliseconds). `option` names
// the option in the error.
Result<std::chrono::milliseconds> ParseTimeout(std::string_view option, std::string_view text);

}  // namespace coffer::audit
