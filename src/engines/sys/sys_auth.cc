// sys/auth: list, read, enable and disable auth methods, and sys/auth/<path>/tune.
// Auth entries live in the "auth" table with paths like "auth/userpass/"; the API names
// them without the "auth/" prefix ("userpass/"), as Vault does.
// Vault: handleAuthTable, handleReadAuth, handleEnableAuth, handleDisableAuth.

#include "core/core_impl.h"
#include "engines/sys/mount_util.h"
#include "engines/sys/system_backend.h"

namespace coffer::engines::sys {

using core::Operation;

std::vector<framework::Path> SystemBackend::AuthPaths() {
  framework::Path tune;
  tune.pattern = "auth/(?P<path>.+?)/tune$";
  tune.fields = TuneFields();
  tune.operations[Operation::kRead] = [this](core::Request&, FieldData& d) {
    std::string path = d.GetString("path");
    if (path.empty())
      return HandlerResult(Err(InvalidArgument("path must be specified as a string")));
    return ReadTune("auth/" + path);
  };
  tune.operations[Operation::kUpdate] = [this](core::Request&, FieldData& d) {
    std::string path = d.GetString("path");
    if (path.empty()) return HandlerResult(Err(InvalidArgument("missing path")));
    return WriteTune("auth/" + path, d);
  };
  tune.help_synopsis = "Tune the configuration parameters for an auth path.";

  framework::Path method;
  method.pattern = "auth/(?P<path>.+)";
  method.fields = EnableFields();
  method.operations[Operation::kRead] = [this](core::Request& r, FieldData& d) {
    return ReadAuth(r, d);
  };
  method.operations[Operation::kUpdate] = [this](core::Request& r, FieldData& d) {
    return EnableAuth(r, d);
  };
  method.operations[Operation::kDelete] = [this](core::Request& r, FieldData& d) {
    return DisableAuth(r, d);
  };
  method.help_synopsis = "Enable a new credential backend with a name.";

  framework::Path list;
  list.pattern = "auth/?$";
  list.operations[Operation::kRead] = [this](core::Request& r, FieldData& d) {
    return ListAuth(r, d);
  };
  list.help_synopsis = "List the currently enabled credential backends.";
  return {std::move(tune), std::move(method), std::move(list)};
}

HandlerResult SystemBackend::ListAuth(core::Request&, FieldData&) {
  Json data = Json::object();
  for (const auto& entry : core_.ListMounts("auth"))
    data[StripAuthPrefix(entry.path)] = MountInfo(entry);
  return core::Response::WithData(std::move(data));
}

HandlerResult SystemBackend::ReadAuth(core::Request&, FieldData& d) {
  std::string path = SanitizeMountPath(d.GetString("path"));
  for (const auto& entry : core_.ListMounts("auth")) {
    if (entry.path == "auth/" + path) return core::Response::WithData(MountInfo(entry));
  }
  return Err(InvalidArgument("No auth engine at " + path));
}

HandlerResult SystemBackend::EnableAuth(core::Request&, FieldData& d) {
  std::string path = SanitizeMountPath(d.GetString("path"));
  core::MountEntry entry;
  entry.table = "auth";
  entry.path = "auth/" + path;
  entry.type = d.GetString("type");
  entry.description = d.GetString("description");
  entry.options = d.GetKvPairs("options");
  entry.local = d.GetBool("local");
  entry.seal_wrap = d.GetBool("seal_wrap");
  entry.external_entropy_access = d.GetBool("external_entropy_access");
  Json config = d.Get("config");
  COFFER_ASSIGN_OR_RETURN(entry.config, ParseMountConfig(config, true, core_.MaxLeaseTtl()));
  if (entry.type.empty()) return Err(InvalidArgument("backend type must be specified as a string"));
  if (entry.type == "plugin") {
    std::string name = JsonString(config, "plugin_name");
    entry.type = name.empty() ? d.GetString("plugin_name") : name;
    if (entry.type.empty())
      return Err(InvalidArgument("plugin_name must be provided for plugin backend"));
  }
  if (auto v = entry.options.find("version"); v != entry.options.end() && !v->second.empty())
    return Err(
        InvalidArgument("auth method \"" + entry.type + "\" does not allow setting a version"));
  if (path.empty() || path == "/") return Err(InvalidArgument("backend path must be specified"));
  if (auto clash = FindConflict(core_.ListMounts("auth"), entry.path))
    return Err(InvalidArgument("path is already in use at " + StripAuthPrefix(clash->path)));
  if (entry.type == "token")
    return Err(InvalidArgument("token credential backend cannot be instantiated"));
  COFFER_RETURN_IF_ERROR(core_.EnableMount(std::move(entry)));
  return core::Response{};
}

HandlerResult SystemBackend::DisableAuth(core::Request&, FieldData& d) {
  std::string path = SanitizeMountPath(d.GetString("path"));
  std::string full = "auth/" + path;
  auto routes = core_.Routes();
  // Success when nothing is mounted there, so the endpoint does not reveal mounts.
  if (!routes || !routes->ByPath(full)) return core::Response{};
  if (path == "token/") return Err(InvalidArgument("token credential backend cannot be disabled"));
  COFFER_RETURN_IF_ERROR(core_.DisableMount("auth", full));
  return core::Response{};
}

}  // namespace coffer::engines::sys
