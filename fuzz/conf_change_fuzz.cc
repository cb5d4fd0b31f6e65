// storage::raft::DecodeConfChange on arbitrary bytes; what decodes re-encodes to the
// same bytes (the encoding is canonical) and decodes to the same value.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz/fuzz_util.h"
#include "storage/raft/types.h"

using namespace coffer::storage::raft;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto cc = DecodeConfChange(bytes);
  if (!cc) return 0;
  std::string enc = EncodeConfChange(*cc);
  auto again = DecodeConfChange(enc);
  FUZZ_CHECK(again && *again == *cc);
  return 0;
}
