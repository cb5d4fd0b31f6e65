#pragma once
// ClusterTransport: the cluster port (Vault's cluster_addr, default 8201). Carries Raft
// messages and snapshots between nodes (it is the raft::Transport of a Node) and
// forwards HTTP requests from standbys to the active node. Every connection is mutual
// TLS against the cluster CA (cluster_tls.h). Wire format and threading in README.md.
//
// Wiring: construct, set the handlers, pass it as NodeOptions::transport, Start(), and
// UpdatePeers (the Node does at Open). Stop() (or the destructor) before the Node goes.
//
// Thread-safety: every public method is safe to call from any thread. Handlers run on
// transport threads (named on each setter) and must not call Stop().

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "base/status.h"
#include "cluster/cluster_tls.h"
#include "cluster/codec.h"
#include "storage/raft/node.h"

namespace coffer::cluster {

struct ClusterTransportOptions {
  uint64_t local_id = storage::raft::kNone;  // this node: never dialled
  // Received snapshots are written here (must exist). Empty: snapshots are refused.
  std::string snapshot_dir;
  // Largest frame accepted; a larger one closes the connection. Raft batches carry up to
  // 64 entries, forwarded requests up to 32 MiB of body.
  size_t max_frame_bytes = 64u << 20;
  // Per peer: Raft batches waiting to be written. Beyond either bound a batch is dropped
  // (counted) and the peer reported unreachable.
  size_t max_queued_bytes = 16u << 20;
  size_t max_queued_batches = 1024;
  std::chrono::milliseconds handshake_timeout{10000};  // dial + TLS handshake
  std::chrono::milliseconds write_timeout{10000};      // one frame making no progress
  std::chrono::milliseconds idle_timeout{60000};       // inbound connection silent
  std::chrono::milliseconds ping_interval{15000};      // outbound connection idle
  // Redial delay after a failed or lost connection to a peer: doubles from min to max.
  // While waiting, messages to that peer are dropped and reported unreachable.
  std::chrono::milliseconds reconnect_backoff_min{100};
  std::chrono::milliseconds reconnect_backoff_max{5000};
  // Workers running the forward handler; requests waiting beyond the limit get 503.
  int forward_workers = 4;
  size_t forward_queue_limit = 64;
  // Snapshot streams: chunk size, and bytes in flight per stream (the sender's write
  // blocks beyond it: memory stays bounded whatever the snapshot's size).
  size_t snapshot_chunk_bytes = 1u << 20;
  size_t snapshot_window_bytes = 4u << 20;
  // How long a sender waits for the receiver to save (fsync) the stream and hand it over.
  std::chrono::milliseconds snapshot_ack_timeout{120000};
};

struct PeerStats {
  bool connected = false;     // TLS established
  uint64_t sent_batches = 0;  // written to the connection
  uint64_t dropped_batches = 0;
  size_t queued_bytes = 0;
};

class ClusterTransport final : public storage::raft::Transport {
 public:
  using Message = storage::raft::Message;
  using MessageHandler = std::function<void(Message)>;
  using UnreachableHandler = std::function<void(uint64_t id)>;
  using SnapshotStatusHandler = std::function<void(uint64_t to, bool failed)>;
  using SnapshotHandler = std::function<void(Message m, std::string path)>;
  using SnapshotMetaReader =
      std::function<Result<storage::raft::SnapshotMeta>(const std::string& path)>;
  using ForwardHandler = std::function<ForwardedResponse(ForwardedRequest)>;

  // Builds the TLS contexts and starts the I/O thread (no listener yet).
  static Result<std::unique_ptr<ClusterTransport>> Create(const ClusterTls& tls,
                                                          ClusterTransportOptions options);
  ~ClusterTransport() override;  // Stop()
  ClusterTransport(const ClusterTransport&) = delete;
  ClusterTransport& operator=(const ClusterTransport&) = delete;

  // Each incoming Raft message (Node::Step). I/O thread: must not block.
  void SetMessageHandler(MessageHandler h);
  // A peer could not be reached or its queue overflowed (Node::ReportUnreachable).
  // I/O thread: must not block.
  void SetUnreachableHandler(UnreachableHandler h);
  // Outcome of a SendSnapshot (Node::ReportSnapshot). Snapshot thread.
  void SetSnapshotStatusHandler(SnapshotStatusHandler h);
  // A received snapshot, durable at `path`, which now belongs to the handler
  // (Node::ReceiveSnapshot). Snapshot worker thread; the sender waits for it to return.
  void SetSnapshotHandler(SnapshotHandler h);
  // Optional: reads the authoritative meta from a received stream; when set, its result
  // replaces m.snapshot before the snapshot handler runs (an error fails the transfer).
  void SetSnapshotMetaReader(SnapshotMetaReader r);
  // Runs a forwarded request on this (active) node. Forward worker threads; may block.
  void SetForwardHandler(ForwardHandler h);

  // Listens on host:port ("0.0.0.0:8201"; port 0 picks a free one). Once.
  Status Start(const std::string& listen_address);
  // The bound port after Start.
  uint16_t port() const;
  // Closes the listener and every connection, fails pending forwards and snapshot
  // streams, joins every thread. Idempotent.
  void Stop();
  // New connections use `tls` (a new cluster keyring); established ones keep theirs.
  Status UpdateTls(const ClusterTls& tls);

  // raft::Transport. Never blocks: encodes, queues for the I/O thread and returns.
  void Send(std::vector<Message> messages) override;
  void SendSnapshot(Message m,
                    std::function<Status(const storage::raft::SnapshotSink&)> write) override;
  void UpdatePeers(const std::vector<storage::raft::Member>& members) override;

  // Sends a request to the node at `address` (its cluster address) and waits for its
  // response. Requests to one address share one connection, multiplexed by id.
  // Unavailable on timeout, a lost connection or Stop; InvalidArgument for a body over
  // 32 MiB.
  Result<ForwardedResponse> Forward(const std::string& address, ForwardedRequest req,
                                    std::chrono::milliseconds timeout);

  PeerStats GetPeerStats(uint64_t id) const;

  class Impl;

 private:
  explicit ClusterTransport(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace coffer::cluster
