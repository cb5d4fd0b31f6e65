// A snapshot stream restored from arbitrary bytes through SnapshotReader: the header,
// then every chunk until the end or the first error. The source hands out the input in
// pieces of varying size, as a network stream would.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

#include "fuzz/fuzz_util.h"
#include "storage/raft/snapshot.h"

using namespace coffer;
using namespace coffer::storage::raft;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  size_t step = 1;
  SnapshotReader reader([&](char* buf, size_t n) -> Result<size_t> {
    size_t k = std::min({n, rest.size(), step});
    step = step * 3 + 1;  // 1, 4, 13, 40, ... bytes per read
    std::memcpy(buf, rest.data(), k);
    rest.remove_prefix(k);
    return k;
  });
  auto header = reader.ReadHeader();
  if (!header) return 0;
  std::vector<SnapshotRecord> records;
  for (int i = 0; i < 1000; ++i) {
    records.clear();
    auto more = reader.NextChunk(&records);
    if (!more || !*more) break;
  }
  return 0;
}
