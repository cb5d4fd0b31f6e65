#pragma once
// Server log: levels trace..error, "standard" or "json" format, written to stderr.
// Thread-safe. The level can be changed at run time (SIGHUP reload).
// Never pass a secret (token, key, share, secret value) to a log call.

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace coffer::log {

enum class Level { kTrace = 0, kDebug, kInfo, kWarn, kError, kOff };
enum class Format { kStandard, kJson };

// Parses "trace", "debug", "info", "warn"/"warning", "err"/"error", "off". False if unknown.
bool ParseLevel(std::string_view s, Level* out);
void SetLevel(Level l);
Level GetLevel();
void SetFormat(Format f);
bool Enabled(Level l);

using Fields = std::vector<std::pair<std::string, std::string>>;

// Writes one line: time, level, module ("core", "http", ...), message, then key=value fields.
void Write(Level l, std::string_view module, std::string_view msg, const Fields& fields = {});

inline void Trace(std::string_view m, std::string_view s, const Fields& f = {}) {
  if (Enabled(Level::kTrace)) Write(Level::kTrace, m, s, f);
}
inline void Debug(std::string_view m, std::string_view s, const Fields& f = {}) {
  if (Enabled(Level::kDebug)) Write(Level::kDebug, m, s, f);
}
inline void Info(std::string_view m, std::string_view s, const Fields& f = {}) {
  if (Enabled(Level::kInfo)) Write(Level::kInfo, m, s, f);
}
inline void Warn(std::string_view m, std::string_view s, const Fields& f = {}) {
  if (Enabled(Level::kWarn)) Write(Level::kWarn, m, s, f);
}
inline void Error(std::string_view m, std::string_view s, const Fields& f = {}) {
  if (Enabled(Level::kError)) Write(Level::kError, m, s, f);
}

}  // namespace coffer::log
