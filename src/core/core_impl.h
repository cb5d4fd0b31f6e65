#pragma once
// CoreImpl: the node. Owns the barrier, the seal, the mount tables and router, the token
// store and the policy store, and runs every request through Vault's pipeline:
// sealed? → route → token → ACL (with existence check) → backend → token for logins.
//
// Lifecycle: Initialize (once per cluster) → Unseal (each start) → PostUnseal loads
// mounts, policies and tokens → serving → Seal tears them down.
//
// Locking: state_mu_ is shared by every request and exclusive for seal/unseal, so a
// request never sees a half-unsealed node. The route table is an atomic snapshot.

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/clock.h"
#include "core/audit_broker.h"
#include "core/barrier.h"
#include "core/core.h"
#include "core/expiration.h"
#include "core/ha.h"
#include "core/mount_table.h"
#include "core/registry.h"
#include "core/seal/seal.h"
#include "core/token_store.h"

namespace coffer::crypto {
class Random;
}

namespace coffer::core {

class PolicyStore;
class Acl;

struct CoreOptions {
  storage::Backend* physical = nullptr;  // not owned
  std::string storage_type = "inmem";
  std::chrono::seconds default_lease_ttl{768 * 3600};
  std::chrono::seconds max_lease_ttl{768 * 3600};
  std::string cluster_name;
  std::string api_addr;
  std::string cluster_addr;
  const Clock* clock = nullptr;        // default RealClock
  crypto::Random* random = nullptr;    // default SystemRandom
  const Registry* registry = nullptr;  // engines and auth methods
  // sys/ is served by a backend the server wiring provides (engines/sys), given this core.
  std::function<Result<std::unique_ptr<Backend>>(class CoreImpl&)> system_backend_factory;
  std::function<Result<std::unique_ptr<Backend>>(class CoreImpl&)> token_backend_factory;
  // Deletes a revoked token's cubbyhole (the cubbyhole engine owns its layout).
  std::function<Status(storage::Backend& cubbyhole_view, const std::string& token)>
      cubbyhole_destroyer;
  // Integrated storage: `physical` is this Raft backend and the node is HA (core_ha.cc).
  storage::raft::RaftBackend* raft = nullptr;  // not owned
  ClusterNetwork* network = nullptr;           // required with raft; not owned
  std::string node_id;                         // the Raft node name (storage "raft" node_id)
  // How often the expiration manager looks for due leases.
  std::chrono::milliseconds expiration_tick{1000};
};

class CoreImpl final : public Core {
 public:
  explicit CoreImpl(CoreOptions options);
  ~CoreImpl() override;

  // Core
  SealStatus GetSealStatus() override;
  Result<bool> IsInitialized() override;
  Result<InitResult> Initialize(const InitParams& params) override;
  Result<SealStatus> Unseal(std::string_view key) override;
  void ResetUnsealProgress() override;
  Status SealWithRequest(Request& req) override;
  Status StepDownWithRequest(Request& req) override;
  HaState GetHaState() override;
  bool Sealed() override;
  bool Standby() override { return standby_.load() && !sealed_.load(); }
  Result<bool> JoinRaft(const RaftJoinParams& params) override;
  Status RaftSnapshotWithRequest(Request& req,
                                 const std::function<Status(std::string_view)>& sink) override;
  Status RaftRestoreWithRequest(Request& req,
                                const std::function<Result<size_t>(char*, size_t)>& source,
                                bool force) override;
  Result<Response> HandleRequest(Request& req) override;
  std::string Version() override;
  std::chrono::system_clock::time_point Now() override { return clock_.Now(); }

  // Dev mode: initialise with one share, unseal, optionally with a chosen root token,
  // and mount secret/ as KV (version `kv_version`).
  Result<InitResult> SetupDevMode(const std::string& root_token_id, int kv_version = 2);
  Status Seal();

