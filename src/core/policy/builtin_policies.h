#pragma once
// The policies every Coffer has, as in Vault (vault/policy_store.go):
//  - "root": implicit, never stored, grants everything; cannot be written or deleted.
//  - "default": stored by PolicyStore::Setup when absent; operators may edit it but not
//    delete it. Lets a token manage itself, its cubbyhole, wrapping and lease lookups.
//  - "response-wrapping": stored by Setup, immutable, not listed; attached to wrapping
//    tokens so they can read their cubbyhole/response and unwrap.

#include <memory>
#include <string_view>

#include "core/policy/policy.h"

namespace coffer::core {

inline constexpr std::string_view kRootPolicyName = "root";
inline constexpr std::string_view kDefaultPolicyName = "default";
inline constexpr std::string_view kResponseWrappingPolicyName = "response-wrapping";
inline constexpr std::string_view kControlGroupPolicyName = "control-group";

// HCL text of the built-in default policy.
std::string_view DefaultPolicyText();

// HCL text of the fixed response-wrapping policy.
std::string_view ResponseWrappingPolicyText();

// The root policy object (name "root", no rules; Acl treats it as all-powerful).
std::shared_ptr<const Policy> RootPolicy();

// Policies that cannot be written or deleted: root, response-wrapping, control-group.
bool IsImmutablePolicy(std::string_view name);

// Policies hidden from listings and not assignable to tokens: response-wrapping,
// control-group.
bool IsNonAssignablePolicy(std::string_view name);

}  // namespace coffer::core
