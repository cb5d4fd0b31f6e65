// Server configuration text (HCL, or JSON when it starts with '{') through config::Parse
// and, when it parses, config::Validate.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "config/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto config = coffer::config::Parse(text, "fuzz.hcl");
  if (config) (void)coffer::config::Validate(*config);
  return 0;
}
