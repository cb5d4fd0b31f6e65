#pragma once
// Small helpers shared by the fuzz targets: a cursor that cuts fields out of the input,
// and a crash on a broken invariant that the fuzzer reports as a finding.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace coffer::fuzz {

// Reads bytes front to back; past the end every read yields zeros / empty strings.
class Input {
 public:
  Input(const uint8_t* data, size_t size) : rest_(reinterpret_cast<const char*>(data), size) {}
  uint8_t Byte() {
    if (rest_.empty()) return 0;
    uint8_t b = static_cast<uint8_t>(rest_[0]);
    rest_.remove_prefix(1);
    return b;
  }
  std::string_view Take(size_t n) {
    n = n < rest_.size() ? n : rest_.size();
    std::string_view out = rest_.substr(0, n);
    rest_.remove_prefix(n);
    return out;
  }
  // Up to the next '\n' (not included), consuming it.
  std::string_view Line() {
    size_t nl = rest_.find('\n');
    std::string_view out = rest_.substr(0, nl);
    rest_.remove_prefix(nl == std::string_view::npos ? rest_.size() : nl + 1);
    return out;
  }
  std::string_view Rest() const { return rest_; }
  bool empty() const { return rest_.empty(); }

 private:
  std::string_view rest_;
};

[[noreturn]] inline void Fail(const char* what) {
  std::fprintf(stderr, "fuzz invariant broken: %s\n", what);
  std::abort();
}

}  // namespace coffer::fuzz

#define FUZZ_CHECK(cond)                      \
  do {                                        \
    if (!(cond)) ::coffer::fuzz::Fail(#cond); \
  } while (0)
