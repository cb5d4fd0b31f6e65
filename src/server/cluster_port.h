#pragma once
// ClusterPort: the server's side of integrated storage's networking. It is
//   - the Node's raft::Transport from the start: while the cluster port is down (sealed:
//     the cluster TLS keyring lives in the barrier) messages are dropped, as if the
//     network were; once the core unseals and calls Start, a cluster::ClusterTransport
//     carries them;
//   - the core's ClusterNetwork (start/stop the port, make the keyring, join requests
//     over HTTPS to another node's API);
//   - the http::Forwarder of a standby, and the handler of requests forwarded to us.
//
// Thread-safety: every method may be called from any thread.

#include <atomic>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <vector>

#include "cluster/transport.h"
#include "core/ha.h"
#include "http/message.h"
#include "storage/raft/node.h"

namespace coffer::http {
class Server;
}

namespace coffer::server {

class ClusterPort final : public storage::raft::Transport, public core::ClusterNetwork {
 public:
  // `listen_address` host:port for the cluster listener; received snapshots go to
  // `snapshot_dir`.
  ClusterPort(std::string listen_address, std::string snapshot_dir, uint64_t local_id);
  ~ClusterPort() override;

  // Where incoming traffic goes; both must outlive the port (Stop before they go).
  void Attach(storage::raft::Node* node) { node_.store(node); }
  void AttachHttp(http::Server* server) { http_.store(server); }
  // Leadership changes of the Node (NodeOptions::on_leadership) go to `listener` (the
  // core's HA thread), set once the core exists.
  void NotifyLeadership();
  void SetLeadershipListener(std::function<void()> listener);

  // raft::Transport
  void Send(std::vector<storage::raft::Message> messages) override;
  void SendSnapshot(storage::raft::Message m,
                    std::function<Status(const storage::raft::SnapshotSink&)> write) override;
  void UpdatePeers(const std::vector<storage::raft::Member>& members) override;

  // core::ClusterNetwork
  Result<Json> GenerateTls() override;
  Status Start(const Json& tls_keyring) override;
  void Stop() override;
  void AddPeers(const std::vector<storage::raft::Member>& members) override;
  Result<std::pair<int, Json>> PostJson(const Target& target, const std::string& path,
                                        const Json& body) override;

  // http::Forwarder: sends `request` to the node at `cluster_addr` (a URL or host:port).
  std::optional<http::HttpResponse> Forward(const std::string& cluster_addr,
                                            const http::HttpRequest& request);

 private:
  std::vector<storage::raft::Member> AllPeers() const;  // requires mu_

  const std::string listen_address_;
  const std::string snapshot_dir_;
  const uint64_t local_id_;
  std::atomic<storage::raft::Node*> node_{nullptr};
  std::atomic<http::Server*> http_{nullptr};

  std::mutex listener_mu_;
  std::function<void()> listener_;  // guarded by listener_mu_

  mutable std::shared_mutex mu_;
  std::shared_ptr<cluster::ClusterTransport> transport_;  // guarded by mu_; null: port down
  std::vector<storage::raft::Member> members_;            // from the Node
  std::vector<storage::raft::Member> extra_;              // from a join answer
};

}  // namespace coffer::server