  // --- used by the sys/ and auth/token/ backends (hold no locks across calls) ---
  Status EnableMount(MountEntry entry);  // entry.table "mounts" or "auth"
  Status DisableMount(const std::string& table, const std::string& path);
  Status Remount(const std::string& from, const std::string& to);
  Status TuneMount(const std::string& table, const std::string& path, const Json& tune);
  std::vector<MountEntry> ListMounts(const std::string& table);
  std::shared_ptr<Mount> FindMount(const std::string& table, const std::string& path);
  std::shared_ptr<const RouteTable> Routes() const { return routes_.load(); }

  PolicyStore& Policies();
  TokenStore& Tokens();
  Barrier& GetBarrier() { return barrier_; }
  const Clock& GetClock() const { return clock_; }
  crypto::Random& GetRandom() { return random_; }
  std::chrono::seconds DefaultLeaseTtl() const { return options_.default_lease_ttl; }
  std::chrono::seconds MaxLeaseTtl() const { return options_.max_lease_ttl; }
  std::string StorageType() const { return options_.storage_type; }
  std::chrono::system_clock::time_point ActiveTime() const { return active_time_; }

  // --- HA over Raft (core_ha.cc), used by sys/storage/raft/* and sys/ha-status ---
  storage::raft::RaftBackend* Raft() { return options_.raft; }
  // The Raft node gained or lost leadership: re-evaluate active/standby now. Never
  // blocks (the HA thread does the work).
  void OnLeadershipChange() { KickHa(); }
  // The leader side of a join: a challenge only the holder of the unseal keys can answer,
  // then (answered) the node is added as a non-voter and gets the cluster TLS keyring.
  Result<Json> RaftBootstrapChallenge(const std::string& server_id);
  Result<Json> RaftBootstrapAnswer(const Json& body);
  Result<Json> RaftConfiguration();
  Status RaftRemovePeer(const std::string& server_id);
  Result<Json> AutopilotState();
  Result<AutopilotConfig> GetAutopilotConfig();
  Status SetAutopilotConfig(const Json& body);
  Result<Json> HaStatus();
  // A consistent snapshot of the storage (sys/storage/raft/snapshot), to `sink`.
  Status RaftSnapshot(const storage::raft::SnapshotSink& sink);
  // Replaces the cluster's data with a snapshot. Without `force` a snapshot whose
  // keyring this cluster's root key cannot open is refused.
  Status RaftRestore(const storage::raft::SnapshotSource& source, bool force);

  // --- leases (core_leases.cc), used by sys/leases/* ---
  ExpirationManager& Leases() { return *expiration_; }
  // Renews a secret lease through its backend: the new TTL is the increment (else the
  // backend's TTL, else the mount default), capped at issue time + the mount's max TTL
  // (and the backend's max TTL).
  Result<Response> RenewLease(const std::string& lease_id, std::chrono::seconds increment);
  // Revokes the secret leases and tokens under `prefix` (sys/leases/revoke-prefix; with
  // `force`, revoke-force). A disabled mount's leases are revoked this way first.
  Status RevokeLeasePrefix(const std::string& prefix, bool force);
  // sys/leases/tidy.
  Status TidyLeases();

  // --- response wrapping (core_wrapping.cc), used by sys/wrapping/* ---
  // The wrapped response of `token` (the wrapping token in the body, or req's own token
  // when empty): single use, the token is revoked. The stored HTTP body, verbatim.
  Result<Response> Unwrap(Request& req, const std::string& token);
  // creation_ttl, creation_time, creation_path of a wrapping token (uses no use).
  Result<Json> WrapLookup(const std::string& token);
  // Unwraps `token` and answers with its response to be wrapped again (same TTL).
  Result<Response> Rewrap(Request& req, const std::string& token);

