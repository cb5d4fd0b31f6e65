#include "core/mount_table.h"

#include <algorithm>

#include "core/barrier.h"

namespace coffer::core {

namespace {

Json ConfigToJson(const MountConfig& c) {
  Json j = {{"default_lease_ttl", c.default_lease_ttl.count()},
            {"max_lease_ttl", c.max_lease_ttl.count()},
            {"force_no_cache", c.force_no_cache}};
  if (!c.audit_non_hmac_request_keys.empty())
    j["audit_non_hmac_request_keys"] = c.audit_non_hmac_request_keys;
  if (!c.audit_non_hmac_response_keys.empty())
    j["audit_non_hmac_response_keys"] = c.audit_non_hmac_response_keys;
  if (!c.listing_visibility.empty()) j["listing_visibility"] = c.listing_visibility;
  if (!c.passthrough_request_headers.empty())
    j["passthrough_request_headers"] = c.passthrough_request_headers;
  if (!c.allowed_response_headers.empty())
    j["allowed_response_headers"] = c.allowed_response_headers;
  if (!c.token_type.empty()) j["token_type"] = c.token_type;
  return j;
}

MountConfig ConfigFromJson(const Json& j) {
  MountConfig c;
  if (!j.is_object()) return c;
  c.default_lease_ttl = std::chrono::seconds(j.value("default_lease_ttl", int64_t{0}));
  c.max_lease_ttl = std::chrono::seconds(j.value("max_lease_ttl", int64_t{0}));
  c.force_no_cache = j.value("force_no_cache", false);
  c.audit_non_hmac_request_keys =
      j.value("audit_non_hmac_request_keys", std::vector<std::string>{});
  c.audit_non_hmac_response_keys =
      j.value("audit_non_hmac_response_keys", std::vector<std::string>{});
  c.listing_visibility = j.value("listing_visibility", "");
  c.passthrough_request_headers =
      j.value("passthrough_request_headers", std::vector<std::string>{});
  c.allowed_response_headers = j.value("allowed_response_headers", std::vector<std::string>{});
  c.token_type = j.value("token_type", "");
  return c;
}

}  // namespace

Json MountEntry::ToJson() const {
  return {{"table", table},
          {"path", path},
          {"type", type},
          {"description", description},
          {"uuid", uuid},
          {"accessor", accessor},
          {"config", ConfigToJson(config)},
          {"options", options},
          {"local", local},
          {"seal_wrap", seal_wrap},
          {"external_entropy_access", external_entropy_access},
          {"running_version", running_version}};
}

Result<MountEntry> MountEntry::FromJson(const Json& j) {
  if (!j.is_object() || !j.contains("path") || !j.contains("type"))
    return Err(Corruption("mount table: malformed entry"));
  MountEntry e;
  e.table = j.value("table", "mounts");
  e.path = j.value("path", "");
  e.type = j.value("type", "");
  e.description = j.value("description", "");
  e.uuid = j.value("uuid", "");
  e.accessor = j.value("accessor", "");
  e.config = ConfigFromJson(j.value("config", Json::object()));
  if (j.contains("options") && j["options"].is_object())
    for (auto& [k, v] : j["options"].items())
      if (v.is_string()) e.options[k] = v.get<std::string>();
  e.local = j.value("local", false);
  e.seal_wrap = j.value("seal_wrap", false);
  e.external_entropy_access = j.value("external_entropy_access", false);
  e.running_version = j.value("running_version", "");
  return e;
}

Json MountEntry::ToApiJson() const {
  Json cfg = ConfigToJson(config);
  Json options_json = options.empty() ? Json(nullptr) : Json(options);
  return {{"type", type},
          {"description", description},
          {"accessor", accessor},
          {"uuid", uuid},
          {"config", cfg},
          {"options", options_json},
          {"local", local},
          {"seal_wrap", seal_wrap},
          {"external_entropy_access", external_entropy_access},
          {"plugin_version", ""},
          {"running_plugin_version", running_version},
          {"running_sha256", ""},
          {"deprecation_status", "supported"}};
}

std::string MountEntry::StoragePrefix() const {
  if (type == "system") return "sys/";
  if (type == "cubbyhole") return "cubbyhole/";
  if (table == "auth") return "auth/" + uuid + "/";
  return "logical/" + uuid + "/";
}

std::shared_ptr<Mount> RouteTable::Match(const std::string& path) const {
  for (const auto& m : mounts) {
    const std::string& p = m->entry.path;
    if (path.compare(0, p.size(), p) == 0) return m;
    // "secret" (no trailing slash) addresses the mount root "secret/".
    if (path.size() + 1 == p.size() && p.compare(0, path.size(), path) == 0) return m;
  }
  return nullptr;
}

std::shared_ptr<Mount> RouteTable::ByPath(const std::string& mount_path) const {
  for (const auto& m : mounts)
    if (m->entry.path == mount_path) return m;
  return nullptr;
}

std::shared_ptr<Mount> RouteTable::ByAccessor(const std::string& accessor) const {
  for (const auto& m : mounts)
    if (m->entry.accessor == accessor) return m;
  return nullptr;
}

}  // namespace coffer::core
