// WAL recovery from arbitrary segment bytes: the input, cut before every later
// occurrence of the segment magic "CWAL" (at most 4 pieces), is written as segment files
// wal-0..01.log, wal-0..02.log, ... in a scratch directory, then Wal::Open replays it.
// A log that opens must serve its entries and accept one more append.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz/fuzz_util.h"
#include "storage/raft/wal.h"

using namespace coffer;
using namespace coffer::storage::raft;

namespace {

std::string ScratchDir() {
  const char* base = std::filesystem::exists("/dev/shm") ? "/dev/shm" : "/tmp";
  std::string dir = std::string(base) + "/coffer-wal-fuzz-" + std::to_string(::getpid());
  std::atexit([] {
    std::error_code ec;
    std::filesystem::remove_all(
        std::string(std::filesystem::exists("/dev/shm") ? "/dev/shm" : "/tmp") +
            "/coffer-wal-fuzz-" + std::to_string(::getpid()),
        ec);
  });
  return dir;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string dir = ScratchDir();
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  std::filesystem::create_directories(dir);

  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::vector<std::string_view> pieces;
  size_t start = 0;
  while (pieces.size() < 3) {
    size_t next = input.find("CWAL", start + 1);
    if (next == std::string_view::npos) break;
    pieces.push_back(input.substr(start, next - start));
    start = next;
  }
  pieces.push_back(input.substr(start));
  for (size_t i = 0; i < pieces.size(); ++i) {
    char name[64];
    std::snprintf(name, sizeof(name), "/wal-%016zx.log", i + 1);
    std::ofstream(dir + name, std::ios::binary).write(pieces[i].data(), pieces[i].size());
  }

  auto wal = Wal::Open(dir, WalOptions{.segment_bytes = 4096});
  if (!wal) return 0;
  Wal& w = **wal;
  uint64_t first = w.Snapshot().index + 1, last = w.LastIndex();
  FUZZ_CHECK(last + 1 >= first);
  uint64_t hi = last + 1 - first > 256 ? first + 256 : last + 1;
  auto entries = w.Entries(first, hi);
  FUZZ_CHECK(entries.size() == hi - first);
  for (size_t i = 0; i < entries.size(); ++i) {
    FUZZ_CHECK(entries[i].index == first + i);
    FUZZ_CHECK(w.Term(entries[i].index) == entries[i].term);
  }
  uint64_t term = last >= first ? w.Term(last) : w.Snapshot().term;
  Entry e{.term = term, .index = last + 1, .type = EntryType::kNormal, .data = "x"};
  if (w.Append({e}).ok() && w.Sync().ok()) FUZZ_CHECK(w.LastIndex() == last + 1);
  return 0;
}
