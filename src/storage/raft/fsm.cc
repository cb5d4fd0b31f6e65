#include "storage/raft/fsm.h"

#include <errno.h>
#include <lmdb.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <functional>
#include <mutex>
#include <set>
#include <shared_mutex>
#include <utility>

#include "base/log.h"
#include "storage/keys.h"
#include "storage/raft/fsm_env.h"

namespace coffer::storage::raft {
namespace {

constexpr const char* kSlotNames[kSlots] = {"entries", "entries.1", "entries.2", "entries.3"};
constexpr char kMetaDb[] = "meta";
constexpr char kAppliedKey[] = "applied";
constexpr char kLiveKey[] = "live";
constexpr char kRestoreKey[] = "restore";
constexpr char kMembershipKey[] = "membership";
constexpr uint8_t kOpPut = 1;
constexpr uint8_t kOpDelete = 2;
constexpr size_t kMinOpSize = 1 + 4;  // a kind byte and an (empty) key's length
constexpr int kMaxGrows = 8;

void PutU32(std::string* out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out->push_back(static_cast<char>(v >> (8 * i)));
}
void PutU64(std::string* out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out->push_back(static_cast<char>(v >> (8 * i)));
}
uint64_t GetLe(std::string_view in, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i) v |= uint64_t{static_cast<uint8_t>(in[i])} << (8 * i);
  return v;
}

// Consumes a u32 length and that many bytes from `in` into `out`; false if truncated.
bool GetField(std::string_view* in, std::string* out) {
  if (in->size() < 4) return false;
  uint64_t len = GetLe(*in, 4);
  in->remove_prefix(4);
  if (len > in->size()) return false;
  out->assign(in->substr(0, len));
  in->remove_prefix(len);
  return true;
}

size_t RoundUpToPage(size_t n) {
  size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  return (n + page - 1) / page * page;
}

// Never destroyed: a state machine closed during static destruction (one held by a
// static, as the snapshot_install fuzz target's is) still finds them (found by that
// target: a use after free at exit).
std::mutex& OpenDirsMu() {
  static auto* mu = new std::mutex;
  return *mu;
}
std::set<std::pair<dev_t, ino_t>>& OpenDirs() {
  static auto* dirs = new std::set<std::pair<dev_t, ino_t>>;
  return *dirs;
}

Status MkdirAll(const std::string& dir) {
  struct stat st;
  if (stat(dir.c_str(), &st) == 0) {
    if (!S_ISDIR(st.st_mode)) return InvalidArgument("raft fsm " + dir + ": not a directory");
    return Status::Ok();
  }
  size_t slash = dir.find_last_of('/');
  if (slash != std::string::npos && slash > 0)
    COFFER_RETURN_IF_ERROR(MkdirAll(dir.substr(0, slash)));
  if (mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return IoError("raft fsm " + dir + ": mkdir: " + strerror(errno));
  }
  return Status::Ok();
}

}  // namespace

std::string EncodeBatch(std::span<const Op> ops) {
  std::string out;
  out.push_back(static_cast<char>(kBatchVersion));
  PutU32(&out, static_cast<uint32_t>(ops.size()));
  for (const Op& op : ops) {
    bool put = op.kind == Op::Kind::kPut;
    out.push_back(static_cast<char>(put ? kOpPut : kOpDelete));
    PutU32(&out, static_cast<uint32_t>(op.key.size()));
    out += op.key;
    if (put) {
      PutU32(&out, static_cast<uint32_t>(op.value.size()));
      out += op.value;
    }
  }
  return out;
}

