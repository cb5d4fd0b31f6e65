#pragma once
// HA over integrated Raft storage: what the core needs from the layers above it.
//
// The Raft node itself (storage/raft) sits below the core and is handed in directly
// (CoreOptions::raft). The cluster port (cluster/) and the HTTPS client used to join a
// cluster sit above it, so the server wiring implements ClusterNetwork for the core.
//
// Roles (Vault's): the Raft leader becomes the *active* node once it has applied an
// entry of its term: it loads mounts, policies and tokens and serves every request.
// Every other unsealed node is a *standby*: its barrier is unsealed (it reads the
// replicated keyring and the leader's advertisement) but nothing is loaded, and http/
// forwards its requests to the active node over the cluster port.

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "base/json.h"
#include "base/status.h"
#include "storage/raft/node.h"

namespace coffer::core {

// Vault's error for a request on a standby that cannot be forwarded.
inline constexpr char kNotActive[] = "local node not active but active cluster node not found";

// A cluster address as Raft members record it: "https://10.0.0.1:8201" → "10.0.0.1:8201".
inline std::string ClusterHostPort(std::string_view url) {
  if (auto p = url.find("://"); p != std::string_view::npos) url.remove_prefix(p + 3);
  if (auto p = url.find('/'); p != std::string_view::npos) url = url.substr(0, p);
  return std::string(url);
}

// The cluster port and node-to-node HTTPS, implemented by the server wiring.
class ClusterNetwork {
 public:
  virtual ~ClusterNetwork() = default;

  // A new cluster TLS keyring (the certificate every node presents on the cluster port),
  // as JSON; stored encrypted in the barrier at init and handed to joining nodes.
  virtual Result<Json> GenerateTls() = 0;
  // Starts (or restarts with a new keyring) the cluster listener and connections.
  virtual Status Start(const Json& tls_keyring) = 0;
  // Stops them (seal): this node drops out of Raft traffic.
  virtual void Stop() = 0;
  // Where peers are before this node has their membership (a joining node learns the
  // leader's address from the join answer, before the log reaches it).
  virtual void AddPeers(const std::vector<storage::raft::Member>& members) = 0;

  // One JSON request to another node's API (sys/storage/raft/bootstrap/*): the reply's
  // HTTP status and body. Transport failures are Unavailable.
  struct Target {
    std::string api_addr;  // https://host:port
    std::string ca_cert_pem, client_cert_pem, client_key_pem, tls_server_name;
  };
  virtual Result<std::pair<int, Json>> PostJson(const Target& target, const std::string& path,
                                                const Json& body) = 0;
};

// sys/storage/raft/join on a node that is not part of a cluster yet.
struct RaftJoinParams {
  ClusterNetwork::Target leader;
  bool non_voter = false;
  bool retry = false;
};

// Vault's autopilot configuration (sys/storage/raft/autopilot/configuration).
struct AutopilotConfig {
  bool cleanup_dead_servers = false;
  std::chrono::seconds last_contact_threshold{10};
  std::chrono::seconds dead_server_last_contact_threshold{24 * 3600};
  uint64_t max_trailing_logs = 1000;
  uint64_t min_quorum = 0;
  std::chrono::seconds server_stabilization_time{10};
  bool disable_upgrade_migration = false;

  Json ToJson() const;
  // Applies the fields present in `j` (Vault's names; durations as "10s" or seconds).
  Status Merge(const Json& j);
};

}  // namespace coffer::core
