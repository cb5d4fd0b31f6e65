#pragma once
// Integrated storage in the server: opening storage "raft" with its cluster port, and
// retry_join (Vault's storage "raft" { retry_join { ... } }).

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "config/config.h"
#include "core/core_impl.h"
#include "server/cluster_port.h"
#include "storage/raft/node.h"

namespace coffer::server {

// Opens storage "raft": resolves the node id (node_id, else VAULT_RAFT_NODE_ID, else the
// id saved in path/node-id, else a new UUID saved there), creates the cluster port on
// the listener's cluster_address (default: the first listener's port + 1) and opens the
// Raft node with it.
Result<std::unique_ptr<storage::raft::RaftBackend>> OpenRaftStorage(
    const config::ServerConfig& cfg, std::unique_ptr<ClusterPort>* port, std::string* node_id);

// Joins the cluster named by the retry_join stanzas, every 2 seconds until this node is
// initialised (or joined), in the background. Does nothing without stanzas.
class RetryJoin {
 public:
  RetryJoin(core::CoreImpl& core, const config::ServerConfig& cfg);
  ~RetryJoin() { Stop(); }
  void Stop();

 private:
  void Run();

  core::CoreImpl& core_;
  std::vector<core::RaftJoinParams> targets_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace coffer::server
