// sys/mounts: list, read, enable and disable secrets engines, and the tune endpoints
// (read/write) shared with sys/auth/<path>/tune. Vault: handleMountTable, handleMount,
// handleReadMount, handleUnmount, handleTuneReadCommon, handleTuneWriteCommon.

#include "base/duration.h"
#include "core/core_impl.h"
#include "engines/sys/mount_util.h"
#include "engines/sys/system_backend.h"

namespace coffer::engines::sys {

using core::Operation;
using framework::FieldSchema;
using framework::FieldType;

namespace {

// Types that exist once, at a fixed path (Vault's singletonMounts).
bool IsSingletonType(const std::string& type) {
  return type == "cubbyhole" || type == "system" || type == "token" || type == "identity";
}

// Resolves "kv-v1"/"kv-v2"/"generic" and rejects a version option on other engines.
Status ResolveSecretsType(std::string* type, std::map<std::string, std::string>* options) {
  if (*type == "kv-v1" || *type == "kv-v2") {
    (*options)["version"] = type->back() == '1' ? "1" : "2";
    *type = "kv";
  } else if (*type == "generic") {
    *type = "kv";
  } else if (*type != "kv") {
    auto it = options->find("version");
    if (it != options->end() && !it->second.empty())
      return InvalidArgument("secrets engine \"" + *type + "\" does not allow setting a version");
  }
  return Status::Ok();
}

// Applies a tune request's TTL fields to `tune` (Vault's tuneMountTTLs rules).
Status TuneTtls(const core::MountEntry& entry, FieldData& d, Json* tune) {
  auto parse = [&](const char* key, std::chrono::seconds current,
                   std::chrono::seconds* out) -> Status {
    *out = current;
    std::string text = JsonString(d.raw(), key);
    if (text.empty()) return Status::Ok();
    if (text == "system") {
      *out = std::chrono::seconds(0);
      return Status::Ok();
    }
    auto v = ParseDuration(text);
    if (!v) return v.error();
    *out = *v;
    return Status::Ok();
  };
  std::chrono::seconds def, max;
  COFFER_RETURN_IF_ERROR(parse("default_lease_ttl", entry.config.default_lease_ttl, &def));
  COFFER_RETURN_IF_ERROR(parse("max_lease_ttl", entry.config.max_lease_ttl, &max));
  if (def == entry.config.default_lease_ttl && max == entry.config.max_lease_ttl)
    return Status::Ok();
  if (def.count() != 0 && max.count() != 0 && max < def)
    return InvalidArgument("backend max lease TTL of " + std::to_string(max.count()) +
                           " would be less than backend default lease TTL of " +
                           std::to_string(def.count()));
  (*tune)["default_lease_ttl"] = def.count();
  (*tune)["max_lease_ttl"] = max.count();
  return Status::Ok();
}

// The KV version rules of a tune's "options" (no downgrade, only 1 or 2) and the merge of
// the new options into the entry's: an empty value removes a key (except "version").
Result<Json> TuneOptions(const core::MountEntry& entry,
                         const std::map<std::string, std::string>& in,
                         std::vector<std::string>* warnings) {
  auto version_of = [](const std::string& s) -> Result<int64_t> {
    if (s.empty()) return int64_t{0};
    return JsonToInt(Json(s));
  };
  if (auto v = in.find("version"); v != in.end()) {
    auto cur_it = entry.options.find("version");
    auto current = version_of(cur_it == entry.options.end() ? "" : cur_it->second);
    if (!current) return Err(Internal("unable to parse mount entry: " + current.error().message()));
    auto wanted = version_of(v->second);
    if (!wanted)
      return Err(InvalidArgument("unable to parse options: " + wanted.error().message()));
    if (*wanted != 1 && *wanted != 2)
      return Err(InvalidArgument("invalid version provided: " + std::to_string(*wanted)));
    if (*current > *wanted)
      return Err(
          InvalidArgument("cannot downgrade mount from version " + std::to_string(*current)));
    if (*current < *wanted)
      warnings->push_back("Upgrading mount from version " + std::to_string(*current) +
                          " to version " + std::to_string(*wanted) +
                          ". This mount will be unavailable for a brief period and will resume "
                          "service shortly.");
  }
  std::map<std::string, std::string> merged = entry.options;
  for (const auto& [k, v] : in) {
    if (v.empty() && k != "version")
      merged.erase(k);
    else
      merged[k] = v;
  }
  return Json(merged);
}

// The list-valued and string-valued config keys a tune may set, copied when present.
Status TuneConfigKeys(const core::MountEntry& entry, FieldData& d, Json* tune) {
  for (const char* key : {"audit_non_hmac_request_keys", "audit_non_hmac_response_keys",
                          "passthrough_request_headers", "allowed_response_headers"}) {
    if (auto v = d.GetOk(key)) (*tune)[key] = *v;
  }
  if (auto v = d.GetOk("description")) (*tune)["description"] = *v;
  if (auto v = d.GetOk("listing_visibility")) {
    COFFER_RETURN_IF_ERROR(CheckListingVisibility(v->get<std::string>()));
    (*tune)["listing_visibility"] = *v;
  }
  if (auto v = d.GetOk("token_type")) {
    if (entry.table != "auth")
      return InvalidArgument("'token_type' can only be modified on auth mounts");
    if (entry.type == "token" || entry.type == "ns_token")
      return InvalidArgument("'token_type' cannot be set for 'token' or 'ns_token' auth mounts");
    COFFER_ASSIGN_OR_RETURN(auto tt, NormalizeTokenType(v->get<std::string>()));
    (*tune)["token_type"] = tt;
  }
  return Status::Ok();
}

}  // namespace

framework::FieldSchemas TuneFields() {
  return {{"path", {FieldType::kString}},
          {"default_lease_ttl", {FieldType::kString}},
          {"max_lease_ttl", {FieldType::kString}},
          {"description", {FieldType::kString}},
          {"audit_non_hmac_request_keys", {FieldType::kCommaStringSlice}},
          {"audit_non_hmac_response_keys", {FieldType::kCommaStringSlice}},
          {"listing_visibility", {FieldType::kString}},
          {"passthrough_request_headers", {FieldType::kCommaStringSlice}},
          {"allowed_response_headers", {FieldType::kCommaStringSlice}},
          {"token_type", {FieldType::kString}},
          {"options", {FieldType::kKvPairs}},
          {"plugin_version", {FieldType::kString}}};
}

framework::FieldSchemas EnableFields() {
  return {{"path", {FieldType::kString}},
          {"type", {FieldType::kString}},
          {"description", {FieldType::kString}},
          {"config", {FieldType::kMap}},
          {"options", {FieldType::kKvPairs}},
          {"local", {FieldType::kBool, Json(false)}},
          {"seal_wrap", {FieldType::kBool, Json(false)}},
          {"external_entropy_access", {FieldType::kBool, Json(false)}},
          {"plugin_name", {FieldType::kString}},
          {"plugin_version", {FieldType::kString}}};
}

std::vector<framework::Path> SystemBackend::MountPaths() {
  framework::Path tune;
  tune.pattern = "mounts/(?P<path>.+?)/tune$";
  tune.fields = TuneFields();
  tune.operations[Operation::kRead] = [this](core::Request&, FieldData& d) {
    return ReadTune(d.GetString("path"));
  };
  tune.operations[Operation::kUpdate] = [this](core::Request&, FieldData& d) {
    return WriteTune(d.GetString("path"), d);
  };
  tune.help_synopsis = "Tune backend configuration parameters for this mount.";

  framework::Path mount;
  mount.pattern = "mounts/(?P<path>.+?)";
  mount.fields = EnableFields();
  mount.operations[Operation::kRead] = [this](core::Request& r, FieldData& d) {
    return ReadMount(r, d);
  };
  mount.operations[Operation::kUpdate] = [this](core::Request& r, FieldData& d) {
    return EnableMount(r, d);
  };
  mount.operations[Operation::kDelete] = [this](core::Request& r, FieldData& d) {
    return DisableMount(r, d);
  };
  mount.help_synopsis = "Mount a new backend at a new path.";

  framework::Path list;
  list.pattern = "mounts/?$";
  list.operations[Operation::kRead] = [this](core::Request& r, FieldData& d) {
    return ListMounts(r, d);
  };
  list.help_synopsis = "List the currently mounted backends.";
  return {std::move(tune), std::move(mount), std::move(list)};
}

HandlerResult SystemBackend::ListMounts(core::Request&, FieldData&) {
  Json data = Json::object();
  for (const auto& entry : core_.ListMounts("mounts")) data[entry.path] = MountInfo(entry);
  return core::Response::WithData(std::move(data));
}

HandlerResult SystemBackend::ReadMount(core::Request&, FieldData& d) {
  std::string path = SanitizeMountPath(d.GetString("path"));
  auto entry = MatchingMountEntry(core_, path);
  if (!entry) return Err(InvalidArgument("No secret engine mount at " + path));
  return core::Response::WithData(MountInfo(*entry));
}

HandlerResult SystemBackend::EnableMount(core::Request&, FieldData& d) {
  core::MountEntry entry;
  entry.table = "mounts";
  entry.path = SanitizeMountPath(d.GetString("path"));
  entry.type = d.GetString("type");
  entry.description = d.GetString("description");
  entry.options = d.GetKvPairs("options");
  entry.local = d.GetBool("local");
  entry.seal_wrap = d.GetBool("seal_wrap");
  entry.external_entropy_access = d.GetBool("external_entropy_access");
  Json config = d.Get("config");
  COFFER_ASSIGN_OR_RETURN(entry.config, ParseMountConfig(config, false, core_.MaxLeaseTtl()));
  if (entry.type.empty()) return Err(InvalidArgument("backend type must be specified as a string"));
  if (entry.type == "plugin") {
    std::string name = JsonString(config, "plugin_name");
    entry.type = name.empty() ? d.GetString("plugin_name") : name;
    if (entry.type.empty())
      return Err(InvalidArgument("plugin_name must be provided for plugin backend"));
  }
  COFFER_RETURN_IF_ERROR(ResolveSecretsType(&entry.type, &entry.options));
  if (entry.path.empty()) return Err(InvalidArgument("path must be specified"));
  if (HasAnyPrefix(entry.path, ProtectedMounts()))
    return Err(PermissionDenied("cannot mount \"" + entry.path + "\""));
  if (IsSingletonType(entry.type))
    return Err(PermissionDenied("mount type of \"" + entry.type + "\" is not mountable"));
  if (auto clash = FindConflict(core_.ListMounts("mounts"), entry.path))
    return Err(InvalidArgument("path is already in use at " + clash->path));
  COFFER_RETURN_IF_ERROR(core_.EnableMount(std::move(entry)));
  return core::Response{};
}

HandlerResult SystemBackend::DisableMount(core::Request&, FieldData& d) {
  std::string path = SanitizeMountPath(d.GetString("path"));
  auto routes = core_.Routes();
  // Success when nothing is mounted there, so the endpoint does not reveal mounts.
  if (!routes || !routes->ByPath(path)) return core::Response{};
  if (HasAnyPrefix(path, ProtectedMounts()))
    return Err(InvalidArgument("cannot unmount \"" + path + "\""));
  COFFER_RETURN_IF_ERROR(core_.DisableMount("mounts", path));
  return core::Response{};
}

HandlerResult SystemBackend::ReadTune(const std::string& raw_path) {
  if (raw_path.empty()) return Err(InvalidArgument("path must be specified as a string"));
  std::string path = SanitizeMountPath(raw_path);
  auto entry = MatchingMountEntry(core_, path);
  if (!entry) return Err(InvalidArgument("cannot fetch sysview for path \"" + path + "\""));
  EffectiveTtls ttls = MountTtls(core_, entry->config);
  const core::MountConfig& c = entry->config;
  Json data = {{"description", entry->description},
               {"default_lease_ttl", ttls.default_ttl.count()},
               {"max_lease_ttl", ttls.max_ttl.count()},
               {"force_no_cache", c.force_no_cache}};
  if (entry->external_entropy_access) data["external_entropy_access"] = true;
  if (entry->table == "auth")
    data["token_type"] = c.token_type.empty() ? "default-service" : c.token_type;
  if (!c.audit_non_hmac_request_keys.empty())
    data["audit_non_hmac_request_keys"] = c.audit_non_hmac_request_keys;
  if (!c.audit_non_hmac_response_keys.empty())
    data["audit_non_hmac_response_keys"] = c.audit_non_hmac_response_keys;
  if (!c.listing_visibility.empty()) data["listing_visibility"] = c.listing_visibility;
  if (!c.passthrough_request_headers.empty())
    data["passthrough_request_headers"] = c.passthrough_request_headers;
  if (!c.allowed_response_headers.empty())
    data["allowed_response_headers"] = c.allowed_response_headers;
  if (!entry->options.empty()) data["options"] = entry->options;
  return core::Response::WithData(std::move(data));
}

HandlerResult SystemBackend::WriteTune(const std::string& raw_path, FieldData& d) {
  if (raw_path.empty()) return Err(InvalidArgument("missing path"));
  std::string path = SanitizeMountPath(raw_path);
  if (HasAnyPrefix(path, UntunableMounts()))
    return Err(InvalidArgument("cannot tune \"" + path + "\""));
  auto entry = MatchingMountEntry(core_, path);
  if (!entry)
    return Err(InvalidArgument("tune of path \"" + path + "\" failed: no mount entry found"));
  Json tune = Json::object();
  core::Response resp;
  COFFER_RETURN_IF_ERROR(TuneTtls(*entry, d, &tune));
  COFFER_RETURN_IF_ERROR(TuneConfigKeys(*entry, d, &tune));
  auto options = d.GetKvPairs("options");
  if (!options.empty()) {
    COFFER_ASSIGN_OR_RETURN(tune["options"], TuneOptions(*entry, options, &resp.warnings));
  }
  if (!tune.empty()) COFFER_RETURN_IF_ERROR(core_.TuneMount(entry->table, entry->path, tune));
  return resp;
}

}  // namespace coffer::engines::sys
