#include "base/duration.h"

#include <cctype>
#include <cstdint>

namespace coffer {

Result<std::chrono::seconds> ParseDuration(std::string_view text) {
  std::string_view s = text;
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  if (s.empty()) return std::chrono::seconds(0);
  if (s.front() == '-')
    return Err(InvalidArgument("duration must not be negative: " + std::string(text)));
  if (s.front() == '+') s.remove_prefix(1);

  bool all_digits = true;
  for (char c : s) all_digits &= std::isdigit(static_cast<unsigned char>(c)) != 0;
  if (all_digits) {
    if (s.size() > 15) return Err(InvalidArgument("duration out of range: " + std::string(text)));
    return std::chrono::seconds(std::stoll(std::string(s)));
  }

  long double total_ns = 0;
  size_t i = 0;
  while (i < s.size()) {
    size_t start = i;
    while (i < s.size() && (std::isdigit(static_cast<unsigned char>(s[i])) || s[i] == '.')) ++i;
    if (start == i) return Err(InvalidArgument("invalid duration: " + std::string(text)));
    std::string num(s.substr(start, i - start));
    size_t ustart = i;
    while (i < s.size() && std::isalpha(static_cast<unsigned char>(s[i]))) ++i;
    std::string_view unit = s.substr(ustart, i - ustart);
    long double mult;
    if (unit == "ns")
      mult = 1;
    else if (unit == "us" || unit == "µs")
      mult = 1e3;
    else if (unit == "ms")
      mult = 1e6;
    else if (unit == "s")
      mult = 1e9;
    else if (unit == "m")
      mult = 60e9;
    else if (unit == "h")
      mult = 3600e9;
    else if (unit == "d")
      mult = 86400e9;
    else
      return Err(InvalidArgument("invalid duration unit in: " + std::string(text)));
    long double v;
    try {
      v = std::stold(num);
    } catch (...) {
      return Err(InvalidArgument("invalid duration: " + std::string(text)));
    }
    total_ns += v * mult;
    if (total_ns > 9.2e18L)
      return Err(InvalidArgument("duration out of range: " + std::string(text)));
  }
  return std::chrono::seconds(static_cast<int64_t>(total_ns / 1e9L));
}

std::string FormatDuration(std::chrono::seconds d) {
  int64_t s = d.count();
  if (s == 0) return "0s";
  std::string out;
  if (s < 0) {
    out = "-";
    s = -s;
  }
  int64_t h = s / 3600, m = (s % 3600) / 60, sec = s % 60;
  if (h > 0)
    out += std::to_string(h) + "h" + std::to_string(m) + "m";
  else if (m > 0)
    out += std::to_string(m) + "m";
  out += std::to_string(sec) + "s";
  return out;
}

}  // namespace coffer
