// Writes the generated seed corpora into <dir> (fuzz/corpus): valid WAL segments, a
// snapshot stream, codec and ConfChange encodings, barrier blobs and Shamir shares.
// Usage: make_seeds <corpus dir>. Deterministic: rerunning rewrites the same bytes
// (the WAL and snapshot contents carry no timestamps).
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "base/clock.h"
#include "cluster/codec.h"
#include "core/barrier.h"
#include "crypto/fake_random.h"
#include "crypto/shamir.h"
#include "fuzz/barrier_keyring.h"
#include "storage/inmem/inmem.h"
#include "storage/raft/snapshot.h"
#include "storage/raft/wal.h"

using namespace coffer;
using namespace coffer::storage::raft;
namespace fs = std::filesystem;

namespace {

fs::path root;

void Write(const std::string& target, const std::string& name, const std::string& bytes) {
  fs::create_directories(root / target);
  std::ofstream(root / target / name, std::ios::binary) << bytes;
}

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

template <class T>
T Must(Result<T> r) {
  if (!r) {
    std::cerr << "make_seeds: " << r.error().ToString() << "\n";
    std::exit(1);
  }
  return std::move(*r);
}

void Must(const Status& s) {
  if (!s.ok()) {
    std::cerr << "make_seeds: " << s.ToString() << "\n";
    std::exit(1);
  }
}

// A log of a few entries (one a ConfChange), a hard state and a compaction, with small
// segments so it spans several files; the seed is their concatenation (as wal_fuzz cuts
// its input at each "CWAL").
void WalSeeds() {
  fs::path dir = fs::temp_directory_path() / ("coffer-make-seeds-" + std::to_string(getpid()));
  fs::remove_all(dir);
  {
    auto wal = Must(Wal::Open(dir.string(), WalOptions{.segment_bytes = 200}));
    Must(wal->SetHardState(HardState{.term = 1, .vote = 1, .commit = 0}));
    std::vector<Entry> entries;
    entries.push_back({1, 1, EntryType::kConfigChange,
                       EncodeConfChange({ConfChangeType::kAddVoter, 1, "node1"})});
    for (uint64_t i = 2; i <= 6; ++i)
      entries.push_back({1, i, EntryType::kNormal, "put k" + std::to_string(i)});
    Must(wal->Append(entries));
    Must(wal->SetHardState(HardState{.term = 2, .vote = 1, .commit = 6}));
    Must(wal->Append({{2, 5, EntryType::kNormal, "overwrite"}}));
    Must(wal->Sync());
    Must(wal->Compact(2));
    Must(wal->Sync());
  }
  std::vector<fs::path> segs;
  for (auto& e : fs::directory_iterator(dir)) segs.push_back(e.path());
  std::sort(segs.begin(), segs.end());
  std::string all;
  for (auto& p : segs) all += ReadFile(p);
  Write("wal_fuzz", "segments", all);
  Write("wal_fuzz", "last_segment", ReadFile(segs.back()));
  fs::remove_all(dir);
}

void SnapshotSeeds() {
  std::string out;
  SnapshotWriter writer(
      [&](std::string_view c) {
        out.append(c);
        return Status::Ok();
      },
      64);
  SnapshotHeader h;
  h.meta =
      SnapshotMeta{.index = 9, .term = 2, .conf = ConfState{.voters = {1, 2}, .learners = {3}}};
  h.members = {{1, "node1", "127.0.0.1:8201", true}, {3, "node3", "127.0.0.1:8203", false}};
  Must(writer.Begin(h));
  Must(writer.Add(SnapshotTable::kData, "core/keyring", "ciphertext"));
  Must(writer.Add(SnapshotTable::kData, "logical/abc/data/a", std::string(100, 'v')));
  Must(writer.Add(SnapshotTable::kRestore, "sys/x", ""));
  Must(writer.Finish());
  Write("snapshot_fuzz", "three_records", out);
  Write("snapshot_install_fuzz", "three_records", out);
  std::string empty;
  SnapshotWriter w2([&](std::string_view c) {
    empty.append(c);
    return Status::Ok();
  });
  Must(w2.Begin(SnapshotHeader{}));
  Must(w2.Finish());
  Write("snapshot_fuzz", "empty", empty);
  Write("snapshot_install_fuzz", "empty", empty);
}

void CodecSeeds() {
  Message app{.type = MessageType::kMsgApp,
              .from = 1,
              .to = 2,
              .term = 3,
              .log_term = 2,
              .index = 7,
              .entries = {{3, 8, EntryType::kNormal, "data"}},
              .commit = 7};
  Message snap{.type = MessageType::kMsgSnap, .from = 1, .to = 3, .term = 3};
  snap.snapshot = SnapshotMeta{.index = 5, .term = 2, .conf = ConfState{.voters = {1, 2, 3}}};
  Message hb{.type = MessageType::kMsgHeartbeat,
             .from = 1,
             .to = 2,
             .term = 3,
             .commit = 7,
             .context = "read-1"};
  Write("codec_fuzz", "batch", std::string(1, '\0') + cluster::EncodeBatch({app, snap, hb}));
  Write("codec_fuzz", "message", std::string(1, '\1') + cluster::EncodeMessage(app));
  cluster::ForwardedRequest req{"PUT",
                                "/v1/secret/data/a?version=2",
                                {{"X-Vault-Token", "s.abc"}, {"Content-Type", "application/json"}},
                                R"({"data":{"k":"v"}})",
                                "10.0.0.1"};
  Write("codec_fuzz", "forwarded_request",
        std::string(1, '\2') + Must(cluster::EncodeForwardedRequest(req)));
  cluster::ForwardedResponse resp{204, {{"Cache-Control", "no-store"}}, ""};
  Write("codec_fuzz", "forwarded_response",
        std::string(1, '\3') + Must(cluster::EncodeForwardedResponse(resp)));

  Write("conf_change_fuzz", "add_voter",
        EncodeConfChange({ConfChangeType::kAddVoter, 2, "node2@127.0.0.1:8211"}));
  Write("conf_change_fuzz", "remove", EncodeConfChange({ConfChangeType::kRemoveNode, 3, ""}));
}

void BarrierSeeds() {
  storage::InmemBackend physical;
  crypto::SeededRandom random(1);
  FakeClock clock;
  core::Barrier barrier(physical, random, clock);
  core::Keyring ring = fuzz::BarrierKeyring();
  std::string path = "logical/abc/data/a";
  Write("barrier_fuzz", "term2",
        std::string(1, char(path.size())) + path +
            Must(barrier.Encrypt(ring.Active(), path, R"({"k":"v"})")));
  Write("barrier_fuzz", "term1_empty",
        std::string(1, '\0') + Must(barrier.Encrypt(ring.terms[0], "", "")));
}

void ShamirSeeds() {
  crypto::SeededRandom random(2);
  auto shares = Must(crypto::ShamirSplit(
      SecretBytes::FromString("0123456789abcdef0123456789abcdef"), 5, 3, random));
  std::string seed(1, '\3');
  for (int i = 0; i < 3; ++i) {
    seed += char(shares[i].size());
    seed.append(reinterpret_cast<const char*>(shares[i].data()), shares[i].size());
  }
  Write("shamir_fuzz", "three_of_five", seed + "secret");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: make_seeds <corpus dir>\n";
    return 2;
  }
  root = argv[1];
  WalSeeds();
  SnapshotSeeds();
  CodecSeeds();
  BarrierSeeds();
  ShamirSeeds();
  return 0;
}
