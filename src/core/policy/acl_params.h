#pragma once
// Internal to core/policy: request-parameter checks of a matched rule (the parameter half
// of Vault's ACL.AllowOperation, with its non-legacy list matching).

#include <string>
#include <string_view>
#include <vector>

#include "base/json.h"
#include "core/policy/policy.h"

namespace coffer::core::internal {

// Vault's strutil.GlobbedStringsMatch: `item` may start and/or end with '*'. An item
// shorter than two characters matches only itself (so "*" alone matches only "*").
bool GlobMatch(std::string_view item, std::string_view value);

// True when `data` (an object, or null for no data) satisfies the required, denied and
// allowed parameters of `perms`; otherwise false with `*reason` set.
bool ParametersAllowed(const Permissions& perms, const Json& data, std::string* reason);

}  // namespace coffer::core::internal
