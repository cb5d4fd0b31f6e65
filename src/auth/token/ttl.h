#pragma once
// The TTL a new or renewed token gets, by the rules of Vault's framework.CalculateTTL:
//  - the effective max is the mount's max, lowered by a backend max and by the token's
//    explicit_max_ttl when those are set and smaller;
//  - a periodic token gets its period (capped at the effective max, with a warning) and
//    is otherwise bounded only by explicit_max_ttl counted from its start;
//  - any other token gets the increment, else the requested TTL, else the mount default,
//    capped so it does not outlive start + effective max (with a warning).
// Pure function of its arguments; times are unix seconds.

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"

namespace coffer::auth::token {

struct TtlLimits {
  std::chrono::seconds default_ttl{0};  // the mount's SystemView DefaultLeaseTtl
  std::chrono::seconds max_ttl{0};      // the mount's SystemView MaxLeaseTtl
};

struct TtlResult {
  std::chrono::seconds ttl{0};
  std::vector<std::string> warnings;
};

// Errors: Internal("max TTL must be greater than zero") when no positive max applies;
// InvalidArgument("past the max TTL, cannot renew") when the start + max already passed.
Result<TtlResult> CalculateTtl(const TtlLimits& limits, std::chrono::seconds increment,
                               std::chrono::seconds requested_ttl, std::chrono::seconds period,
                               std::chrono::seconds backend_max_ttl,
                               std::chrono::seconds explicit_max_ttl, int64_t start_unix,
                               int64_t now_unix);

}  // namespace coffer::auth::token
