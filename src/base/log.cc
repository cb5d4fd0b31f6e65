#include "base/log.h"

#include <atomic>
#include <cstdio>
#include <mutex>
#include <nlohmann/json.hpp>

#include "base/clock.h"

namespace coffer::log {

namespace {
std::atomic<Level> g_level{Level::kInfo};
std::atomic<Format> g_format{Format::kStandard};
std::mutex g_mu;

const char* Name(Level l) {
  switch (l) {
    case Level::kTrace:
      return "trace";
    case Level::kDebug:
      return "debug";
    case Level::kInfo:
      return "info";
    case Level::kWarn:
      return "warn";
    case Level::kError:
      return "error";
    case Level::kOff:
      return "off";
  }
  return "?";
}
}  // namespace

bool ParseLevel(std::string_view s, Level* out) {
  if (s == "trace")
    *out = Level::kTrace;
  else if (s == "debug")
    *out = Level::kDebug;
  else if (s == "info" || s == "notice")
    *out = Level::kInfo;
  else if (s == "warn" || s == "warning")
    *out = Level::kWarn;
  else if (s == "err" || s == "error")
    *out = Level::kError;
  else if (s == "off")
    *out = Level::kOff;
  else
    return false;
  return true;
}

void SetLevel(Level l) { g_level.store(l); }
Level GetLevel() { return g_level.load(); }
void SetFormat(Format f) { g_format.store(f); }
bool Enabled(Level l) { return l >= g_level.load(std::memory_order_relaxed) && l != Level::kOff; }

void Write(Level l, std::string_view module, std::string_view msg, const Fields& fields) {
  std::string line;
  std::string ts = FormatTime(RealClock::Get().Now());
  if (g_format.load() == Format::kJson) {
    nlohmann::json j;
    j["@timestamp"] = ts;
    j["@level"] = Name(l);
    j["@module"] = std::string(module);
    j["@message"] = std::string(msg);
    for (const auto& [k, v] : fields) j[k] = v;
    line = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  } else {
    line = ts + " [" + Name(l) + "]  " + std::string(module) + ": " + std::string(msg);
    for (const auto& [k, v] : fields) line += " " + k + "=" + v;
  }
  line += "\n";
  std::lock_guard<std::mutex> lock(g_mu);
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

}  // namespace coffer::log