Result<std::vector<Op>> DecodeBatch(std::string_view data) {
  if (data.empty()) return Err(Corruption("raft batch: empty"));
  if (static_cast<uint8_t>(data[0]) != kBatchVersion) {
    return Err(
        Corruption("raft batch: unknown version " + std::to_string(static_cast<uint8_t>(data[0]))));
  }
  data.remove_prefix(1);
  if (data.size() < 4) return Err(Corruption("raft batch: truncated count"));
  uint64_t count = GetLe(data, 4);
  data.remove_prefix(4);
  if (count > data.size() / kMinOpSize) {
    return Err(Corruption("raft batch: count " + std::to_string(count) + " exceeds the data"));
  }
  std::vector<Op> ops;
  ops.reserve(count);
  for (uint64_t i = 0; i < count; ++i) {
    Op op;
    uint8_t kind = static_cast<uint8_t>(data[0]);  // count bound: at least kMinOpSize left
    data.remove_prefix(1);
    if (kind != kOpPut && kind != kOpDelete) {
      return Err(Corruption("raft batch: op " + std::to_string(i) + ": unknown kind"));
    }
    op.kind = kind == kOpPut ? Op::Kind::kPut : Op::Kind::kDelete;
    if (!GetField(&data, &op.key) || (kind == kOpPut && !GetField(&data, &op.value))) {
      return Err(Corruption("raft batch: op " + std::to_string(i) + ": truncated"));
    }
    ops.push_back(std::move(op));
  }
  if (!data.empty()) return Err(Corruption("raft batch: trailing bytes"));
  return ops;
}

StateMachine::Env::~Env() {
  if (env_ != nullptr) mdb_env_close(env_);
  if (open_id_) {
    std::lock_guard lock(OpenDirsMu());
    OpenDirs().erase(*open_id_);
  }
}

Status StateMachine::Env::MdbError(std::string_view what, int rc) const {
  std::string msg = "raft fsm " + dir_ + ": " + std::string(what) + ": " + mdb_strerror(rc);
  if (rc == MDB_CORRUPTED || rc == MDB_PAGE_NOTFOUND || rc == MDB_INVALID) {
    return Corruption(std::move(msg));
  }
  return IoError(std::move(msg));
}

Status StateMachine::Env::Open(const StateMachineOptions& opts) {
  COFFER_RETURN_IF_ERROR(MkdirAll(dir_));
  struct stat sb;
  if (stat(dir_.c_str(), &sb) != 0) return IoError("raft fsm " + dir_ + ": stat failed");
  {
    std::lock_guard lock(OpenDirsMu());
    if (!OpenDirs().insert({sb.st_dev, sb.st_ino}).second) {
      return IoError("raft fsm " + dir_ + ": already open in this process");
    }
    open_id_ = std::pair{sb.st_dev, sb.st_ino};
  }
  int rc = mdb_env_create(&env_);
  if (rc != 0) {
    env_ = nullptr;
    return MdbError("mdb_env_create", rc);
  }
  if ((rc = mdb_env_set_maxdbs(env_, kSlots + 1)) != 0) return MdbError("mdb_env_set_maxdbs", rc);
  if ((rc = mdb_env_set_maxreaders(env_, 512)) != 0) return MdbError("mdb_env_set_maxreaders", rc);
  if ((rc = mdb_env_set_mapsize(env_, RoundUpToPage(std::max<size_t>(opts.map_size, 1)))) != 0) {
    return MdbError("mdb_env_set_mapsize", rc);
  }
  // MDB_NORDAHEAD: requests read the tree at random, and kernel readahead on the map only
  // fills the resident set with neighbouring pages (measured: 1M leases, bench/RESULTS.md).
  unsigned int flags = MDB_NOTLS | MDB_NORDAHEAD | (opts.no_sync ? MDB_NOSYNC : 0);
  if ((rc = mdb_env_open(env_, dir_.c_str(), flags, 0600)) != 0)
    return MdbError("mdb_env_open", rc);
  int dead = 0;
  if ((rc = mdb_reader_check(env_, &dead)) != 0) return MdbError("mdb_reader_check", rc);
  MDB_txn* txn = nullptr;
  if ((rc = mdb_txn_begin(env_, nullptr, 0, &txn)) != 0) return MdbError("mdb_txn_begin", rc);
  for (int i = 0; i < kSlots && rc == 0; ++i) {
    rc = mdb_dbi_open(txn, kSlotNames[i], MDB_CREATE, &slots_[i]);
  }
  if (rc == 0) rc = mdb_dbi_open(txn, kMetaDb, MDB_CREATE, &meta_);
  if (rc != 0) {
    mdb_txn_abort(txn);
    return MdbError("mdb_dbi_open", rc);
  }
  Status st = ReadMeta(txn, &meta_cache_);
  if (!st.ok()) {
    mdb_txn_abort(txn);
    return st;
  }
  if ((rc = mdb_txn_commit(txn)) != 0) return MdbError("mdb_txn_commit", rc);
  return Status::Ok();
}

