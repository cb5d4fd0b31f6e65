#include "engines/sys/sys_backend.h"

#include "engines/sys/system_backend.h"

namespace coffer::engines::sys {

namespace {

// Vault's PathsSpecial for the system backend (vault/logical_system.go), including the
// paths other sys/ endpoints will need when they are added.
core::SpecialPaths SystemSpecialPaths() {
  core::SpecialPaths sp;
  sp.root = {"auth/*",
             "remount",
             "audit",
             "audit/*",
             "raw",
             "raw/*",
             "rotate",
             "config/cors",
             "config/auditing/*",
             "config/ui/headers/*",
             "plugins/catalog/*",
             "revoke-prefix/*",
             "revoke-force/*",
             "leases/revoke-prefix/*",
             "leases/revoke-force/*",
             "leases/lookup/*",
             "storage/raft/snapshot-auto/config/*",
             "leases",
             "internal/inspect/*"};
  sp.unauthenticated = {"wrapping/lookup",
                        "wrapping/pubkey",
                        "replication/status",
                        "internal/specs/openapi",
                        "internal/ui/mounts",
                        "internal/ui/mounts/*",
                        "internal/ui/namespaces",
                        "replication/performance/status",
                        "replication/dr/status",
                        "init",
                        "seal-status",
                        "unseal",
                        "leader",
                        "health",
                        "generate-root/attempt",
                        "generate-root/update",
                        "rekey/init",
                        "rekey/update",
                        "rekey/verify",
                        "rekey-recovery-key/init",
                        "rekey-recovery-key/update",
                        "rekey-recovery-key/verify",
                        "mfa/validate",
                        "storage/raft/bootstrap/challenge",
                        "storage/raft/bootstrap/answer"};
  return sp;
}

}  // namespace

SystemBackend::SystemBackend(core::CoreImpl& core) : core_(core) {
  SetSpecialPaths(SystemSpecialPaths());
  AddPaths(MountPaths());
  AddPaths(AuthPaths());
  AddPaths(RemountPaths());
  AddPaths(PolicyPaths());
  AddPaths(CapabilitiesPaths());
  AddPaths(InternalUiPaths());
  AddPaths(InfoPaths());
  AddPaths(MetricsPaths());
  AddPaths(RaftPaths());
  AddPaths(LeasePaths());
  AddPaths(WrappingPaths());
  AddPaths(AuditPaths());
}

Result<std::unique_ptr<core::Backend>> NewSystemBackend(core::CoreImpl& core) {
  auto backend = std::make_unique<SystemBackend>(core);
  COFFER_RETURN_IF_ERROR(backend->Initialize());
  return std::unique_ptr<core::Backend>(std::move(backend));
}

}  // namespace coffer::engines::sys
