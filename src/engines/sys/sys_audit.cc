// sys/audit (list), sys/audit/<path> (enable, disable) and sys/audit-hash/<path>, over
// CoreImpl's audit table. Vault: handleAuditTable, handleEnableAudit, handleDisableAudit,
// handleAuditHash. sys/audit and sys/audit/* need sudo (the backend's root paths).

#include "core/core_impl.h"
#include "engines/sys/system_backend.h"

namespace coffer::engines::sys {

using core::Operation;
using framework::FieldType;

std::vector<framework::Path> SystemBackend::AuditPaths() {
  framework::Path table;
  table.pattern = "audit$";
  table.operations[Operation::kRead] = framework::Bind(this, &SystemBackend::ListAudit);
  table.help_synopsis = "List the enabled audit devices.";

  framework::Path one;
  one.pattern = "audit/(?P<path>.+)";
  one.fields = {{"path", {FieldType::kString}},
                {"type", {FieldType::kString}},
                {"description", {FieldType::kString}},
                {"options", {FieldType::kKvPairs}},
                {"local", {FieldType::kBool}}};
  one.operations[Operation::kUpdate] = framework::Bind(this, &SystemBackend::EnableAudit);
  one.operations[Operation::kCreate] = framework::Bind(this, &SystemBackend::EnableAudit);
  one.operations[Operation::kDelete] = framework::Bind(this, &SystemBackend::DisableAudit);
  one.help_synopsis = "Enable or disable an audit device.";

  framework::Path hash;
  hash.pattern = "audit-hash/(?P<path>.+)";
  hash.fields = {{"path", {FieldType::kString}}, {"input", {FieldType::kString}}};
  hash.operations[Operation::kUpdate] = framework::Bind(this, &SystemBackend::AuditHash);
  hash.help_synopsis = "The hash of the given string via the given audit device.";

  std::vector<framework::Path> paths;
  paths.push_back(std::move(table));
  paths.push_back(std::move(one));
  paths.push_back(std::move(hash));
  return paths;
}

HandlerResult SystemBackend::ListAudit(core::Request&, FieldData&) {
  Json data = Json::object();
  for (const auto& e : core_.ListAudit()) data[e.path] = e.ToApiJson();
  return core::Response::WithData(std::move(data));
}

HandlerResult SystemBackend::EnableAudit(core::Request&, FieldData& d) {
  core::AuditEntry entry;
  entry.path = d.GetString("path");
  entry.type = d.GetString("type");
  entry.description = d.GetString("description");
  entry.options = d.GetKvPairs("options");
  entry.local = d.GetBool("local");
  COFFER_RETURN_IF_ERROR(core_.EnableAudit(std::move(entry)));
  return core::Response{};
}

HandlerResult SystemBackend::DisableAudit(core::Request&, FieldData& d) {
  std::string path = d.GetString("path");
  if (path.empty() || path == "/")
    return Err(InvalidArgument("audit device path must be specified"));
  // As Vault: disabling a path where nothing is enabled succeeds (204).
  COFFER_ASSIGN_OR_RETURN(bool existed, core_.DisableAudit(path));
  (void)existed;
  return core::Response{};
}

HandlerResult SystemBackend::AuditHash(core::Request&, FieldData& d) {
  COFFER_ASSIGN_OR_RETURN(std::string hash,
                          core_.AuditHash(d.GetString("path"), d.GetString("input")));
  return core::Response::WithData({{"hash", hash}});
}

}  // namespace coffer::engines::sys