  // --- audit devices (core_audit.cc), used by sys/audit* and the server ---
  // Enables a device: a new uuid, accessor and 32-byte salt (kept in the barrier), then
  // the table is persisted and the device serves at once. InvalidArgument for a path in
  // use, an unknown type or a device the factory refuses (its message).
  Status EnableAudit(AuditEntry entry);
  // False when no device was enabled at `path`.
  Result<bool> DisableAudit(const std::string& path);
  std::vector<AuditEntry> ListAudit();
  // sys/audit-hash: "hmac-sha256:<hex>" by the device at `path`.
  Result<std::string> AuditHash(const std::string& path, std::string_view input);
  // SIGHUP: reopen files, reconnect sockets. Errors are logged; the last is returned.
  Status ReloadAudit();
  const AuditBroker& Audit() const { return audit_; }

  // The ACL for a token (root → everything).
  Result<std::shared_ptr<const Acl>> AclFor(const TokenInfo& token);
  // Capabilities of `token_entry` on `path`, as sys/capabilities reports them.
  Result<std::vector<std::string>> Capabilities(const TokenEntry& token, const std::string& path);
  // Creates a token from an auth response (login or token create), honouring the
  // mount's TTL tuning and the system maximum; fills auth.client_token etc.
  Status IssueToken(Auth& auth, const Request& req, const TokenEntry* parent,
                    const std::string& mount_accessor, const MountConfig& mount_config);

 private:
  struct UnsealProgress;
  Result<SealConfig> ReadSealConfig();
  // Seal status with the given unseal progress (callers read it under unseal_mu_).
  SealStatus SealStatusWith(int progress, std::string nonce);
  Status PostUnseal();
  void InstallRevokeHook();
  // Checks that req's token may `update` `path` with sudo (sys/seal, sys/step-down).
  Result<bool> AuthorizeSudo(Request& req, const std::string& path);
  // Checks that req's token may perform `op` on `path` (no sudo needed).
  Status Authorize(Request& req, Operation op, const std::string& path);
  void PreSeal();
  Status LoadMountTable(const std::string& table, bool setup_defaults);
  Status PersistMountTable(const std::string& table);
  Result<std::shared_ptr<Mount>> Instantiate(const MountEntry& entry);
  void Publish();
  Result<Response> HandleLocked(Request& req);
  // What the audit entry reports about the caller's token (AuditInput).
  struct TokenAuditInfo {
    int64_t ttl = 0;
    int64_t issue_time = 0;
    int64_t remaining_uses = 0;
  };
  Result<TokenInfo> CheckToken(Request& req, TokenAuditInfo* audit_info = nullptr);
  // Audits a request refused before its backend ran (bad token, ACL): a request and a
  // response entry carrying the error. Not ok (Internal) when no device logged it.
  Status AuditRefused(const Request& req, const TokenInfo* token, const Status& error,
                      const TokenAuditInfo& token_audit);
  AuditInput MakeAuditInput(const Request& req, const TokenInfo* token,
                            const TokenAuditInfo& token_audit) const;
  Result<Response> RouteAndFinish(Request& req, Mount& mount, const std::string& rel);
  // Registers a lease for resp.secret (core_leases.cc).
  Status RegisterLease(const Request& req, const Mount& mount, Response& resp);
  // Replaces resp with a wrapping token's wrap_info (core_wrapping.cc).
  Status WrapResponse(const Request& req, Response& resp);
  struct Wrapped;
  Result<Wrapped> TakeWrapped(Request& req, const std::string& token);
  class Revoker;
  // Audit (core_audit.cc): loaded at the end of PostUnseal, torn down in PreSeal.
  Status LoadAuditTable();
  void TeardownAudit();
  Status PersistAuditTable(const std::vector<AuditEntry>& entries);
  Result<SecretBytes> LoadAuditSalt(const std::string& uuid);
  Result<std::shared_ptr<AuditBackend>> NewAuditBackend(const AuditEntry& entry, SecretBytes salt);
  // The expiration manager: built and started at the end of PostUnseal (after the mounts
  // it revokes through), stopped first in PreSeal, released last.
  Status SetupLeases();
  void TeardownLeases();
  void ReleaseLeases();

