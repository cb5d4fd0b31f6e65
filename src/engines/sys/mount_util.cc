#include "engines/sys/mount_util.h"

#include "base/duration.h"
#include "core/core_impl.h"

namespace coffer::engines::sys {

namespace {

// Reads a TTL from a config value: "" or "system" -> 0, a duration string, or seconds.
Result<std::chrono::seconds> ParseConfigTtl(const Json& v, const char* what) {
  if (v.is_null()) return std::chrono::seconds(0);
  if (v.is_number_integer() && v.get<int64_t>() >= 0) return std::chrono::seconds(v.get<int64_t>());
  std::string text = v.is_string() ? v.get<std::string>() : v.dump();
  if (text.empty() || text == "system") return std::chrono::seconds(0);
  auto d = ParseDuration(text);
  if (!d)
    return Err(InvalidArgument("unable to parse " + std::string(what) + " of " + text + ": " +
                               d.error().message()));
  return *d;
}

Status ParseStringList(const Json& config, const char* key, std::vector<std::string>* out) {
  if (!config.contains(key)) return Status::Ok();
  auto list = JsonToStringList(config.at(key));
  if (!list) return InvalidArgument("unable to convert given mount config information");
  *out = std::move(*list);
  return Status::Ok();
}

Status ParseTtls(const Json& config, std::chrono::seconds system_max, core::MountConfig* c) {
  COFFER_ASSIGN_OR_RETURN(c->default_lease_ttl,
                          ParseConfigTtl(config.value("default_lease_ttl", Json()), "default TTL"));
  COFFER_ASSIGN_OR_RETURN(c->max_lease_ttl,
                          ParseConfigTtl(config.value("max_lease_ttl", Json()), "max TTL"));
  if (c->max_lease_ttl.count() != 0 && c->default_lease_ttl > c->max_lease_ttl)
    return InvalidArgument("given default lease TTL greater than given max lease TTL");
  if (c->default_lease_ttl > system_max && c->max_lease_ttl.count() == 0)
    return InvalidArgument("given default lease TTL greater than system max lease TTL of " +
                           std::to_string(system_max.count()));
  return Status::Ok();
}

}  // namespace

std::string JsonString(const Json& obj, const char* key) {
  if (!obj.is_object()) return "";
  auto it = obj.find(key);
  if (it == obj.end()) return "";
  if (it->is_string()) return it->get<std::string>();
  if (it->is_null()) return "";
  return it->dump();
}

std::string SanitizeMountPath(std::string path) {
  if (path.empty() || path.back() != '/') path += '/';
  if (path.front() == '/') path.erase(0, 1);
  return path;
}

std::string StripAuthPrefix(const std::string& path) {
  return path.rfind("auth/", 0) == 0 ? path.substr(5) : path;
}

bool HasAnyPrefix(std::string_view path, const std::vector<std::string_view>& prefixes) {
  for (auto p : prefixes)
    if (path.substr(0, p.size()) == p) return true;
  return false;
}

const std::vector<std::string_view>& ProtectedMounts() {
  static const std::vector<std::string_view> kPaths = {"audit/", "auth/", "sys/", "cubbyhole/",
                                                       "identity/"};
  return kPaths;
}

const std::vector<std::string_view>& UntunableMounts() {
  static const std::vector<std::string_view> kPaths = {"cubbyhole/", "sys/", "audit/", "identity/"};
  return kPaths;
}

Status CheckListingVisibility(const std::string& visibility) {
  if (visibility.empty() || visibility == "hidden" || visibility == "unauth") return Status::Ok();
  return InvalidArgument("invalid listing_visibility " + visibility);
}

Result<std::string> NormalizeTokenType(const std::string& token_type) {
  if (token_type.empty()) return std::string("default-service");
  if (token_type == "default-service" || token_type == "default-batch" || token_type == "service" ||
      token_type == "batch")
    return token_type;
  return Err(InvalidArgument("invalid value for 'token_type'"));
}

Result<core::MountConfig> ParseMountConfig(const Json& config, bool auth,
                                           std::chrono::seconds system_max_ttl) {
  core::MountConfig c;
  if (auth) c.token_type = "default-service";
  if (config.is_null() || (config.is_object() && config.empty())) return c;
  if (!config.is_object())
    return Err(InvalidArgument("unable to convert given mount config information"));
  COFFER_RETURN_IF_ERROR(ParseTtls(config, system_max_ttl, &c));
  if (config.contains("force_no_cache")) {
    auto b = JsonToBool(config.at("force_no_cache"));
    if (!b) return Err(InvalidArgument("unable to convert given mount config information"));
    c.force_no_cache = *b;
  }
  COFFER_RETURN_IF_ERROR(
      ParseStringList(config, "audit_non_hmac_request_keys", &c.audit_non_hmac_request_keys));
  COFFER_RETURN_IF_ERROR(
      ParseStringList(config, "audit_non_hmac_response_keys", &c.audit_non_hmac_response_keys));
  COFFER_RETURN_IF_ERROR(
      ParseStringList(config, "passthrough_request_headers", &c.passthrough_request_headers));
  COFFER_RETURN_IF_ERROR(
      ParseStringList(config, "allowed_response_headers", &c.allowed_response_headers));
  c.listing_visibility = JsonString(config, "listing_visibility");
  COFFER_RETURN_IF_ERROR(CheckListingVisibility(c.listing_visibility));
  if (auth) {
    COFFER_ASSIGN_OR_RETURN(c.token_type, NormalizeTokenType(JsonString(config, "token_type")));
  }
  return c;
}

Json MountInfo(const core::MountEntry& entry) {
  Json info = entry.ToApiJson();
  if (entry.table == "auth" && !info["config"].contains("token_type"))
    info["config"]["token_type"] = "default-service";
  if (entry.table != "auth") info["config"].erase("token_type");
  return info;
}

EffectiveTtls MountTtls(const core::CoreImpl& core, const core::MountConfig& config) {
  EffectiveTtls t;
  t.default_ttl =
      config.default_lease_ttl.count() != 0 ? config.default_lease_ttl : core.DefaultLeaseTtl();
  t.max_ttl = config.max_lease_ttl.count() != 0 ? config.max_lease_ttl : core.MaxLeaseTtl();
  return t;
}

std::optional<core::MountEntry> FindConflict(const std::vector<core::MountEntry>& entries,
                                             const std::string& path) {
  for (const auto& e : entries) {
    if (e.path.rfind(path, 0) == 0 || path.rfind(e.path, 0) == 0) return e;
  }
  return std::nullopt;
}

std::optional<core::MountEntry> MatchingMountEntry(const core::CoreImpl& core,
                                                   const std::string& path) {
  auto routes = core.Routes();
  if (!routes) return std::nullopt;
  auto mount = routes->Match(path);
  if (!mount) return std::nullopt;
  return mount->entry;
}

}  // namespace coffer::engines::sys
