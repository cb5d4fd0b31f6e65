#include "telemetry/names.h"

#include <charconv>
#include <cmath>

namespace coffer::telemetry {

namespace {

bool IsNameChar(char c, bool allow_colon) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         (allow_colon && c == ':');
}

std::string Sanitize(std::string_view name, bool allow_colon) {
  std::string out;
  out.reserve(name.size() + 1);
  if (name.empty() || (name[0] >= '0' && name[0] <= '9')) out.push_back('_');
  for (char c : name) out.push_back(IsNameChar(c, allow_colon) ? c : '_');
  return out;
}

}  // namespace

std::string PrometheusName(std::string_view name) { return Sanitize(name, true); }

std::string PrometheusLabelName(std::string_view name) { return Sanitize(name, false); }

std::string EscapeLabelValue(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string FormatValue(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), value);
  if (ec != std::errc()) return "NaN";
  return std::string(buf, end);
}

std::string StatsdSafe(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c == ':' || c == ' ' || c == '|' || c == ',' || c == '\n' || c == '\r') c = '_';
  }
  return out;
}

}  // namespace coffer::telemetry
