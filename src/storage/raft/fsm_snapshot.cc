// StateMachine: membership, snapshots (write and install) and the operator restore
// commands. Layout and encodings: docs/formats/raft-fsm.md, raft-snapshot.md.

#include <lmdb.h>

#include <utility>
#include <vector>

#include "base/log.h"
#include "storage/keys.h"
#include "storage/raft/fsm.h"
#include "storage/raft/fsm_env.h"

namespace coffer::storage::raft {
namespace {

std::string RestoreCommand(uint8_t kind, uint64_t restore_id) {
  std::string out;
  wire::PutU8(&out, kind);
  wire::PutU64(&out, restore_id);
  return out;
}

// The first slot not in `used`.
uint8_t FreeSlot(std::initializer_list<uint8_t> used) {
  for (uint8_t s = 0; s < kSlots; ++s) {
    bool taken = false;
    for (uint8_t u : used) taken = taken || u == s;
    if (!taken) return s;
  }
  return kNoSlot;  // unreachable: kSlots exceeds every caller's `used`
}

int Drop(MDB_txn* txn, MDB_dbi dbi) { return mdb_drop(txn, dbi, 0); }

// Streams every record of `dbi` to `w`.
Status Dump(MDB_txn* txn, MDB_dbi dbi, SnapshotTable table, SnapshotWriter* w) {
  MDB_cursor* cursor = nullptr;
  int rc = mdb_cursor_open(txn, dbi, &cursor);
  if (rc != 0) return IoError(std::string("raft fsm: mdb_cursor_open: ") + mdb_strerror(rc));
  std::unique_ptr<MDB_cursor, void (*)(MDB_cursor*)> closer(cursor, mdb_cursor_close);
  MDB_val k, v;
  for (rc = mdb_cursor_get(cursor, &k, &v, MDB_FIRST); rc == 0;
       rc = mdb_cursor_get(cursor, &k, &v, MDB_NEXT)) {
    COFFER_RETURN_IF_ERROR(w->Add(table, View(k), View(v)));
  }
  if (rc != MDB_NOTFOUND) return IoError(std::string("raft fsm: snapshot: ") + mdb_strerror(rc));
  return Status::Ok();
}

}  // namespace

std::string EncodeRestoreBegin(uint64_t restore_id) {
  return RestoreCommand(kRestoreBegin, restore_id);
}
std::string EncodeRestoreCommit(uint64_t restore_id) {
  return RestoreCommand(kRestoreCommit, restore_id);
}
std::string EncodeRestoreChunk(uint64_t restore_id) {
  return RestoreCommand(kRestoreChunk, restore_id);
}
void AppendRestoreRecord(std::string* chunk, std::string_view key, std::string_view value) {
  wire::PutBytes(chunk, key);
  wire::PutBytes(chunk, value);
}

// Requires apply_mu_; index == applied + 1 (checked by Apply).
Status StateMachine::ApplyRestore(uint64_t index, uint64_t term, std::string_view command) {
  Env& e = *env_;
  std::string_view in = command;
  uint8_t kind = 0;
  uint64_t id = 0;
  bool ok = wire::GetU8(&in, &kind) && wire::GetU64(&in, &id) && id != 0;
  std::vector<std::pair<std::string_view, std::string_view>> records;
  if (ok && kind == kRestoreChunk) {
    while (ok && !in.empty()) {
      std::string_view k, v;
      ok = wire::GetBytes(&in, &k) && wire::GetBytes(&in, &v) && ValidateKey(k).ok();
      if (ok) records.emplace_back(k, v);
    }
  }
  ok = ok && in.empty();
  FsmMeta& m = e.meta_cache_;
  // What the command does; anything else only advances the applied index.
  enum { kNothing, kBegin, kChunk, kCommit } action = kNothing;
  if (!ok) {
    log::Warn("raft", "restore command rejected; recorded as applied without effect",
              {{"index", std::to_string(index)}});
  } else if (kind == kRestoreBegin) {
    action = kBegin;
  } else if (id == m.restore_id) {  // a chunk or commit of another restore is stale
    action = kind == kRestoreChunk ? kChunk : kCommit;
  }
  const uint8_t slot = action == kBegin
                           ? (m.restore_slot != kNoSlot ? m.restore_slot : FreeSlot({m.live}))
                           : m.restore_slot;
  Status st = e.Write(command.size(), [&](MDB_txn* txn) {
    int rc = 0;
    switch (action) {
      case kBegin:
        rc = Drop(txn, e.slots_[slot]);
        if (rc == 0) rc = e.PutSlots(txn, m.live, id, slot);
        break;
      case kChunk:
        for (const auto& [k, v] : records) {
          MDB_val key = Val(k);
          MDB_val val = Val(v);
          if ((rc = mdb_put(txn, e.slots_[slot], &key, &val, 0)) != 0) break;
        }
        break;
      case kCommit:  // the staged data goes live; the old live data is dropped
        rc = Drop(txn, e.slots_[m.live]);
        if (rc == 0) rc = e.PutSlots(txn, slot, 0, kNoSlot);
        break;
      case kNothing:
        break;
    }
    return rc != 0 ? rc : e.PutApplied(txn, index, term);
  });
  if (!st.ok()) return st;
  m.applied_index = index;
  m.applied_term = term;
  if (!ok) ++e.rejected_;
  if (action == kBegin) {
    m.restore_id = id;
    m.restore_slot = slot;
  } else if (action == kCommit) {
    m.live = slot;
    m.restore_id = 0;
    m.restore_slot = kNoSlot;
  }
  return Status::Ok();
}

Status StateMachine::ApplyMembership(uint64_t index, uint64_t term, const Membership& membership) {
  Env& e = *env_;
  std::lock_guard lock(e.apply_mu_);
  if (index <= e.meta_cache_.applied_index) return Status::Ok();
  if (index != e.meta_cache_.applied_index + 1) {
    return PreconditionFailed("raft fsm: membership at index " + std::to_string(index) +
                              " after applied index " +
                              std::to_string(e.meta_cache_.applied_index));
  }
  Status st = e.Write(0, [&](MDB_txn* txn) {
    int rc = e.PutMembership(txn, membership);
    return rc != 0 ? rc : e.PutApplied(txn, index, term);
  });
  if (!st.ok()) return st;
  e.meta_cache_.applied_index = index;
  e.meta_cache_.applied_term = term;
  e.meta_cache_.membership = membership;
  return Status::Ok();
}

Membership StateMachine::membership() {
  std::lock_guard lock(env_->apply_mu_);
  return env_->meta_cache_.membership;
}

uint64_t StateMachine::restore_id() {
  std::lock_guard lock(env_->apply_mu_);
  return env_->meta_cache_.restore_id;
}

Status StateMachine::Sync() {
  int rc = mdb_env_sync(env_->env_, 1);
  return rc == 0 ? Status::Ok() : env_->MdbError("mdb_env_sync", rc);
}

Result<SnapshotHeader> StateMachine::WriteSnapshot(const SnapshotSink& sink) {
  Env& e = *env_;
  SnapshotHeader header;
  Status st = e.Read([&](MDB_txn* txn) -> Status {
    FsmMeta m;
    COFFER_RETURN_IF_ERROR(e.ReadMeta(txn, &m));
    header.meta = SnapshotMeta{m.applied_index, m.applied_term, m.membership.conf};
    header.members = m.membership.members;
    header.restore_id = m.restore_id;
    SnapshotWriter w(sink);
    COFFER_RETURN_IF_ERROR(w.Begin(header));
    COFFER_RETURN_IF_ERROR(Dump(txn, e.slots_[m.live], SnapshotTable::kData, &w));
    if (m.restore_id != 0) {
      COFFER_RETURN_IF_ERROR(Dump(txn, e.slots_[m.restore_slot], SnapshotTable::kRestore, &w));
    }
    return w.Finish();
  });
  if (!st.ok()) return Err(std::move(st));
  return header;
}

Result<SnapshotHeader> StateMachine::Install(const SnapshotSource& source) {
  Env& e = *env_;
  std::lock_guard lock(e.apply_mu_);
  FsmMeta& m = e.meta_cache_;
  SnapshotReader reader(source);
  COFFER_ASSIGN_OR_RETURN(SnapshotHeader header, reader.ReadHeader());
  // Stage into two slots nothing points at (they may hold an earlier failed install).
  const uint8_t data = FreeSlot({m.live, m.restore_slot});
  const uint8_t restore = FreeSlot({m.live, m.restore_slot, data});
  COFFER_RETURN_IF_ERROR(e.Write(0, [&](MDB_txn* txn) {
    int rc = Drop(txn, e.slots_[data]);
    return rc != 0 ? rc : Drop(txn, e.slots_[restore]);
  }));
  std::vector<SnapshotRecord> records;
  for (;;) {
    COFFER_ASSIGN_OR_RETURN(bool more, reader.NextChunk(&records));
    if (!more) break;
    size_t bytes = 0;
    for (const SnapshotRecord& r : records) bytes += r.key.size() + r.value.size();
    COFFER_RETURN_IF_ERROR(e.Write(bytes, [&](MDB_txn* txn) {
      for (const SnapshotRecord& r : records) {
        if (r.table == SnapshotTable::kRestore && header.restore_id == 0) return MDB_INVALID;
        MDB_val k = Val(r.key);
        MDB_val v = Val(r.value);
        MDB_dbi dbi = e.slots_[r.table == SnapshotTable::kData ? data : restore];
        int rc = mdb_put(txn, dbi, &k, &v, 0);
        if (rc != 0) return rc;
      }
      return 0;
    }));
  }
  // The whole stream verified: switch to it in one transaction.
  Membership membership{header.meta.conf, header.members};
  const uint8_t restore_slot = header.restore_id != 0 ? restore : kNoSlot;
  COFFER_RETURN_IF_ERROR(e.Write(0, [&](MDB_txn* txn) {
    int rc = Drop(txn, e.slots_[m.live]);
    if (rc == 0 && m.restore_slot != kNoSlot) rc = Drop(txn, e.slots_[m.restore_slot]);
    if (rc == 0) rc = e.PutSlots(txn, data, header.restore_id, restore_slot);
    if (rc == 0) rc = e.PutMembership(txn, membership);
    return rc != 0 ? rc : e.PutApplied(txn, header.meta.index, header.meta.term);
  }));
  m.live = data;
  m.restore_id = header.restore_id;
  m.restore_slot = restore_slot;
  m.membership = std::move(membership);
  m.applied_index = header.meta.index;
  m.applied_term = header.meta.term;
  return header;
}

Result<SnapshotHeader> StateMachine::InstallFile(const std::string& path) {
  COFFER_ASSIGN_OR_RETURN(SnapshotSource source, OpenSnapshotFile(path));
  return Install(source);
}

}  // namespace coffer::storage::raft
