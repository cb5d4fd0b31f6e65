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
#include "storage/lmdb/writer_priority_mutex.h"

namespace coffer::storage::raft {
namespace {

constexpr char kDataDb[] = "entries";
constexpr char kMetaDb[] = "meta";
constexpr char kAppliedKey[] = "applied";
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

MDB_val Val(std::string_view s) { return MDB_val{s.size(), const_cast<char*>(s.data())}; }
std::string_view View(const MDB_val& v) {
  return std::string_view(static_cast<const char*>(v.mv_data), v.mv_size);
}

size_t RoundUpToPage(size_t n) {
  size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  return (n + page - 1) / page * page;
}

std::mutex& OpenDirsMu() {
  static std::mutex mu;
  return mu;
}
std::set<std::pair<dev_t, ino_t>>& OpenDirs() {
  static std::set<std::pair<dev_t, ino_t>> dirs;
  return dirs;
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

// The LMDB environment: two named databases, map growth and the applied-index cache.
class StateMachine::Env {
 public:
  explicit Env(std::string dir) : dir_(std::move(dir)) {}
  ~Env() {
    if (env_ != nullptr) mdb_env_close(env_);
    if (open_id_) {
      std::lock_guard lock(OpenDirsMu());
      OpenDirs().erase(*open_id_);
    }
  }

  Status Open(const StateMachineOptions& opts);
  // A transaction under resize_mu_ (shared), aborted unless committed by `fn`'s caller.
  Status Read(const std::function<Status(MDB_txn*)>& fn);
  // Runs `fn` in a write transaction, commits when it returns 0, grows the map when full.
  Status Write(size_t payload, const std::function<int(MDB_txn*)>& fn);
  Status MdbError(std::string_view what, int rc) const {
    std::string msg = "raft fsm " + dir_ + ": " + std::string(what) + ": " + mdb_strerror(rc);
    if (rc == MDB_CORRUPTED || rc == MDB_PAGE_NOTFOUND || rc == MDB_INVALID) {
      return Corruption(std::move(msg));
    }
    return IoError(std::move(msg));
  }

  const std::string dir_;
  std::optional<std::pair<dev_t, ino_t>> open_id_;
  MDB_env* env_ = nullptr;
  MDB_dbi data_ = 0;
  MDB_dbi meta_ = 0;
  WriterPriorityMutex resize_mu_;  // shared: any transaction; exclusive: a map resize
  std::mutex apply_mu_;            // serializes Apply; guards the fields below
  uint64_t applied_index_ = 0;
  uint64_t applied_term_ = 0;
  uint64_t rejected_ = 0;
};

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
  if ((rc = mdb_env_set_maxdbs(env_, 2)) != 0) return MdbError("mdb_env_set_maxdbs", rc);
  if ((rc = mdb_env_set_maxreaders(env_, 512)) != 0) return MdbError("mdb_env_set_maxreaders", rc);
  if ((rc = mdb_env_set_mapsize(env_, RoundUpToPage(std::max<size_t>(opts.map_size, 1)))) != 0) {
    return MdbError("mdb_env_set_mapsize", rc);
  }
  unsigned int flags = MDB_NOTLS | (opts.no_sync ? MDB_NOSYNC : 0);
  if ((rc = mdb_env_open(env_, dir_.c_str(), flags, 0600)) != 0)
    return MdbError("mdb_env_open", rc);
  int dead = 0;
  if ((rc = mdb_reader_check(env_, &dead)) != 0) return MdbError("mdb_reader_check", rc);
  MDB_txn* txn = nullptr;
  if ((rc = mdb_txn_begin(env_, nullptr, 0, &txn)) != 0) return MdbError("mdb_txn_begin", rc);
  if ((rc = mdb_dbi_open(txn, kDataDb, MDB_CREATE, &data_)) != 0 ||
      (rc = mdb_dbi_open(txn, kMetaDb, MDB_CREATE, &meta_)) != 0) {
    mdb_txn_abort(txn);
    return MdbError("mdb_dbi_open", rc);
  }
  MDB_val k = Val(kAppliedKey);
  MDB_val v;
  rc = mdb_get(txn, meta_, &k, &v);
  if (rc == 0) {
    if (v.mv_size != 16) {
      mdb_txn_abort(txn);
      return Corruption("raft fsm " + dir_ + ": applied record of " + std::to_string(v.mv_size) +
                        " bytes, want 16");
    }
    applied_index_ = GetLe(View(v), 8);
    applied_term_ = GetLe(View(v).substr(8), 8);
  } else if (rc != MDB_NOTFOUND) {
    mdb_txn_abort(txn);
    return MdbError("read applied", rc);
  }
  if ((rc = mdb_txn_commit(txn)) != 0) return MdbError("mdb_txn_commit", rc);
  return Status::Ok();
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
  if (index <= e.applied_index_) return Status::Ok();  // replayed after a restart
  if (index != e.applied_index_ + 1) {
    return PreconditionFailed("raft fsm: apply of index " + std::to_string(index) +
                              " after applied index " + std::to_string(e.applied_index_));
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
  std::string applied;
  PutU64(&applied, index);
  PutU64(&applied, term);
  Status st = e.Write(command.size(), [&](MDB_txn* txn) {
    for (const Op& op : *ops) {
      MDB_val k = Val(op.key);
      int rc = 0;
      if (op.kind == Op::Kind::kPut) {
        MDB_val v = Val(op.value);
        rc = mdb_put(txn, e.data_, &k, &v, 0);
      } else {
        rc = mdb_del(txn, e.data_, &k, nullptr);
        if (rc == MDB_NOTFOUND) rc = 0;
      }
      if (rc != 0) return rc;
    }
    MDB_val k = Val(kAppliedKey);
    MDB_val v = Val(applied);
    return mdb_put(txn, e.meta_, &k, &v, 0);
  });
  if (!st.ok()) return st;
  e.applied_index_ = index;
  e.applied_term_ = term;
  if (rejected) ++e.rejected_;
  return Status::Ok();
}

uint64_t StateMachine::AppliedIndex() {
  std::lock_guard lock(env_->apply_mu_);
  return env_->applied_index_;
}

uint64_t StateMachine::AppliedTerm() {
  std::lock_guard lock(env_->apply_mu_);
  return env_->applied_term_;
}

uint64_t StateMachine::rejected_commands() {
  std::lock_guard lock(env_->apply_mu_);
  return env_->rejected_;
}

Result<std::optional<std::string>> StateMachine::Get(std::string_view key) {
  COFFER_RETURN_IF_ERROR(ValidateKey(key));
  std::optional<std::string> out;
  Status st = env_->Read([&](MDB_txn* txn) {
    MDB_val k = Val(key);
    MDB_val v;
    int rc = mdb_get(txn, env_->data_, &k, &v);
    if (rc == 0) out.emplace(View(v));
    return rc == 0 || rc == MDB_NOTFOUND ? Status::Ok() : env_->MdbError("get", rc);
  });
  if (!st.ok()) return Err(std::move(st));
  return out;
}

Result<std::vector<std::string>> StateMachine::List(std::string_view prefix) {
  std::vector<std::string> out;
  if (prefix.size() > kMaxKeySize) return out;  // no key is that long
  Status st = env_->Read([&](MDB_txn* txn) {
    MDB_cursor* cursor = nullptr;
    int rc = mdb_cursor_open(txn, env_->data_, &cursor);
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
