#pragma once
// SystemBackend: the framework::Backend behind sys/. Its paths are grouped by topic, one
// .cc file per group (sys_mounts.cc, sys_auth.cc, sys_remount.cc, sys_policy.cc,
// sys_capabilities.cc, sys_internal_ui.cc, sys_info.cc, sys_audit.cc); each group's builder returns
// the framework::Paths and the handlers they call are members declared here.
//
// Thread-safety: handlers run concurrently. Mount-table changes are serialised by
// CoreImpl; the only state held here is the remount status map, guarded by
// migrations_mu_.

#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "base/json.h"
#include "core/logical.h"
#include "framework/backend.h"

namespace coffer::core {
class CoreImpl;
struct MountEntry;
struct TokenEntry;
}  // namespace coffer::core

namespace coffer::engines::sys {

using framework::FieldData;
using HandlerResult = Result<core::Response>;

// Field schemas shared by sys/mounts and sys/auth (sys_mounts.cc).
framework::FieldSchemas EnableFields();
framework::FieldSchemas TuneFields();

class SystemBackend final : public framework::Backend {
 public:
  explicit SystemBackend(core::CoreImpl& core);

 private:
  // sys_mounts.cc: mounts, mounts/<path>, mounts/<path>/tune, and the tune logic shared
  // with sys/auth/<path>/tune.
  std::vector<framework::Path> MountPaths();
  HandlerResult ListMounts(core::Request& req, FieldData& d);
  HandlerResult ReadMount(core::Request& req, FieldData& d);
  HandlerResult EnableMount(core::Request& req, FieldData& d);
  HandlerResult DisableMount(core::Request& req, FieldData& d);
  HandlerResult ReadTune(const std::string& path);
  HandlerResult WriteTune(const std::string& path, FieldData& d);

  // sys_auth.cc: auth, auth/<path>, auth/<path>/tune.
  std::vector<framework::Path> AuthPaths();
  HandlerResult ListAuth(core::Request& req, FieldData& d);
  HandlerResult ReadAuth(core::Request& req, FieldData& d);
  HandlerResult EnableAuth(core::Request& req, FieldData& d);
  HandlerResult DisableAuth(core::Request& req, FieldData& d);

  // sys_remount.cc: remount, remount/status/<migration_id>.
  std::vector<framework::Path> RemountPaths();
  HandlerResult Remount(core::Request& req, FieldData& d);
  HandlerResult RemountStatus(core::Request& req, FieldData& d);

  // sys_policy.cc: policy, policy/<name>, policies/acl, policies/acl/<name>.
  std::vector<framework::Path> PolicyPaths();
  HandlerResult ListPolicies(core::Request& req, FieldData& d);
  HandlerResult ReadPolicy(core::Request& req, FieldData& d);
  HandlerResult WritePolicy(core::Request& req, FieldData& d);
  HandlerResult DeletePolicy(core::Request& req, FieldData& d);

  // sys_capabilities.cc: capabilities, capabilities-self, capabilities-accessor.
  std::vector<framework::Path> CapabilitiesPaths();
  HandlerResult Capabilities(core::Request& req, FieldData& d);
  HandlerResult CapabilitiesAccessor(core::Request& req, FieldData& d);
  HandlerResult CapabilitiesOf(const core::TokenEntry& token, FieldData& d);

  // sys_internal_ui.cc: internal/ui/mounts, internal/ui/mounts/<path>.
  std::vector<framework::Path> InternalUiPaths();
  HandlerResult UiMounts(core::Request& req, FieldData& d);
  HandlerResult UiMount(core::Request& req, FieldData& d);

  // sys_info.cc: key-status, rotate, host-info, tools/hash.
  std::vector<framework::Path> InfoPaths();
  HandlerResult KeyStatus(core::Request& req, FieldData& d);
  HandlerResult Rotate(core::Request& req, FieldData& d);
  HandlerResult HostInfo(core::Request& req, FieldData& d);
  HandlerResult Hash(core::Request& req, FieldData& d);

  // sys_metrics.cc: metrics (JSON, or Prometheus text with ?format=prometheus).
  std::vector<framework::Path> MetricsPaths();
  HandlerResult Metrics(core::Request& req, FieldData& d);

  // sys_audit.cc: audit, audit/<path>, audit-hash/<path>.
  std::vector<framework::Path> AuditPaths();
  HandlerResult ListAudit(core::Request& req, FieldData& d);
  HandlerResult EnableAudit(core::Request& req, FieldData& d);
  HandlerResult DisableAudit(core::Request& req, FieldData& d);
  HandlerResult AuditHash(core::Request& req, FieldData& d);

  // sys_leases.cc: leases/* (lookup, renew, revoke*, tidy, count) and legacy renew/revoke.
  std::vector<framework::Path> LeasePaths();

  // sys_wrapping.cc: wrapping/wrap, unwrap, lookup, rewrap.
  std::vector<framework::Path> WrappingPaths();

  // sys_raft.cc: sys/storage/raft/* and sys/ha-status.
  std::vector<framework::Path> RaftPaths();

  core::CoreImpl& core_;

  std::mutex migrations_mu_;
  std::map<std::string, Json> migrations_;  // migration_id -> migration_info
};

}  // namespace coffer::engines::sys
