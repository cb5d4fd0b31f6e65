// Snapshot restore from arbitrary bytes into a live state machine (StateMachine::Install,
// what a follower does with a received stream and what operator restore verifies with):
// either the whole stream verifies and the state machine switches to it (its applied
// index becomes the header's), or it is refused and nothing changed — the applied index,
// the membership and the data written before stay exactly as they were.
#include <stdlib.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz/fuzz_util.h"
#include "storage/backend.h"
#include "storage/raft/fsm.h"

using namespace coffer;
using namespace coffer::storage::raft;

namespace {

std::unique_ptr<StateMachine> fsm;
uint64_t next_index = 1;

// A state machine in a scratch directory, reset to one known key whenever an input
// installed something (so every refused input is checked against known contents).
void Reset() {
  if (fsm == nullptr) {
    char tmpl[] = "/tmp/coffer-fuzz-fsm-XXXXXX";
    const char* dir = mkdtemp(tmpl);
    if (dir == nullptr) fuzz::Fail("mkdtemp failed");
    StateMachineOptions opts;
    opts.map_size = 8u << 20;
    opts.no_sync = true;
    auto opened = StateMachine::Open(dir, opts);
    if (!opened) fuzz::Fail("cannot open the state machine");
    fsm = std::move(*opened);
    next_index = fsm->AppliedIndex() + 1;
  }
  std::vector<storage::Op> ops{storage::Op::Put("marker", "before")};
  if (!fsm->Apply(next_index++, 1, EncodeBatch(ops)).ok()) fuzz::Fail("apply failed");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (fsm == nullptr) Reset();
  const uint64_t applied = fsm->AppliedIndex();
  const uint64_t term = fsm->AppliedTerm();
  const size_t members = fsm->membership().members.size();
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  size_t step = 7;
  auto installed = fsm->Install([&](char* buf, size_t n) -> Result<size_t> {
    size_t k = std::min({n, rest.size(), step});
    step = step * 2 + 1;
    std::memcpy(buf, rest.data(), k);
    rest.remove_prefix(k);
    return k;
  });
  if (installed) {
    if (fsm->AppliedIndex() != installed->meta.index) fuzz::Fail("installed: wrong applied index");
    next_index = fsm->AppliedIndex() + 1;
    Reset();
    return 0;
  }
  if (fsm->AppliedIndex() != applied || fsm->AppliedTerm() != term ||
      fsm->membership().members.size() != members) {
    fuzz::Fail("a refused snapshot changed the applied state");
  }
  auto marker = fsm->Get("marker");
  if (!marker || !*marker || **marker != "before")
    fuzz::Fail("a refused snapshot changed the data");
  return 0;
}
