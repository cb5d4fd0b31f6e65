#pragma once
// Internal: one mutually authenticated TLS connection on the cluster port, either
// dialled (outbound) or accepted (inbound), carrying frames (frame.h) both ways.
//
// Threading: every member is used only on the transport's single I/O thread. A Conn is
// owned by shared_ptr: its reader and writer coroutines hold one, so it lives until both
// have finished after Close().

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>

#include "cluster/asio.h"
#include "cluster/frame.h"
#include "cluster/snapshot_file.h"
#include "storage/raft/types.h"

namespace coffer::cluster {

class Conn;
struct PendingForward;     // transport.cc
struct SnapshotSendState;  // transport.cc

// What a Conn reports to the transport; all calls on the I/O thread.
class ConnOwner {
 public:
  virtual ~ConnOwner() = default;
  // The TLS handshake completed (the peer presented a certificate of the cluster CA).
  virtual void OnReady(const std::shared_ptr<Conn>& conn) = 0;
  // A frame arrived. Returning false closes the connection (a protocol violation).
  virtual bool OnFrame(const std::shared_ptr<Conn>& conn, FrameKind kind, std::string payload) = 0;
  // A queued frame of `bytes` (header included) left the queue: written, or dropped
  // (written == false) because the connection closed.
  virtual void OnWritten(Conn& conn, FrameKind kind, size_t bytes, bool written) = 0;
  // The connection is closed; called once.
  virtual void OnClosed(const std::shared_ptr<Conn>& conn) = 0;
};

struct ConnLimits {
  size_t max_frame_bytes = 64u << 20;
  std::chrono::milliseconds handshake_timeout{15000};  // from creation (dial included)
  std::chrono::milliseconds write_timeout{10000};      // one frame's write
  std::chrono::milliseconds idle_timeout{60000};       // inbound: no frame received
  std::chrono::milliseconds ping_interval{15000};      // outbound: nothing written
};

class Conn : public std::enable_shared_from_this<Conn> {
 public:
  using Clock = std::chrono::steady_clock;

  // An outbound connection to `address` (host:port), or an accepted `socket`.
  Conn(ConnOwner& owner, asio::io_context& ioc, std::shared_ptr<asio::ssl::context> tls,
       const ConnLimits& limits, std::string address);
  Conn(ConnOwner& owner, tcp::socket socket, std::shared_ptr<asio::ssl::context> tls,
       const ConnLimits& limits);
  ~Conn();

  // Spawns the connection's coroutines (dial, handshake, reader, writer).
  void Start();
  // Queues a frame; it is written after the handshake, in order.
  void Enqueue(FrameKind kind, std::string_view payload) { EnqueueFrame(MakeFrame(kind, payload)); }
  void EnqueueFrame(std::string frame);  // a whole frame from MakeFrame
  // Closes the socket; pending operations end, queued frames are dropped. Idempotent.
  void Close();
  // Enforces the deadlines of ConnLimits; called periodically.
  void CheckDeadlines(Clock::time_point now);

  bool outbound() const { return outbound_; }
  bool ready() const { return ready_; }
  bool closed() const { return closed_; }
  const std::string& address() const { return address_; }
  size_t queued_bytes() const { return queued_bytes_; }
  size_t queued_frames() const { return queue_.size(); }
  Clock::time_point ready_at() const { return ready_at_; }

  // Role state, owned by the transport.
  uint64_t peer_id = storage::raft::kNone;          // outbound Raft connection to this peer
  std::shared_ptr<SnapshotSendState> snapshot_out;  // outbound snapshot stream
  std::unique_ptr<SnapshotFile> snapshot_in;        // inbound snapshot being received
  storage::raft::Message snapshot_message;          // its MsgSnap
  bool forward_pool = false;                        // outbound pooled forwarding connection
  std::map<uint64_t, std::shared_ptr<PendingForward>> forwards;  // by request id

 private:
  asio::awaitable<void> Run(std::shared_ptr<Conn> self);
  asio::awaitable<void> WriteLoop(std::shared_ptr<Conn> self);
  asio::awaitable<bool> Dial();

  ConnOwner& owner_;
  ConnLimits limits_;
  std::shared_ptr<asio::ssl::context> tls_;  // outlives stream_
  asio::ssl::stream<tcp::socket> stream_;
  tcp::resolver resolver_;
  asio::steady_timer wake_;  // the writer waits on it while the queue is empty
  std::string address_;
  bool outbound_;
  bool ready_ = false;
  bool closed_ = false;
  bool close_reported_ = false;
  std::deque<std::string> queue_;  // whole frames
  size_t queued_bytes_ = 0;
  Clock::time_point created_;
  Clock::time_point ready_at_{};
  Clock::time_point last_read_;
  Clock::time_point last_write_;
  Clock::time_point write_started_{};  // zero when no write is in progress
};

}  // namespace coffer::cluster
