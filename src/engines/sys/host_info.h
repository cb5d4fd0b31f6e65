#pragma once
// Host facts for sys/host-info, in the shape Vault returns (gopsutil's JSON field names):
//   host     {hostname, uptime, bootTime, procs, os, platform, platformFamily,
//             platformVersion, kernelVersion, kernelArch, hostId}
//   memory   {total, available, used, usedPercent, free, buffers, cached, ...}
//   cpu      [{cpu, vendorId, family, model, stepping, physicalId, coreId, cores,
//              modelName, mhz, cacheSize, flags, microcode}]
//   cpu_times[{cpu, user, system, idle, nice, iowait, irq, softirq, steal, guest,
//              guestNice}]  (seconds)
//   disk     [{path, fstype, total, free, used, usedPercent, inodesTotal, inodesUsed,
//              inodesFree, inodesUsedPercent}]
//   timestamp (RFC 3339)
// Everything is read from procfs under `root` ("" in production, a fixture directory in
// tests) except disk usage (statvfs on each mount point) and the machine architecture.
// A section that cannot be read is left out and reported as a warning, as Vault does.

#include <string>
#include <vector>

#include "base/clock.h"
#include "base/json.h"

namespace coffer::engines::sys {

struct HostInfoResult {
  Json data = Json::object();
  std::vector<std::string> warnings;
};

HostInfoResult CollectHostInfo(const std::string& root, TimePoint now);

}  // namespace coffer::engines::sys
