// sys/remount: move a secrets engine or auth method to a new path (Vault >= 1.10 API).
// Vault queues the move and returns a migration_id; Coffer completes the move before
// answering, returns the same shape, and reports "success" from
// sys/remount/status/<migration_id>. Vault: handleRemount, handleRemountStatusCheck.

#include <sstream>

#include "core/core_impl.h"
#include "crypto/random.h"
#include "engines/sys/mount_util.h"
#include "engines/sys/system_backend.h"

namespace coffer::engines::sys {

using core::Operation;
using framework::FieldType;

namespace {

// Go's path.Clean for a relative path, keeping a trailing '/' if one was given.
std::string CleanPath(const std::string& p) {
  std::vector<std::string> parts;
  std::stringstream ss(p);
  std::string seg;
  while (std::getline(ss, seg, '/')) {
    if (seg.empty() || seg == ".") continue;
    if (seg == ".." && !parts.empty() && parts.back() != "..") {
      parts.pop_back();
      continue;
    }
    parts.push_back(seg);
  }
  std::string out = p.rfind('/', 0) == 0 ? "/" : "";
  for (size_t i = 0; i < parts.size(); ++i) out += (i ? "/" : "") + parts[i];
  if (out.empty()) out = ".";
  if (!p.empty() && p.back() == '/' && out != "/") out += "/";
  return out;
}

// Vault's validateMountPath: the path must already be clean and printable.
Status ValidateMountPath(const std::string& p) {
  std::string clean = CleanPath(p);
  if (clean != p)
    return InvalidArgument("invalid destination mount: path '" + p +
                           "' does not match cleaned path '" + clean + "'");
  for (unsigned char c : p)
    if (c < 0x20 || c == 0x7f)
      return InvalidArgument(
          "invalid destination mount: path cannot contain non-printable characters");
  return Status::Ok();
}

// The protected-path rules of a remount from `from` to `to` (both sanitized).
Status CheckRemountPaths(const std::string& from, const std::string& to) {
  if (from.rfind("auth/", 0) == 0) {
    if (to.rfind("auth/", 0) != 0)
      return InvalidArgument("cannot remount auth mount to non-auth mount \"" + to + "\"");
    if (from.rfind("auth/token/", 0) == 0)
      return InvalidArgument("cannot remount \"" + from + "\"");
    if (to.rfind("auth/token/", 0) == 0)
      return InvalidArgument("cannot remount to destination \"" + to + "\"");
    return Status::Ok();
  }
  for (auto p : ProtectedMounts()) {
    if (from.rfind(p, 0) == 0) return InvalidArgument("cannot remount \"" + from + "\"");
    if (to.rfind(p, 0) == 0) return InvalidArgument("cannot remount to destination " + to);
  }
  return Status::Ok();
}

}  // namespace

std::vector<framework::Path> SystemBackend::RemountPaths() {
  framework::Path remount;
  remount.pattern = "remount$";
  remount.fields = {{"from", {FieldType::kString}}, {"to", {FieldType::kString}}};
  remount.operations[Operation::kUpdate] = [this](core::Request& r, FieldData& d) {
    return Remount(r, d);
  };
  remount.help_synopsis =
      "Move the mount point of an already-mounted backend, within or across namespaces";

  framework::Path status;
  status.pattern = "remount/status/(?P<migration_id>.+?)$";
  status.fields = {{"migration_id", {FieldType::kString}}};
  status.operations[Operation::kRead] = [this](core::Request& r, FieldData& d) {
    return RemountStatus(r, d);
  };
  status.help_synopsis = "Check the status of a mount move operation";
  return {std::move(remount), std::move(status)};
}

HandlerResult SystemBackend::Remount(core::Request&, FieldData& d) {
  std::string from_raw = d.GetString("from"), to_raw = d.GetString("to");
  if (from_raw.empty() || to_raw.empty())
    return Err(InvalidArgument("both 'from' and 'to' path must be specified as a string"));
  if (from_raw.find(' ') != std::string::npos)
    return Err(InvalidArgument("'from' path cannot contain whitespace"));
  if (to_raw.find(' ') != std::string::npos)
    return Err(InvalidArgument("'to' path cannot contain whitespace"));
  std::string from = SanitizeMountPath(from_raw), to = SanitizeMountPath(to_raw);
  COFFER_RETURN_IF_ERROR(ValidateMountPath(to));
  COFFER_RETURN_IF_ERROR(CheckRemountPaths(from, to));
  auto routes = core_.Routes();
  if (!routes || !routes->ByPath(from))
    return Err(InvalidArgument("no matching mount at \"" + from + "\""));
  std::vector<core::MountEntry> all = core_.ListMounts("mounts");
  for (auto& e : core_.ListMounts("auth")) all.push_back(std::move(e));
  if (auto clash = FindConflict(all, to))
    return Err(InvalidArgument("path already in use at \"" + clash->path + "\""));

  COFFER_ASSIGN_OR_RETURN(std::string id, crypto::GenerateUuid(core_.GetRandom()));
  COFFER_RETURN_IF_ERROR(core_.Remount(from, to));
  {
    std::lock_guard<std::mutex> l(migrations_mu_);
    migrations_[id] = {{"source_mount", from}, {"target_mount", to}, {"status", "success"}};
  }
  core::Response resp = core::Response::WithData({{"migration_id", id}});
  resp.warnings.push_back(
      "Mount move has been queued. Progress will be reported in Vault's server log, tagged "
      "with the returned migration_id");
  return resp;
}

HandlerResult SystemBackend::RemountStatus(core::Request&, FieldData& d) {
  std::string id = d.GetString("migration_id");
  if (id.empty()) return Err(InvalidArgument("migrationID must be specified"));
  std::lock_guard<std::mutex> l(migrations_mu_);
  auto it = migrations_.find(id);
  if (it == migrations_.end()) return Err(NotFound(""));
  return core::Response::WithData({{"migration_id", id}, {"migration_info", it->second}});
}

}  // namespace coffer::engines::sys
