#pragma once
// statsd and DogStatsD over UDP, in go-metrics' line formats:
//   statsd     "<prefix>[.<host>].<name>[.<label value>...]:<value>|c|g|ms"  (value "%f")
//   dogstatsd  "<prefix>.<name>:<value>|c|g|ms|#<global tags>,<label k>:<v>"  (no hostname
//              in the name: go-metrics' datadog sink splices it out)
// Lines are buffered and sent in datagrams of at most 1432 bytes (go-metrics' statsd
// maximum) when full or on Flush. Sending never blocks the caller: the buffer is bounded
// and lines beyond it are dropped. Thread-safe.

#include <memory>

#include "base/status.h"
#include "telemetry/registry.h"

namespace coffer::telemetry {

// Resolves options.statsd_address (or dogstatsd_addr) and opens a UDP socket to it.
Result<std::unique_ptr<Sink>> MakeStatsdSink(const Options& options, bool dogstatsd);

// The line one update becomes (without the newline); exposed for tests.
std::string StatsdLine(const Options& options, bool dogstatsd, Kind kind, std::string_view name,
                       double value, const Labels& labels);

}  // namespace coffer::telemetry
