#include "engines/sys/host_info.h"

#include <sys/statvfs.h>
#include <sys/utsname.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>

namespace coffer::engines::sys {

namespace {

constexpr double kClockTicksPerSecond = 100.0;  // USER_HZ on Linux

std::optional<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string Trim(std::string s) {
  size_t b = s.find_first_not_of(" \t\r\n\"");
  size_t e = s.find_last_not_of(" \t\r\n\"");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

int64_t ToInt(const std::string& s) { return std::strtoll(s.c_str(), nullptr, 10); }

double ToDouble(const std::string& s) { return std::strtod(s.c_str(), nullptr); }

// "key: value" lines (cpuinfo, meminfo) or "KEY=value" lines (os-release).
std::vector<std::pair<std::string, std::string>> KeyValues(const std::string& text, char sep) {
  std::vector<std::pair<std::string, std::string>> out;
  std::stringstream ss(text);
  std::string line;
  while (std::getline(ss, line)) {
    size_t pos = line.find(sep);
    if (pos == std::string::npos) {
      out.emplace_back("", "");  // blank line: a record separator in cpuinfo
      continue;
    }
    out.emplace_back(Trim(line.substr(0, pos)), Trim(line.substr(pos + 1)));
  }
  return out;
}

std::optional<Json> Memory(const std::string& root) {
  auto text = ReadFile(root + "/proc/meminfo");
  if (!text) return std::nullopt;
  std::map<std::string, uint64_t> kb;
  for (auto& [k, v] : KeyValues(*text, ':')) kb[k] = static_cast<uint64_t>(ToInt(v));
  auto bytes = [&](const char* key) { return kb[key] * 1024; };
  uint64_t total = bytes("MemTotal"), free = bytes("MemFree"), buffers = bytes("Buffers");
  uint64_t cached = bytes("Cached") + bytes("SReclaimable");
  uint64_t used = total > free + buffers + cached ? total - free - buffers - cached : 0;
  return Json{{"total", total},
              {"available", bytes("MemAvailable")},
              {"used", used},
              {"usedPercent", total ? 100.0 * used / total : 0.0},
              {"free", free},
              {"buffers", buffers},
              {"cached", cached},
              {"active", bytes("Active")},
              {"inactive", bytes("Inactive")},
              {"shared", bytes("Shmem")},
              {"swapTotal", bytes("SwapTotal")},
              {"swapFree", bytes("SwapFree")}};
}

Json CpuRecord(const std::map<std::string, std::string>& f) {
  auto get = [&](const char* k) {
    auto it = f.find(k);
    return it == f.end() ? std::string() : it->second;
  };
  Json flags = Json::array();
  std::stringstream ss(get("flags"));
  for (std::string flag; ss >> flag;) flags.push_back(flag);
  return {{"cpu", ToInt(get("processor"))},
          {"vendorId", get("vendor_id")},
          {"family", get("cpu family")},
          {"model", get("model")},
          {"stepping", ToInt(get("stepping"))},
          {"physicalId", get("physical id")},
          {"coreId", get("core id")},
          {"cores", ToInt(get("cpu cores"))},
          {"modelName", get("model name")},
          {"mhz", ToDouble(get("cpu MHz"))},
          {"cacheSize", ToInt(get("cache size"))},
          {"flags", flags},
          {"microcode", get("microcode")}};
}

std::optional<Json> Cpus(const std::string& root) {
  auto text = ReadFile(root + "/proc/cpuinfo");
  if (!text) return std::nullopt;
  Json out = Json::array();
  std::map<std::string, std::string> record;
  for (auto& [k, v] : KeyValues(*text + "\n", ':')) {
    if (k.empty()) {
      if (record.count("processor")) out.push_back(CpuRecord(record));
      record.clear();
      continue;
    }
    record[k] = v;
  }
  return out;
}

std::optional<Json> CpuTimes(const std::string& root) {
  auto text = ReadFile(root + "/proc/stat");
  if (!text) return std::nullopt;
  static const char* kNames[] = {"user", "nice",    "system", "idle",  "iowait",
                                 "irq",  "softirq", "steal",  "guest", "guestNice"};
  Json out = Json::array();
  std::stringstream lines(*text);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("cpu", 0) != 0) continue;
    std::stringstream ss(line);
    std::string name;
    ss >> name;
    Json t = {{"cpu", name}};
    for (const char* field : kNames) {
      double ticks = 0;
      ss >> ticks;
      t[field] = ticks / kClockTicksPerSecond;
    }
    out.push_back(std::move(t));
  }
  return out;
}

// /proc/mounts escapes spaces and the like as \ooo.
std::string UnescapeMountField(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    bool octal = s[i] == '\\' && i + 3 < s.size();
    for (size_t k = 1; octal && k <= 3; ++k) octal = s[i + k] >= '0' && s[i + k] <= '7';
    if (octal) {
      out += static_cast<char>((s[i + 1] - '0') * 64 + (s[i + 2] - '0') * 8 + (s[i + 3] - '0'));
      i += 3;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::optional<Json> Disks(const std::string& root, std::vector<std::string>* warnings) {
  auto text = ReadFile(root + "/proc/mounts");
  if (!text) return std::nullopt;
  Json out = Json::array();
  std::set<std::string> seen;
  std::stringstream lines(*text);
  for (std::string line; std::getline(lines, line);) {
    std::stringstream ss(line);
    std::string device, mountpoint, fstype;
    if (!(ss >> device >> mountpoint >> fstype) || device.rfind("/dev/", 0) != 0) continue;
    mountpoint = UnescapeMountField(mountpoint);
    if (!seen.insert(mountpoint).second) continue;
    struct statvfs st {};
    if (statvfs(mountpoint.c_str(), &st) != 0) {
      warnings->push_back("disk: cannot stat " + mountpoint);
      continue;
    }
    uint64_t total = st.f_blocks * st.f_frsize, free = st.f_bavail * st.f_frsize;
    uint64_t used = (st.f_blocks - st.f_bfree) * st.f_frsize;
    uint64_t inodes_used = st.f_files - st.f_ffree;
    out.push_back({{"path", mountpoint},
                   {"fstype", fstype},
                   {"total", total},
                   {"free", free},
                   {"used", used},
                   {"usedPercent", used + free ? 100.0 * used / (used + free) : 0.0},
                   {"inodesTotal", st.f_files},
                   {"inodesUsed", inodes_used},
                   {"inodesFree", st.f_ffree},
                   {"inodesUsedPercent", st.f_files ? 100.0 * inodes_used / st.f_files : 0.0}});
  }
  return out;
}

int64_t CountProcesses(const std::string& root) {
  int64_t n = 0;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(root + "/proc", ec)) {
    const std::string name = e.path().filename().string();
    if (!name.empty() &&
        std::all_of(name.begin(), name.end(), [](unsigned char c) { return std::isdigit(c) != 0; }))
      ++n;
  }
  return n;
}

std::optional<Json> Host(const std::string& root) {
  auto hostname = ReadFile(root + "/proc/sys/kernel/hostname");
  auto uptime = ReadFile(root + "/proc/uptime");
  if (!hostname || !uptime) return std::nullopt;
  Json h = {{"hostname", Trim(*hostname)},
            {"uptime", static_cast<int64_t>(ToDouble(*uptime))},
            {"bootTime", 0},
            {"procs", CountProcesses(root)},
            {"os", "linux"},
            {"platform", ""},
            {"platformFamily", ""},
            {"platformVersion", ""},
            {"kernelVersion", Trim(ReadFile(root + "/proc/sys/kernel/osrelease").value_or(""))},
            {"kernelArch", ""},
            {"virtualizationSystem", ""},
            {"virtualizationRole", ""},
            {"hostId", Trim(ReadFile(root + "/proc/sys/kernel/random/boot_id").value_or(""))}};
  for (auto& [k, v] : KeyValues(ReadFile(root + "/proc/stat").value_or(""), ' '))
    if (k == "btime") h["bootTime"] = ToInt(v);
  for (auto& [k, v] : KeyValues(ReadFile(root + "/etc/os-release").value_or(""), '=')) {
    if (k == "ID") h["platform"] = v;
    if (k == "VERSION_ID") h["platformVersion"] = v;
    if (k == "ID_LIKE") h["platformFamily"] = v.substr(0, v.find(' '));
  }
  if (h["platformFamily"] == "") h["platformFamily"] = h["platform"];
  struct utsname u {};
  if (uname(&u) == 0) h["kernelArch"] = u.machine;
  return h;
}

}  // namespace

HostInfoResult CollectHostInfo(const std::string& root, TimePoint now) {
  HostInfoResult r;
  r.data["timestamp"] = FormatTime(now);
  auto add = [&](const char* key, std::optional<Json> v) {
    if (v)
      r.data[key] = std::move(*v);
    else
      r.warnings.push_back(std::string("host info error: ") + key + ": information unavailable");
  };
  add("cpu", Cpus(root));
  add("cpu_times", CpuTimes(root));
  add("disk", Disks(root, &r.warnings));
  add("host", Host(root));
  add("memory", Memory(root));
  return r;
}

}  // namespace coffer::engines::sys
