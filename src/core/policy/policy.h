#pragma once
// ACL policies as Vault writes them (vault/policy.go): HCL or JSON text naming paths and
// the capabilities granted on them. ParsePolicy turns the text into a Policy; Acl
// (acl.h) compiles one or more Policies into the structure requests are checked against.
//
//   path "secret/*"        { capabilities = ["read", "list"] }
//   path "secret/+/config" { capabilities = ["update"]
//                            allowed_parameters = { "ttl" = ["1h", "2h"] } }
//   {"path": {"secret/*": {"capabilities": ["read"]}}}          (the same in JSON)
//
// Path syntax: a trailing '*' makes a prefix rule; a '+' segment matches exactly one
// path segment; a leading '/' is dropped; "+*" is rejected. Paths holding identity
// templates ("{{identity.entity.id}}") are kept but marked templated: without an
// identity store they never match (as in Vault for a token with no entity).
//
// Invariants of a parsed PathRules: a rule whose capabilities include "deny" has exactly
// kCapDeny and no parameter constraints; parameter keys are lower-cased; for a prefix
// rule `path` holds the text before the '*'.
//
// Thread-safety: Policy is an immutable value once parsed; share it as
// std::shared_ptr<const Policy>.

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/json.h"
#include "base/status.h"

namespace coffer::core {

// Capability bits, in Vault's bitmap order (vault/policy.go).
inline constexpr uint32_t kCapDeny = 1u << 0;
inline constexpr uint32_t kCapCreate = 1u << 1;
inline constexpr uint32_t kCapRead = 1u << 2;
inline constexpr uint32_t kCapUpdate = 1u << 3;
inline constexpr uint32_t kCapDelete = 1u << 4;
inline constexpr uint32_t kCapList = 1u << 5;
inline constexpr uint32_t kCapSudo = 1u << 6;
inline constexpr uint32_t kCapPatch = 1u << 7;
inline constexpr uint32_t kCapSubscribe = 1u << 8;  // accepted; used by event streams
inline constexpr uint32_t kCapRecover = 1u << 9;    // accepted; used by snapshot recovery

// "read" -> kCapRead; 0 for an unknown name. "root" is not a capability.
uint32_t CapabilityFromName(std::string_view name);

// Names of the bits set in `bitmap` (excluding deny), in Vault's reporting order:
// sudo, read, list, update, delete, create, patch, subscribe, recover.
std::vector<std::string> CapabilityNames(uint32_t bitmap);

// Parameter name (lower-cased) -> permitted or forbidden values. An empty value list
// means "any value". String values may hold a leading and/or trailing '*' glob.
using ParameterMap = std::map<std::string, std::vector<Json>>;

// What one path rule grants (Vault's ACLPermissions).
struct Permissions {
  uint32_t capabilities = 0;
  std::chrono::seconds min_wrapping_ttl{0};  // 0 = unset
  std::chrono::seconds max_wrapping_ttl{0};  // 0 = unset
  ParameterMap allowed_parameters;
  ParameterMap denied_parameters;
  std::vector<std::string> required_parameters;
  // Accepted for compatibility; not enforced by Coffer.
  std::vector<std::string> mfa_methods;
  std::vector<std::string> subscribe_event_types;
};

struct PathRules {
  std::string path;  // without a leading '/', and without the '*' of a prefix rule
  bool is_prefix = false;
  bool has_segment_wildcards = false;  // '+' segments; such a path keeps its trailing '*'
  bool templated = false;              // holds {{...}} identity templates
  Permissions permissions;
};

struct Policy {
  std::string name;  // lower-cased, trimmed
  std::string raw;   // the text as given
  std::vector<PathRules> paths;
  bool templated = false;  // any path is templated
};

// Parses an ACL policy in HCL or JSON (JSON when the text starts with '{').
// `name` is trimmed and lower-cased into Policy::name. Errors are InvalidArgument and
// read like Vault's: `failed to parse policy: path "x": invalid key "y" on line 3`.
Result<Policy> ParsePolicy(std::string_view name, std::string_view text);

// Vault's policy-name normalisation: trimmed and lower-cased.
std::string SanitizePolicyName(std::string_view name);

// Checks the {{...}} templating in a policy path the way Vault's validity check does.
// Sets *templated when the path holds at least one template.
Status ValidatePathTemplating(std::string_view path, bool* templated);

}  // namespace coffer::core
