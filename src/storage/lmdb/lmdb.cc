#include "storage/lmdb/lmdb.h"

#include <errno.h>
#include <fcntl.h>
#include <lmdb.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <mutex>
#include <set>

#include "storage/keys.h"

namespace coffer::storage {
namespace {

constexpr char kDbName[] = "entries";
constexpr int kMaxGrows = 8;  // map-full retries of one write before giving up

// Directories open in this process, by (device, inode). Never destroyed, so a backend
// closed during static destruction still finds them (as storage/raft/fsm.cc's).
std::mutex& OpenDirsMu() {
  static auto* mu = new std::mutex;
  return *mu;
}
std::set<std::pair<dev_t, ino_t>>& OpenDirs() {
  static auto* dirs = new std::set<std::pair<dev_t, ino_t>>;
  return *dirs;
}

std::string Errno(int err) { return strerror(err); }

// mkdir -p with `mode` for every directory it creates.
Status MkdirAll(const std::string& dir, mode_t mode) {
  struct stat st;
  if (stat(dir.c_str(), &st) == 0) {
    if (!S_ISDIR(st.st_mode)) return InvalidArgument("lmdb " + dir + ": not a directory");
    return Status::Ok();
  }
  if (errno != ENOENT) return IoError("lmdb " + dir + ": stat: " + Errno(errno));
  size_t slash = dir.find_last_of('/');
  if (slash != std::string::npos && slash > 0) {
    Status parent = MkdirAll(dir.substr(0, slash), mode);
    if (!parent.ok()) return parent;
  }
  if (mkdir(dir.c_str(), mode) != 0 && errno != EEXIST) {
    return IoError("lmdb " + dir + ": mkdir: " + Errno(errno));
  }
  return Status::Ok();
}

Status SyncDir(const std::string& dir) {
  int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return IoError("lmdb " + dir + ": open: " + Errno(errno));
  int rc = fsync(fd);
  int err = errno;
  close(fd);
  if (rc != 0) return IoError("lmdb " + dir + ": fsync: " + Errno(err));
  return Status::Ok();
}

size_t RoundUpToPage(size_t n) {
  size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  return (n + page - 1) / page * page;
}

MDB_val Val(std::string_view s) { return MDB_val{s.size(), const_cast<char*>(s.data())}; }
std::string_view View(const MDB_val& v) {
  return std::string_view(static_cast<const char*>(v.mv_data), v.mv_size);
}

// A read transaction and the shared resize lock it runs under; aborted on destruction.
struct ReadScope {
  std::shared_lock<WriterPriorityMutex> lock;
  MDB_txn* txn = nullptr;
  ~ReadScope() {
    if (txn != nullptr) mdb_txn_abort(txn);
  }
};

}  // namespace

Result<std::unique_ptr<LmdbBackend>> LmdbBackend::Open(const std::string& dir,
                                                       const LmdbOptions& opts) {
  if (dir.empty()) return Err(InvalidArgument("lmdb: empty directory path"));
  Status st = MkdirAll(dir, 0700);
  if (!st.ok()) return Err(std::move(st));
  struct stat sb;
  if (stat(dir.c_str(), &sb) != 0) return Err(IoError("lmdb " + dir + ": stat: " + Errno(errno)));
  std::pair<dev_t, ino_t> id{sb.st_dev, sb.st_ino};
  std::unique_ptr<LmdbBackend> db(new LmdbBackend(dir));
  {
    std::lock_guard lock(OpenDirsMu());
    if (!OpenDirs().insert(id).second) {
      return Err(IoError("lmdb " + dir + ": already open in this process"));
    }
    db->open_id_ = id;
  }
  st = db->OpenEnv(opts);
  if (!st.ok()) return Err(std::move(st));  // ~LmdbBackend closes and unregisters
  return db;
}

Status LmdbBackend::OpenEnv(const LmdbOptions& opts) {
  int rc = mdb_env_create(&env_);
  if (rc != 0) {
    env_ = nullptr;
    return MdbError("mdb_env_create", rc);
  }
  if ((rc = mdb_env_set_maxreaders(env_, kMaxReaders)) != 0) {
    return MdbError("mdb_env_set_maxreaders", rc);
  }
  if ((rc = mdb_env_set_maxdbs(env_, 1)) != 0) return MdbError("mdb_env_set_maxdbs", rc);
  if ((rc = mdb_env_set_mapsize(env_, RoundUpToPage(std::max<size_t>(opts.map_size, 1)))) != 0) {
    return MdbError("mdb_env_set_mapsize", rc);
  }
  unsigned int flags = MDB_NOTLS | (opts.no_sync ? MDB_NOSYNC : 0);
  if ((rc = mdb_env_open(env_, dir_.c_str(), flags, 0600)) != 0) {
    return MdbError("mdb_env_open", rc);
  }
  if (mdb_env_get_maxkeysize(env_) < static_cast<int>(kMaxKeySize)) {
    return Internal("lmdb " + dir_ + ": liblmdb's maximum key size " +
                    std::to_string(mdb_env_get_maxkeysize(env_)) + " is below " +
                    std::to_string(kMaxKeySize));
  }
  int dead = 0;
  if ((rc = mdb_reader_check(env_, &dead)) != 0) return MdbError("mdb_reader_check", rc);

  MDB_txn* txn = nullptr;
  if ((rc = mdb_txn_begin(env_, nullptr, 0, &txn)) != 0) return MdbError("mdb_txn_begin", rc);
  MDB_dbi dbi = 0;
  if ((rc = mdb_dbi_open(txn, kDbName, MDB_CREATE, &dbi)) != 0) {
    mdb_txn_abort(txn);
    return MdbError("mdb_dbi_open", rc);
  }
  if ((rc = mdb_txn_commit(txn)) != 0) return MdbError("mdb_txn_commit", rc);
  dbi_ = dbi;
  if (!opts.no_sync) {  // make data.mdb's directory entry durable too
    Status st = SyncDir(dir_);
    if (!st.ok()) return st;
  }
  MDB_envinfo info;
  if ((rc = mdb_env_info(env_, &info)) != 0) return MdbError("mdb_env_info", rc);
  map_size_ = info.me_mapsize;
  return Status::Ok();
}

LmdbBackend::~LmdbBackend() {
  if (env_ != nullptr) mdb_env_close(env_);
  if (open_id_) {
    std::lock_guard lock(OpenDirsMu());
    OpenDirs().erase(*open_id_);
  }
}

size_t LmdbBackend::map_size() {
  std::shared_lock lock(resize_mu_);
  return map_size_;
}

Status LmdbBackend::MdbError(std::string_view what, int rc) const {
  std::string msg = "lmdb " + dir_ + ": " + std::string(what) + ": " + mdb_strerror(rc);
  switch (rc) {
    case MDB_CORRUPTED:
    case MDB_PAGE_NOTFOUND:
    case MDB_INVALID:
    case MDB_VERSION_MISMATCH:
      return Corruption(std::move(msg));
    case MDB_READERS_FULL:
      return Unavailable(std::move(msg));
    default:
      return IoError(std::move(msg));
  }
}

Status LmdbBackend::Begin(unsigned int flags, std::shared_lock<WriterPriorityMutex>* lock,
                          MDB_txn** txn) {
  for (int attempt = 0;; ++attempt) {
    *lock = std::shared_lock(resize_mu_);
    if (!broken_.ok()) return broken_;
    int rc = mdb_txn_begin(env_, nullptr, flags, txn);
    if (rc == 0) return Status::Ok();
    lock->unlock();
    if (rc != MDB_MAP_RESIZED || attempt == 2) return MdbError("mdb_txn_begin", rc);
    Status st = Resize(0, 0);  // another process grew the map: adopt its size
    if (!st.ok()) return st;
  }
}

Status LmdbBackend::Resize(size_t size, size_t seen) {
  std::unique_lock lock(resize_mu_);
  if (!broken_.ok()) return broken_;
  if (seen != 0 && map_size_ != seen) return Status::Ok();  // already grown meanwhile
  int rc = mdb_env_set_mapsize(env_, size);
  if (rc != 0) {
    // LMDB has unmapped the old map; no transaction may run on this environment again.
    broken_ = IoError("lmdb " + dir_ + ": database is full (map size " + std::to_string(map_size_) +
                      " bytes) and growing the map to " + std::to_string(size) +
                      " bytes failed: " + mdb_strerror(rc) + "; the backend must be reopened");
    return broken_;
  }
  MDB_envinfo info;
  if (mdb_env_info(env_, &info) == 0) map_size_ = info.me_mapsize;
  return Status::Ok();
}

Status LmdbBackend::Write(std::string_view what, size_t payload,
                          const std::function<int(MDB_txn*)>& apply) {
  for (int grows = 0;; ++grows) {
    size_t seen = 0;
    int rc = 0;
    {
      std::shared_lock<WriterPriorityMutex> lock;
      MDB_txn* txn = nullptr;
      Status st = Begin(0, &lock, &txn);
      if (!st.ok()) return st;
      seen = map_size_;
      rc = apply(txn);
      if (rc == 0) {
        rc = mdb_txn_commit(txn);  // frees txn on failure too
      } else {
        mdb_txn_abort(txn);
      }
    }
    if (rc == 0) return Status::Ok();
    if (rc != MDB_MAP_FULL) return MdbError(what, rc);
    if (grows == kMaxGrows) {
      return IoError("lmdb " + dir_ + ": " + std::string(what) + ": database is full at map size " +
                     std::to_string(seen) + " bytes after growing it " + std::to_string(kMaxGrows) +
                     " times");
    }
    size_t grown = RoundUpToPage(std::max(seen * 2, seen + 2 * payload));
    Status st = Resize(grown, seen);
    if (!st.ok()) return st;
  }
}

Result<std::optional<std::string>> LmdbBackend::Get(std::string_view key) {
  Status st = ValidateKey(key);
  if (!st.ok()) return Err(std::move(st));
  ReadScope scope;
  st = Begin(MDB_RDONLY, &scope.lock, &scope.txn);
  if (!st.ok()) return Err(std::move(st));
  MDB_val k = Val(key);
  MDB_val v;
  int rc = mdb_get(scope.txn, dbi_, &k, &v);
  if (rc == MDB_NOTFOUND) return std::optional<std::string>();
  if (rc != 0) return Err(MdbError("get", rc));
  return std::optional<std::string>(View(v));
}

Status LmdbBackend::Put(std::string_view key, std::string_view value) {
  Status st = ValidateKey(key);
  if (!st.ok()) return st;
  return Write("put", key.size() + value.size(), [&](MDB_txn* txn) {
    MDB_val k = Val(key);
    MDB_val v = Val(value);
    return mdb_put(txn, dbi_, &k, &v, 0);
  });
}

Status LmdbBackend::Delete(std::string_view key) {
  Status st = ValidateKey(key);
  if (!st.ok()) return st;
  return Write("delete", key.size(), [&](MDB_txn* txn) {
    MDB_val k = Val(key);
    int rc = mdb_del(txn, dbi_, &k, nullptr);
    return rc == MDB_NOTFOUND ? 0 : rc;
  });
}

Status LmdbBackend::Batch(std::span<const Op> ops) {
  Status st = ValidateOps(ops);
  if (!st.ok()) return st;
  if (ops.empty()) return Status::Ok();
  size_t payload = 0;
  for (const Op& op : ops) payload += op.key.size() + op.value.size();
  return Write("batch", payload, [&](MDB_txn* txn) {
    for (const Op& op : ops) {
      MDB_val k = Val(op.key);
      int rc = 0;
      if (op.kind == Op::Kind::kPut) {
        MDB_val v = Val(op.value);
        rc = mdb_put(txn, dbi_, &k, &v, 0);
      } else {
        rc = mdb_del(txn, dbi_, &k, nullptr);
        if (rc == MDB_NOTFOUND) rc = 0;
      }
      if (rc != 0) return rc;
    }
    return 0;
  });
}

Result<std::vector<std::string>> LmdbBackend::List(std::string_view prefix) {
  if (prefix.size() > kMaxKeySize) return std::vector<std::string>();  // no key is that long
  ReadScope scope;
  Status st = Begin(MDB_RDONLY, &scope.lock, &scope.txn);
  if (!st.ok()) return Err(std::move(st));
  MDB_cursor* cursor = nullptr;
  int rc = mdb_cursor_open(scope.txn, dbi_, &cursor);
  if (rc != 0) return Err(MdbError("mdb_cursor_open", rc));
  std::unique_ptr<MDB_cursor, void (*)(MDB_cursor*)> closer(cursor, mdb_cursor_close);

  std::vector<std::string> out;
  std::string seek(prefix);
  MDB_val k = Val(seek);
  MDB_val v;
  // LMDB rejects an empty key for MDB_SET_RANGE; the empty prefix starts at the first key.
  rc = mdb_cursor_get(cursor, &k, &v, prefix.empty() ? MDB_FIRST : MDB_SET_RANGE);
  while (rc == 0) {
    std::string_view key = View(k);
    if (!key.starts_with(prefix)) break;
    std::string_view entry = ListEntry(prefix, key);
    if (!entry.empty()) out.emplace_back(entry);
    if (!entry.empty() && entry.back() == '/') {
      // Skip the folder's contents with one seek instead of walking them.
      seek = PastFolder(key.substr(0, prefix.size() + entry.size()));
      k = Val(seek);
      rc = mdb_cursor_get(cursor, &k, &v, MDB_SET_RANGE);
    } else {
      rc = mdb_cursor_get(cursor, &k, &v, MDB_NEXT);
    }
  }
  if (rc != 0 && rc != MDB_NOTFOUND) return Err(MdbError("list", rc));
  return out;
}

}  // namespace coffer::storage
