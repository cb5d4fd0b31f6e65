#pragma once
// Core: one Coffer node as the API layer sees it (like leveldb's DB over DBImpl).
// http/ calls these; CoreImpl implements them. Endpoints that work while sealed or
// uninitialised (sys/init, sys/seal-status, sys/unseal, sys/health, sys/leader) use the
// specific methods; every other request goes through HandleRequest.
//
// Thread-safety: every method may be called concurrently from any worker thread.

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "base/secret_bytes.h"
#include "base/status.h"
#include "core/logical.h"

namespace coffer::core {

struct SealStatus {
  std::string type = "shamir";
  bool initialized = false;
  bool sealed = true;
  int threshold = 0;  // "t"
  int shares = 0;     // "n"
  int progress = 0;
  std::string nonce;  // unseal attempt nonce; empty when no attempt in progress
  std::string version;
  std::string build_date;
  bool migration = false;
  std::string cluster_name;
  std::string cluster_id;
  bool recovery_seal = false;
  std::string storage_type;
};

struct InitParams {
  int secret_shares = 0;
  int secret_threshold = 0;
  int stored_shares = 0;
  int recovery_shares = 0;
  int recovery_threshold = 0;
  std::vector<std::string> pgp_keys;
  std::string root_token_pgp_key;
};

struct InitResult {
  std::vector<SecretBytes> keys;           // unseal key shares (raw bytes)
  std::vector<SecretBytes> recovery_keys;  // for auto-unseal seals
  std::string root_token;
};

struct HaState {
  bool ha_enabled = false;
  bool is_self = true;  // this node is the active node
  bool standby = false;
  bool performance_standby = false;
  std::string leader_address;          // active node's api_addr
  std::string leader_cluster_address;  // active node's cluster_addr
  std::string active_time;             // RFC 3339, when this node became active
  std::string cluster_name;
  std::string cluster_id;
  bool replication_dr_secondary = false;
  // Integrated storage only (0 otherwise).
  uint64_t raft_committed_index = 0;
  uint64_t raft_applied_index = 0;
};

struct RaftJoinParams;

class Core {
 public:
  virtual ~Core() = default;

  virtual SealStatus GetSealStatus() = 0;
  virtual Result<bool> IsInitialized() = 0;

  // sys/init: fails with InvalidArgument when already initialised or params are bad.
  virtual Result<InitResult> Initialize(const InitParams& params) = 0;

  // sys/unseal: `key` is a share in base64 or hex, as Vault accepts. Returns the seal
  // status after the attempt (progress, or unsealed once the threshold is reached).
  virtual Result<SealStatus> Unseal(std::string_view key) = 0;
  virtual void ResetUnsealProgress() = 0;

  // sys/seal and sys/step-down: authenticated; the request carries the client token.
  virtual Status SealWithRequest(Request& req) = 0;
  virtual Status StepDownWithRequest(Request& req) = 0;

  virtual HaState GetHaState() = 0;

  // sys/storage/raft/join on a node that is not part of a cluster: true once the leader
  // issued its challenge (the node is then unsealed with the cluster's keys).
  virtual Result<bool> JoinRaft(const RaftJoinParams& params);

  // sys/storage/raft/snapshot: GET streams a snapshot to `sink` (the token needs read on
  // the path); POST restores one read from `source` (update; `force` for
  // snapshot-force, which accepts a snapshot of another cluster).
  virtual Status RaftSnapshotWithRequest(Request& req,
                                         const std::function<Status(std::string_view)>& sink);
  virtual Status RaftRestoreWithRequest(Request& req,
                                        const std::function<Result<size_t>(char*, size_t)>& source,
                                        bool force);
  virtual bool Sealed() = 0;
  virtual bool Standby() = 0;

  // Every authenticated API call: token lookup, ACL, routing, leases, audit.
  virtual Result<Response> HandleRequest(Request& req) = 0;

  // The server's version string, e.g. "1.15.0+coffer".
  virtual std::string Version() = 0;
  virtual std::chrono::system_clock::time_point Now() = 0;
};

inline Result<bool> Core::JoinRaft(const RaftJoinParams&) {
  return Err(InvalidArgument("raft storage is not in use"));
}
inline Status Core::RaftSnapshotWithRequest(Request&,
                                            const std::function<Status(std::string_view)>&) {
  return InvalidArgument("raft storage is not in use");
}
inline Status Core::RaftRestoreWithRequest(Request&,
                                           const std::function<Result<size_t>(char*, size_t)>&,
                                           bool) {
  return InvalidArgument("raft storage is not in use");
}

}  // namespace coffer::core