Status StateMachine::Env::ReadMeta(MDB_txn* txn, FsmMeta* out) {
  *out = FsmMeta();
  auto get = [&](const char* key, std::string_view* val) -> Result<bool> {
    MDB_val k = Val(key);
    MDB_val v;
    int rc = mdb_get(txn, meta_, &k, &v);
    if (rc == MDB_NOTFOUND) return false;
    if (rc != 0) return Err(MdbError(std::string("read ") + key, rc));
    *val = View(v);
    return true;
  };
  auto bad = [&](const std::string& what) { return Corruption("raft fsm " + dir_ + ": " + what); };
  std::string_view v;
  COFFER_ASSIGN_OR_RETURN(bool found, get(kAppliedKey, &v));
  if (found) {
    if (v.size() != 16) {
      return bad("applied record of " + std::to_string(v.size()) + " bytes, want 16");
    }
    out->applied_index = GetLe(v, 8);
    out->applied_term = GetLe(v.substr(8), 8);
  }
  COFFER_ASSIGN_OR_RETURN(found, get(kLiveKey, &v));
  if (found) {
    if (v.size() != 1 || static_cast<uint8_t>(v[0]) >= kSlots) return bad("bad live record");
    out->live = static_cast<uint8_t>(v[0]);
  }
  COFFER_ASSIGN_OR_RETURN(found, get(kRestoreKey, &v));
  if (found) {
    if (v.size() != 9) return bad("bad restore record");
    out->restore_id = GetLe(v, 8);
    out->restore_slot = static_cast<uint8_t>(v[8]);
    if (out->restore_id == 0 || out->restore_slot >= kSlots || out->restore_slot == out->live) {
      return bad("bad restore record");
    }
  }
  COFFER_ASSIGN_OR_RETURN(found, get(kMembershipKey, &v));
  if (found) {
    Result<Membership> m = DecodeMembership(v);
    if (!m) return bad(m.error().message());
    out->membership = std::move(*m);
  }
  return Status::Ok();
}

Result<MDB_dbi> StateMachine::Env::LiveDb(MDB_txn* txn) {
  MDB_val k = Val(kLiveKey);
  MDB_val v;
  int rc = mdb_get(txn, meta_, &k, &v);
  if (rc == MDB_NOTFOUND) return slots_[0];
  if (rc != 0) return Err(MdbError("read live", rc));
  if (v.mv_size != 1 || static_cast<uint8_t>(View(v)[0]) >= kSlots) {
    return Err(Corruption("raft fsm " + dir_ + ": bad live record"));
  }
  return slots_[static_cast<uint8_t>(View(v)[0])];
}

int StateMachine::Env::PutApplied(MDB_txn* txn, uint64_t index, uint64_t term) {
  std::string applied;
  PutU64(&applied, index);
  PutU64(&applied, term);
  MDB_val k = Val(kAppliedKey);
  MDB_val v = Val(applied);
  return mdb_put(txn, meta_, &k, &v, 0);
}

int StateMachine::Env::PutSlots(MDB_txn* txn, uint8_t live, uint64_t restore_id,
                                uint8_t restore_slot) {
  std::string lv(1, static_cast<char>(live));
  MDB_val k = Val(kLiveKey);
  MDB_val v = Val(lv);
  int rc = mdb_put(txn, meta_, &k, &v, 0);
  if (rc != 0) return rc;
  k = Val(kRestoreKey);
  if (restore_id == 0) {
    rc = mdb_del(txn, meta_, &k, nullptr);
    return rc == MDB_NOTFOUND ? 0 : rc;
  }
  std::string rv;
  PutU64(&rv, restore_id);
  rv.push_back(static_cast<char>(restore_slot));
  v = Val(rv);
  return mdb_put(txn, meta_, &k, &v, 0);
}

