#include "auth/token/ttl.h"

#include "base/duration.h"

namespace coffer::auth::token {

using std::chrono::seconds;

Result<TtlResult> CalculateTtl(const TtlLimits& limits, seconds increment, seconds requested_ttl,
                               seconds period, seconds backend_max_ttl, seconds explicit_max_ttl,
                               int64_t start_unix, int64_t now_unix) {
  seconds max_ttl = limits.max_ttl;
  if (backend_max_ttl.count() > 0 && backend_max_ttl < max_ttl) max_ttl = backend_max_ttl;
  if (explicit_max_ttl.count() > 0 && explicit_max_ttl < max_ttl) max_ttl = explicit_max_ttl;
  if (max_ttl.count() <= 0) return Err(Internal("max TTL must be greater than zero"));

  TtlResult r;
  int64_t max_valid_time = 0;  // unix seconds; 0 = unbounded
  if (period.count() > 0) {
    if (period > max_ttl) {
      r.warnings.push_back("period of \"" + FormatDuration(period) +
                           "\" exceeded the effective max_ttl of \"" + FormatDuration(max_ttl) +
                           "\"; period value is capped accordingly");
      period = max_ttl;
    }
    r.ttl = period;
    if (explicit_max_ttl.count() > 0) max_valid_time = start_unix + explicit_max_ttl.count();
  } else {
    r.ttl = increment.count() > 0       ? increment
            : requested_ttl.count() > 0 ? requested_ttl
                                        : limits.default_ttl;
    max_valid_time = start_unix + max_ttl.count();
  }
  if (max_valid_time != 0) {
    seconds max_valid_ttl(max_valid_time - now_unix);
    if (max_valid_ttl.count() <= 0) return Err(InvalidArgument("past the max TTL, cannot renew"));
    if (max_valid_ttl < r.ttl) {
      r.warnings.push_back("TTL of \"" + FormatDuration(r.ttl) +
                           "\" exceeded the effective max_ttl of \"" +
                           FormatDuration(max_valid_ttl) + "\"; TTL value is capped accordingly");
      r.ttl = max_valid_ttl;
    }
  }
  return r;
}

}  // namespace coffer::auth::token
