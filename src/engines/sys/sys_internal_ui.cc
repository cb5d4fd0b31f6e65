// sys/internal/ui/mounts and sys/internal/ui/mounts/<path>: the mount listing the UI and
// the CLI use (the CLI's KV preflight reads sys/internal/ui/mounts/<path> to learn a
// mount's path and options.version). Both are unauthenticated paths: without a token
// only mounts tuned listing_visibility=unauth are listed; with a valid token the mounts
// it can reach; an invalid token is refused (403), as Vault does.
// Vault: pathInternalUIMountsRead, pathInternalUIMountRead, hasMountAccess.

#include <algorithm>
#include <sstream>

#include "core/core_impl.h"
#include "core/policy/policy_store.h"
#include "engines/sys/mount_util.h"
#include "engines/sys/system_backend.h"

namespace coffer::engines::sys {

using core::Operation;
using framework::FieldType;

namespace {

std::vector<std::string> Segments(const std::string& path) {
  std::vector<std::string> out;
  std::stringstream ss(path);
  for (std::string seg; std::getline(ss, seg, '/');) out.push_back(seg);
  return out;
}

// Whether a '+' rule could match something under `mount` (its leading segments match).
bool SegmentRuleReaches(const core::PathRules& rule, const std::string& mount) {
  std::vector<std::string> pattern = Segments(rule.path), target = Segments(mount);
  for (size_t i = 0; i < target.size() && i < pattern.size(); ++i) {
    const std::string& p = pattern[i];
    bool last = i + 1 == pattern.size();
    if (last && !p.empty() && p.back() == '*')
      return target[i].rfind(p.substr(0, p.size() - 1), 0) == 0;
    if (p != "+" && p != target[i]) return false;
  }
  return true;
}

// Vault's hasMountAccess: the token has any non-deny capability on the mount path, or
// any rule at or below it grants something (after merging rules across policies, where
// deny wins).
Result<bool> HasMountAccess(core::CoreImpl& core, const core::TokenEntry& token,
                            const std::string& mount_path) {
  COFFER_ASSIGN_OR_RETURN(auto caps, core.Capabilities(token, mount_path));
  if (!(caps.size() == 1 && caps[0] == "deny") && !caps.empty()) return true;
  std::map<std::string, uint32_t> merged;  // rule path (+'*' for prefixes) -> capabilities
  for (const auto& name : token.policies) {
    COFFER_ASSIGN_OR_RETURN(auto policy, core.Policies().GetPolicy(name));
    if (policy == nullptr) continue;
    for (const auto& rule : policy->paths) {
      if (rule.templated) continue;
      uint32_t bits = rule.permissions.capabilities;
      if (rule.has_segment_wildcards) {
        if ((bits & core::kCapDeny) == 0 && bits != 0 && SegmentRuleReaches(rule, mount_path))
          return true;
        continue;
      }
      if (rule.path.rfind(mount_path, 0) != 0) continue;
      uint32_t& slot = merged[rule.path + (rule.is_prefix ? "*" : "")];
      slot = (slot & core::kCapDeny) || (bits & core::kCapDeny) ? core::kCapDeny : slot | bits;
    }
  }
  return std::any_of(merged.begin(), merged.end(), [](const auto& kv) {
    return kv.second != 0 && (kv.second & core::kCapDeny) == 0;
  });
}

}  // namespace

std::vector<framework::Path> SystemBackend::InternalUiPaths() {
  framework::Path all;
  all.pattern = "internal/ui/mounts$";
  all.operations[Operation::kRead] = [this](core::Request& r, FieldData& d) {
    return UiMounts(r, d);
  };
  all.help_synopsis = "Information about mounts returned according to their tuned visibility.";

  framework::Path one;
  one.pattern = "internal/ui/mounts/(?P<path>.+)";
  one.fields = {{"path", {FieldType::kString}}};
  one.operations[Operation::kRead] = [this](core::Request& r, FieldData& d) {
    return UiMount(r, d);
  };
  one.help_synopsis = "Return information about the given mount.";
  return {std::move(all), std::move(one)};
}

HandlerResult SystemBackend::UiMounts(core::Request& req, FieldData&) {
  std::optional<core::TokenEntry> token;
  if (!req.client_token.empty()) {
    COFFER_ASSIGN_OR_RETURN(token, core_.Tokens().Lookup(req.client_token));
    if (!token) return Err(PermissionDenied());
  }
  Json data = {{"secret", Json::object()}, {"auth", Json::object()}};
  for (const char* table : {"mounts", "auth"}) {
    for (const auto& entry : core_.ListMounts(table)) {
      bool visible = entry.config.listing_visibility == "unauth";
      if (!visible && token) {
        COFFER_ASSIGN_OR_RETURN(visible, HasMountAccess(core_, *token, entry.path));
      }
      if (!visible) continue;
      Json info =
          token ? MountInfo(entry)
                : Json{{"type", entry.type},
                       {"description", entry.description},
                       {"options", entry.options.empty() ? Json(nullptr) : Json(entry.options)}};
      bool is_auth = std::string_view(table) == "auth";
      data[is_auth ? "auth" : "secret"][is_auth ? StripAuthPrefix(entry.path) : entry.path] =
          std::move(info);
    }
  }
  return core::Response::WithData(std::move(data));
}

HandlerResult SystemBackend::UiMount(core::Request& req, FieldData& d) {
  std::string raw = d.GetString("path");
  if (raw.empty()) return Err(InvalidArgument("path not set"));
  std::string path = SanitizeMountPath(raw);
  COFFER_ASSIGN_OR_RETURN(auto token, core_.Tokens().Lookup(req.client_token));
  if (!token) return Err(PermissionDenied());
  Status denied = PermissionDenied(
      "preflight capability check returned 403, please ensure client's policies grant access "
      "to path \"" +
      path + "\"");
  auto entry = MatchingMountEntry(core_, path);
  if (!entry) return Err(denied);
  COFFER_ASSIGN_OR_RETURN(bool access, HasMountAccess(core_, *token, entry->path));
  if (!access) return Err(denied);
  Json data = MountInfo(*entry);
  data["path"] = StripAuthPrefix(entry->path);
  return core::Response::WithData(std::move(data));
}

}  // namespace coffer::engines::sys
