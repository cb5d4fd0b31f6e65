#include "core/policy/builtin_policies.h"

namespace coffer::core {
namespace {

// Same rules as Vault's default policy; the comments are ours.
constexpr std::string_view kDefaultPolicy = R"(# Tokens may read their own properties.
path "auth/token/lookup-self" {
    capabilities = ["read"]
}

# Tokens may renew themselves.
path "auth/token/renew-self" {
    capabilities = ["update"]
}

# Tokens may revoke themselves.
path "auth/token/revoke-self" {
    capabilities = ["update"]
}

# Tokens may ask what they can do on a path.
path "sys/capabilities-self" {
    capabilities = ["update"]
}

# Tokens may read the identity entity they belong to.
path "identity/entity/id/{{identity.entity.id}}" {
    capabilities = ["read"]
}
path "identity/entity/name/{{identity.entity.name}}" {
    capabilities = ["read"]
}

# Tokens may read their combined ACL (used by the web UI; the format is internal).
path "sys/internal/ui/resultant-acl" {
    capabilities = ["read"]
}

# Tokens may renew a lease they know the ID of (old and new endpoints).
path "sys/renew" {
    capabilities = ["update"]
}
path "sys/leases/renew" {
    capabilities = ["update"]
}

# Tokens may look up a lease they know the ID of.
path "sys/leases/lookup" {
    capabilities = ["update"]
}

# Every token owns a private cubbyhole.
path "cubbyhole/*" {
    capabilities = ["create", "read", "update", "delete", "list"]
}

# Tokens may wrap arbitrary data in a response-wrapping token.
path "sys/wrapping/wrap" {
    capabilities = ["update"]
}

# Tokens may look up the creation time and TTL of a wrapping token.
path "sys/wrapping/lookup" {
    capabilities = ["update"]
}

# Tokens may unwrap a wrapping token they hold.
path "sys/wrapping/unwrap" {
    capabilities = ["update"]
}

# General-purpose hashing.
path "sys/tools/hash" {
    capabilities = ["update"]
}
path "sys/tools/hash/*" {
    capabilities = ["update"]
}

# Tokens may check a control group request whose accessor they hold.
path "sys/control-group/request" {
    capabilities = ["update"]
}

# Tokens may call the authorization endpoint of OIDC providers.
path "identity/oidc/provider/+/authorize" {
    capabilities = ["read", "update"]
}
)";

constexpr std::string_view kResponseWrappingPolicy = R"(path "cubbyhole/response" {
    capabilities = ["create", "read"]
}

path "sys/wrapping/unwrap" {
    capabilities = ["update"]
}
)";

}  // namespace

std::string_view DefaultPolicyText() { return kDefaultPolicy; }

std::string_view ResponseWrappingPolicyText() { return kResponseWrappingPolicy; }

std::shared_ptr<const Policy> RootPolicy() {
  static const std::shared_ptr<const Policy> root = [] {
    auto p = std::make_shared<Policy>();
    p->name = std::string(kRootPolicyName);
    return std::shared_ptr<const Policy>(std::move(p));
  }();
  return root;
}

bool IsImmutablePolicy(std::string_view name) {
  return name == kRootPolicyName || IsNonAssignablePolicy(name);
}

bool IsNonAssignablePolicy(std::string_view name) {
  return name == kResponseWrappingPolicyName || name == kControlGroupPolicyName;
}

}  // namespace coffer::core
