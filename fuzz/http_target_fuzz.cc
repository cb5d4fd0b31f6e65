// A request target ("/v1/...?query") through http::ParseTarget. A target that parses
// must not let the logical path escape its prefix.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz/fuzz_util.h"
#include "http/request_builder.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view target(reinterpret_cast<const char*>(data), size);
  auto parsed = coffer::http::ParseTarget(target);
  if (!parsed) {
    FUZZ_CHECK(parsed.error().status == 400 || parsed.error().status == 404);
    return 0;
  }
  const std::string& path = parsed->path;
  FUZZ_CHECK(!path.empty());
  FUZZ_CHECK(path.find('\0') == std::string::npos);
  FUZZ_CHECK(path.find('\\') == std::string::npos);
  FUZZ_CHECK(path.find("//") == std::string::npos);
  std::string_view rest = path;
  while (!rest.empty()) {  // no "." or ".." segment
    size_t slash = rest.find('/');
    std::string_view seg = rest.substr(0, slash);
    FUZZ_CHECK(seg != "." && seg != "..");
    rest.remove_prefix(slash == std::string_view::npos ? rest.size() : slash + 1);
  }
  return 0;
}
