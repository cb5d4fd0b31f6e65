// Raw HCL and JSON documents through hcl::Parse and hcl::ParseJsonDocument, and every
// recorded line looked up again.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz/fuzz_util.h"
#include "hcl/hcl.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  for (auto doc : {coffer::hcl::Parse(text), coffer::hcl::ParseJsonDocument(text)}) {
    if (!doc) continue;
    FUZZ_CHECK(doc->value.is_object());
    for (const auto& [pointer, line] : doc->lines) FUZZ_CHECK(doc->LineOf(pointer) == line);
    (void)doc->value.dump(-1, ' ', false, coffer::Json::error_handler_t::replace);
  }
  return 0;
}
