#pragma once
// Durations as Vault writes them: "768h", "1h30m", "45s", "500ms", "7d", or a bare
// integer number of seconds (string or JSON number). Mirrors parseutil.ParseDurationSecond.

#include <chrono>
#include <string>
#include <string_view>

#include "base/status.h"

namespace coffer {

// Parses a duration, rounded down to whole seconds. Negative durations are rejected.
Result<std::chrono::seconds> ParseDuration(std::string_view text);

// Go's time.Duration String() form for whole seconds: "768h0m0s", "1m30s", "0s".
std::string FormatDuration(std::chrono::seconds d);

}  // namespace coffer