int StateMachine::Env::PutMembership(MDB_txn* txn, const Membership& m) {
  std::string enc = EncodeMembership(m);
  MDB_val k = Val(kMembershipKey);
  MDB_val v = Val(enc);
  return mdb_put(txn, meta_, &k, &v, 0);
}

Status StateMachine::Env::Read(const std::function<Status(MDB_txn*)>& fn) {
  std::shared_lock lock(resize_mu_);
  MDB_txn* txn = nullptr;
  int rc = mdb_txn_begin(env_, nullptr, MDB_RDONLY, &txn);
  if (rc != 0) return MdbError("mdb_txn_begin", rc);
  Status st = fn(txn);
  mdb_txn_abort(txn);
  return st;
}

Status StateMachine::Env::Write(size_t payload, const std::function<int(MDB_txn*)>& fn) {
  for (int grows = 0;; ++grows) {
    size_t seen = 0;
    int rc = 0;
    {
      std::shared_lock lock(resize_mu_);
      MDB_envinfo info;
      mdb_env_info(env_, &info);
      seen = info.me_mapsize;
      MDB_txn* txn = nullptr;
      rc = mdb_txn_begin(env_, nullptr, 0, &txn);
      if (rc != 0) return MdbError("mdb_txn_begin", rc);
      rc = fn(txn);
      if (rc == 0) {
        rc = mdb_txn_commit(txn);
      } else {
        mdb_txn_abort(txn);
      }
    }
    if (rc == 0) return Status::Ok();
    if (rc != MDB_MAP_FULL || grows == kMaxGrows) return MdbError("apply", rc);
    std::unique_lock lock(resize_mu_);  // no transaction runs while the map is resized
    if ((rc = mdb_env_set_mapsize(env_, RoundUpToPage(std::max(seen * 2, seen + 2 * payload)))) !=
        0) {
      return MdbError("mdb_env_set_mapsize", rc);
    }
  }
}

StateMachine::StateMachine(std::unique_ptr<Env> env) : env_(std::move(env)) {}
StateMachine::~StateMachine() = default;

Result<std::unique_ptr<StateMachine>> StateMachine::Open(const std::string& dir,
                                                         const StateMachineOptions& opts) {
  if (dir.empty()) return Err(InvalidArgument("raft fsm: empty directory path"));
  auto env = std::make_unique<Env>(dir);
  Status st = env->Open(opts);
  if (!st.ok()) return Err(std::move(st));
  return std::unique_ptr<StateMachine>(new StateMachine(std::move(env)));
}

Status StateMachine::Apply(uint64_t index, uint64_t term, std::string_view command) {
  Env& e = *env_;
  std::lock_guard lock(e.apply_mu_);
  if (index <= e.meta_cache_.applied_index) return Status::Ok();  // replayed after a restart
  if (index != e.meta_cache_.applied_index + 1) {
    return PreconditionFailed("raft fsm: apply of index " + std::to_string(index) +
                              " after applied index " +
                              std::to_string(e.meta_cache_.applied_index));
  }
  if (!command.empty() && static_cast<uint8_t>(command[0]) >= kRestoreBegin &&
      static_cast<uint8_t>(command[0]) <= kRestoreCommit) {
    return ApplyRestore(index, term, command);
  }
  Result<std::vector<Op>> ops = std::vector<Op>();
  if (!command.empty()) {
    ops = DecodeBatch(command);
    if (ops) {
      Status valid = ValidateOps(*ops);
      if (!valid.ok()) ops = Err(std::move(valid));
    }
  }
  bool rejected = !ops;
  if (rejected) {
    log::Warn("raft", "command rejected; recorded as applied without effect",
              {{"index", std::to_string(index)}, {"error", ops.error().ToString()}});
    ops = std::vector<Op>();
  }
  Status st = e.Write(command.size(), [&](MDB_txn* txn) {
    Result<MDB_dbi> data = e.LiveDb(txn);
    if (!data) return MDB_INVALID;
    for (const Op& op : *ops) {
      MDB_val k = Val(op.key);
      int rc = 0;
      if (op.kind == Op::Kind::kPut) {
        MDB_val v = Val(op.value);
        rc = mdb_put(txn, *data, &k, &v, 0);
      } else {
        rc = mdb_del(txn, *data, &k, nullptr);
        if (rc == MDB_NOTFOUND) rc = 0;
      }
      if (rc != 0) return rc;
    }
    return e.PutApplied(txn, index, term);
  });
  if (!st.ok()) return st;
  e.meta_cache_.applied_index = index;
  e.meta_cache_.applied_term = term;
  if (rejected) ++e.rejected_;
  return Status::Ok();
}