  // HA (core_ha.cc).
  // A node that asked to join: what the leader's challenge carried, until it is unsealed.
  struct PendingJoin {
    RaftJoinParams params;
    SealConfig seal_config;
    std::string root_key_blob;  // the wrapped root key, as stored at kRootKeyPath
    std::string keyring_blob;   // the encrypted keyring, as stored at kKeyringPath
    std::string nonce_blob;     // the challenge, encrypted under the keyring
  };
  struct Challenge {
    std::string nonce;
    std::chrono::steady_clock::time_point expires;
  };
  void StartHaThread();
  void StopHaThread();
  void HaLoop();
  void KickHa();
  void HaEvaluate();
  void EmitGauges();  // telemetry collector: core.*, expire.*, autopilot.* gauges
  void Activate();
  void Deactivate();
  void AutopilotTick();
  Status StartNetwork(bool may_generate);
  Status WriteNodeRecord(const std::string& name, const Json& record);
  Result<std::optional<Json>> ReadNodeRecord(const std::string& name);
  Result<SealStatus> UnsealJoining(SecretBytes kek);
  Status JoinOnce(const RaftJoinParams& params);
  Status WaitForLeadership(std::chrono::milliseconds timeout);

  CoreOptions options_;
  const Clock& clock_;
  crypto::Random& random_;
  Barrier barrier_;
  std::unique_ptr<ShamirSeal> seal_;

  std::shared_mutex state_mu_;  // shared: requests; exclusive: seal/unseal
  std::atomic<bool> sealed_{true};
  std::mutex unseal_mu_;
  std::unique_ptr<UnsealProgress> unseal_;

  std::mutex table_change_mu_;             // serialises enable/disable/remount/tune
  std::mutex mounts_mu_;                   // guards the entry vectors below
  std::vector<MountEntry> mount_entries_;  // secrets engines
  std::vector<MountEntry> auth_entries_;   // auth methods
  std::atomic<std::shared_ptr<const RouteTable>> routes_;

  std::mutex audit_mu_;                    // serialises audit table changes; guards the entries
  std::vector<AuditEntry> audit_entries_;  // the audit table (incl. devices that failed to start)
  AuditBroker audit_;                      // the running devices (an atomic snapshot)

  std::unique_ptr<PolicyStore> policies_;
  std::unique_ptr<TokenStore> tokens_;
  std::unique_ptr<StorageView> token_view_;
  std::unique_ptr<StorageView> policy_view_;
  std::unique_ptr<StorageView> expire_view_;
  std::unique_ptr<LeaseRevoker> revoker_;
  std::unique_ptr<ExpirationManager> expiration_;
  std::chrono::system_clock::time_point active_time_{};
  std::chrono::steady_clock::time_point active_since_{};  // for core.leadership_lost
  int metrics_collector_ = 0;
  // token.count, refreshed by EmitGauges (only ever called from the telemetry render, which
  // runs collectors one at a time).
  int64_t token_count_ = 0;
  std::chrono::steady_clock::time_point token_count_time_{};
  std::string cluster_id_;

  std::atomic<bool> standby_{false};  // unsealed Raft node that is not active
  std::mutex join_mu_;
  std::unique_ptr<PendingJoin> join_;  // guarded by join_mu_
  std::mutex ha_mu_;                   // guards the fields below
  std::condition_variable ha_cv_;
  bool ha_stop_ = false;
  bool ha_kick_ = false;
  std::map<std::string, Challenge> challenges_;  // by server_id
  std::map<uint64_t, std::chrono::steady_clock::time_point> healthy_since_;
  std::map<uint64_t, std::chrono::steady_clock::time_point> seen_since_;  // first in config
  AutopilotConfig autopilot_;
  std::mutex ha_eval_mu_;  // serialises HaEvaluate
  std::thread ha_thread_;
  std::thread join_thread_;
};

}  // namespace coffer::core
