#pragma once
// Process figures as gauges, under go-metrics' runtime names where one fits:
//   runtime.alloc_bytes   bytes in use by malloc (mallinfo2().uordblks + hblkhd)
//   runtime.sys_bytes     resident set size (/proc/self/statm), Go's memory from the OS
//   runtime.num_threads   threads of the process (/proc/self/status "Threads:")
// runtime.num_goroutines has no equivalent and is not reported.

#include "telemetry/registry.h"

namespace coffer::telemetry {

// A collector that sets the gauges above on `registry`.
Collector RuntimeCollector(Registry& registry);

}  // namespace coffer::telemetry