StateMachine::Stats StateMachine::GetStats() {
  Stats out;
  (void)env_->Read([&](MDB_txn* txn) -> Status {
    MDB_envinfo info;
    MDB_stat st;
    if (mdb_env_info(env_->env_, &info) == 0 && mdb_env_stat(env_->env_, &st) == 0) {
      out.map_size_bytes = info.me_mapsize;
      out.used_bytes = (static_cast<uint64_t>(info.me_last_pgno) + 1) * st.ms_psize;
    }
    auto db = env_->LiveDb(txn);
    MDB_stat live;
    if (db && mdb_stat(txn, *db, &live) == 0) out.entries = live.ms_entries;
    return Status::Ok();
  });
  return out;
}

uint64_t StateMachine::AppliedIndex() {
  std::lock_guard lock(env_->apply_mu_);
  return env_->meta_cache_.applied_index;
}

uint64_t StateMachine::AppliedTerm() {
  std::lock_guard lock(env_->apply_mu_);
  return env_->meta_cache_.applied_term;
}

uint64_t StateMachine::rejected_commands() {
  std::lock_guard lock(env_->apply_mu_);
  return env_->rejected_;
}

Result<std::optional<std::string>> StateMachine::Get(std::string_view key) {
  COFFER_RETURN_IF_ERROR(ValidateKey(key));
  std::optional<std::string> out;
  Status st = env_->Read([&](MDB_txn* txn) -> Status {
    COFFER_ASSIGN_OR_RETURN(MDB_dbi data, env_->LiveDb(txn));
    MDB_val k = Val(key);
    MDB_val v;
    int rc = mdb_get(txn, data, &k, &v);
    if (rc == 0) out.emplace(View(v));
    return rc == 0 || rc == MDB_NOTFOUND ? Status::Ok() : env_->MdbError("get", rc);
  });
  if (!st.ok()) return Err(std::move(st));
  return out;
}

Result<std::vector<std::string>> StateMachine::List(std::string_view prefix) {
  std::vector<std::string> out;
  if (prefix.size() > kMaxKeySize) return out;  // no key is that long
  Status st = env_->Read([&](MDB_txn* txn) -> Status {
    COFFER_ASSIGN_OR_RETURN(MDB_dbi data, env_->LiveDb(txn));
    MDB_cursor* cursor = nullptr;
    int rc = mdb_cursor_open(txn, data, &cursor);
    if (rc != 0) return env_->MdbError("mdb_cursor_open", rc);
    std::unique_ptr<MDB_cursor, void (*)(MDB_cursor*)> closer(cursor, mdb_cursor_close);
    std::string seek(prefix);
    MDB_val k = Val(seek);
    MDB_val v;
    rc = mdb_cursor_get(cursor, &k, &v, prefix.empty() ? MDB_FIRST : MDB_SET_RANGE);
    while (rc == 0) {
      std::string_view key = View(k);
      if (!key.starts_with(prefix)) break;
      std::string_view entry = ListEntry(prefix, key);
      if (!entry.empty()) out.emplace_back(entry);
      if (!entry.empty() && entry.back() == '/') {  // skip the folder with one seek
        seek = PastFolder(key.substr(0, prefix.size() + entry.size()));
        k = Val(seek);
        rc = mdb_cursor_get(cursor, &k, &v, MDB_SET_RANGE);
      } else {
        rc = mdb_cursor_get(cursor, &k, &v, MDB_NEXT);
      }
    }
    return rc == 0 || rc == MDB_NOTFOUND ? Status::Ok() : env_->MdbError("list", rc);
  });
  if (!st.ok()) return Err(std::move(st));
  return out;
}

}  // namespace coffer::storage::raft
