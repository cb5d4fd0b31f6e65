#include "telemetry/runtime_collector.h"

#include <malloc.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

namespace coffer::telemetry {

namespace {

// -1 when /proc is unreadable.
double ResidentBytes() {
  std::ifstream statm("/proc/self/statm");
  long size = 0, resident = 0;
  if (!(statm >> size >> resident)) return -1;
  return static_cast<double>(resident) * static_cast<double>(::sysconf(_SC_PAGESIZE));
}

double ThreadCount() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("Threads:", 0) == 0) return std::stod(line.substr(8));
  }
  return -1;
}

}  // namespace

Collector RuntimeCollector(Registry& registry) {
  return [&registry] {
    struct mallinfo2 mi = ::mallinfo2();
    registry.SetGauge("runtime.alloc_bytes", static_cast<double>(mi.uordblks + mi.hblkhd), {});
    if (double rss = ResidentBytes(); rss >= 0) registry.SetGauge("runtime.sys_bytes", rss, {});
    if (double n = ThreadCount(); n >= 0) registry.SetGauge("runtime.num_threads", n, {});
  };
}

}  // namespace coffer::telemetry
