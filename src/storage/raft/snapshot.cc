#include "storage/raft/snapshot.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include "storage/keys.h"
#include "storage/raft/wal.h"

namespace coffer::storage::raft {
namespace internal {

// Incremental SHA-256 (the crypto module only has the one-shot form).
class Sha256Stream {
 public:
  Sha256Stream() : ctx_(EVP_MD_CTX_new()) {
    ok_ = ctx_ != nullptr && EVP_DigestInit_ex(ctx_, EVP_sha256(), nullptr) == 1;
  }
  ~Sha256Stream() { EVP_MD_CTX_free(ctx_); }
  void Update(std::string_view data) {
    ok_ = ok_ && EVP_DigestUpdate(ctx_, data.data(), data.size()) == 1;
  }
  // 32 bytes, or empty if OpenSSL failed.
  std::string Final() {
    std::string out(32, '\0');
    unsigned int len = 0;
    ok_ = ok_ &&
          EVP_DigestFinal_ex(ctx_, reinterpret_cast<unsigned char*>(out.data()), &len) == 1 &&
          len == 32;
    return ok_ ? out : std::string();
  }

 private:
  EVP_MD_CTX* ctx_;
  bool ok_ = false;
};

}  // namespace internal

namespace {

constexpr char kMagic[4] = {'C', 'S', 'N', 'P'};
constexpr uint8_t kVersion = 1;
constexpr size_t kPreambleSize = 8;            // magic, version, 3 reserved
constexpr size_t kMaxHeaderBytes = 16u << 20;  // the header body (membership)
constexpr size_t kDigestSize = 32;
constexpr size_t kReadStep = 1u << 20;  // buffers grow by at most this much per read

Status Bad(const std::string& what) { return Corruption("raft snapshot: " + what); }

uint32_t GetU32At(std::string_view s) {
  uint32_t v = 0;
  wire::GetU32(&s, &v);
  return v;
}

Status Errno(const std::string& what, const std::string& path) {
  return IoError("raft snapshot: " + what + " " + path + ": " + std::strerror(errno));
}

Status WriteAllFd(int fd, std::string_view data, const std::string& path) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Errno("write", path);
    data.remove_prefix(static_cast<size_t>(n));
  }
  return Status::Ok();
}

Status SyncParent(const std::string& path) {
  size_t slash = path.find_last_of('/');
  std::string dir = slash == std::string::npos ? "." : path.substr(0, std::max<size_t>(slash, 1));
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Errno("open", dir);
  int rc = ::fsync(fd);
  ::close(fd);
  return rc == 0 ? Status::Ok() : Errno("fsync", dir);
}

// Writes `produce`'s bytes to path.tmp, then fsync and rename.
Status WriteFileAtomically(const std::string& path,
                           const std::function<Status(const SnapshotSink&)>& produce) {
  const std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Errno("open", tmp);
  Status st = produce([&](std::string_view chunk) { return WriteAllFd(fd, chunk, tmp); });
  if (st.ok() && ::fsync(fd) != 0) st = Errno("fsync", tmp);
  ::close(fd);
  if (st.ok() && ::rename(tmp.c_str(), path.c_str()) != 0) st = Errno("rename", tmp);
  if (st.ok()) st = SyncParent(path);
  if (!st.ok()) ::unlink(tmp.c_str());
  return st;
}

}  // namespace

// ---- writer ----

SnapshotWriter::SnapshotWriter(SnapshotSink sink, size_t chunk_bytes)
    : sink_(std::move(sink)),
      chunk_bytes_(std::clamp<size_t>(chunk_bytes, 1, kMaxSnapshotChunkBytes)),
      hash_(std::make_unique<internal::Sha256Stream>()) {}

SnapshotWriter::~SnapshotWriter() = default;

Status SnapshotWriter::Emit(std::string_view bytes) {
  if (!broken_.ok()) return broken_;
  hash_->Update(bytes);
  bytes_ += bytes.size();
  Status st = sink_(bytes);
  if (!st.ok()) broken_ = st;
  return st;
}

Status SnapshotWriter::Begin(const SnapshotHeader& header) {
  std::string body;
  wire::PutU64(&body, header.meta.index);
  wire::PutU64(&body, header.meta.term);
  wire::PutU64(&body, header.restore_id);
  body += EncodeMembership(Membership{header.meta.conf, header.members});
  if (body.size() > kMaxHeaderBytes) return InvalidArgument("raft snapshot: header too large");
  std::string out(kMagic, 4);
  wire::PutU8(&out, kVersion);
  out.append(3, '\0');
  wire::PutU32(&out, static_cast<uint32_t>(body.size()));
  wire::PutU32(&out, Crc32c(body));
  out += body;
  return Emit(out);
}

Status SnapshotWriter::Add(SnapshotTable table, std::string_view key, std::string_view value) {
  if (key.empty()) return InvalidArgument("raft snapshot: empty key");
  if (key.size() + value.size() + 9 > kMaxSnapshotChunkBytes) {
    return InvalidArgument("raft snapshot: record larger than the chunk limit");
  }
  if (!chunk_.empty() && chunk_.size() + key.size() + value.size() + 9 > chunk_bytes_) {
    COFFER_RETURN_IF_ERROR(Flush());
  }
  wire::PutU8(&chunk_, static_cast<uint8_t>(table));
  wire::PutBytes(&chunk_, key);
  wire::PutBytes(&chunk_, value);
  ++records_;
  if (chunk_.size() >= chunk_bytes_) return Flush();
  return Status::Ok();
}

Status SnapshotWriter::Flush() {
  if (chunk_.empty()) return Status::Ok();
  std::string head;
  wire::PutU32(&head, static_cast<uint32_t>(chunk_.size()));
  wire::PutU32(&head, Crc32c(chunk_));
  COFFER_RETURN_IF_ERROR(Emit(head));
  COFFER_RETURN_IF_ERROR(Emit(chunk_));
  chunk_.clear();
  if (chunk_.capacity() > 2 * chunk_bytes_) chunk_.shrink_to_fit();
  return Status::Ok();
}

Status SnapshotWriter::Finish() {
  COFFER_RETURN_IF_ERROR(Flush());
  std::string end;
  wire::PutU32(&end, 0);  // end marker
  wire::PutU64(&end, records_);
  COFFER_RETURN_IF_ERROR(Emit(end));
  std::string digest = hash_->Final();
  if (digest.size() != kDigestSize) return Internal("raft snapshot: SHA-256 failed");
  return Emit(digest);
}

// ---- reader ----

SnapshotReader::SnapshotReader(SnapshotSource source)
    : source_(std::move(source)), hash_(std::make_unique<internal::Sha256Stream>()) {}

SnapshotReader::~SnapshotReader() = default;

// Reads exactly n bytes (Corruption at a premature end), growing `out` as data arrives.
Status SnapshotReader::ReadExact(size_t n, std::string* out) {
  out->clear();
  while (out->size() < n) {
    size_t want = std::min(n - out->size(), kReadStep);
    size_t have = out->size();
    out->resize(have + want);
    Result<size_t> got = source_(out->data() + have, want);
    if (!got) return got.error();
    if (*got > want) return Internal("raft snapshot: source overran its buffer");
    out->resize(have + *got);
    if (*got == 0) return Bad("truncated stream");
  }
  return Status::Ok();
}

Result<SnapshotHeader> SnapshotReader::ReadHeader() {
  if (header_read_) return Err(Internal("raft snapshot: header read twice"));
  header_read_ = true;
  std::string pre;
  COFFER_RETURN_IF_ERROR(ReadExact(kPreambleSize + 8, &pre));
  hash_->Update(pre);
  if (std::memcmp(pre.data(), kMagic, 4) != 0) return Err(Bad("bad magic"));
  if (static_cast<uint8_t>(pre[4]) != kVersion) {
    return Err(Bad("unsupported version " + std::to_string(static_cast<uint8_t>(pre[4]))));
  }
  if (pre[5] != 0 || pre[6] != 0 || pre[7] != 0) return Err(Bad("reserved bytes set"));
  uint32_t len = GetU32At(std::string_view(pre).substr(8));
  uint32_t crc = GetU32At(std::string_view(pre).substr(12));
  if (len > kMaxHeaderBytes) return Err(Bad("header too large"));
  COFFER_RETURN_IF_ERROR(ReadExact(len, &buf_));
  hash_->Update(buf_);
  if (Crc32c(buf_) != crc) return Err(Bad("header checksum mismatch"));
  std::string_view in(buf_);
  SnapshotHeader h;
  if (!wire::GetU64(&in, &h.meta.index) || !wire::GetU64(&in, &h.meta.term) ||
      !wire::GetU64(&in, &h.restore_id)) {
    return Err(Bad("short header"));
  }
  Result<Membership> m = DecodeMembership(in);
  if (!m) return Err(Bad("header: " + m.error().message()));
  h.meta.conf = std::move(m->conf);
  h.members = std::move(m->members);
  return h;
}

Result<bool> SnapshotReader::NextChunk(std::vector<SnapshotRecord>* records) {
  records->clear();
  if (!broken_.ok()) return Err(broken_);
  if (!header_read_) return Err(Internal("raft snapshot: chunk before header"));
  if (done_) return false;
  auto fail = [&](Status st) -> Result<bool> {
    broken_ = st;
    return Err(std::move(st));
  };
  std::string head;
  if (Status st = ReadExact(4, &head); !st.ok()) return fail(st);
  hash_->Update(head);
  uint32_t len = GetU32At(head);
  if (len == 0) {  // end marker: record count, then the digest of everything before it
    std::string count;
    if (Status st = ReadExact(8, &count); !st.ok()) return fail(st);
    hash_->Update(count);
    std::string_view cv(count);
    uint64_t n = 0;
    wire::GetU64(&cv, &n);
    if (n != records_) return fail(Bad("record count mismatch"));
    std::string digest;
    if (Status st = ReadExact(kDigestSize, &digest); !st.ok()) return fail(st);
    std::string want = hash_->Final();
    if (want.size() != kDigestSize) return fail(Internal("raft snapshot: SHA-256 failed"));
    if (digest != want) return fail(Bad("SHA-256 mismatch"));
    char extra = 0;
    Result<size_t> more = source_(&extra, 1);
    if (!more) return fail(more.error());
    if (*more != 0) return fail(Bad("trailing bytes after the trailer"));
    done_ = true;
    return false;
  }
  if (len > kMaxSnapshotChunkBytes) return fail(Bad("chunk too large"));
  std::string crc;
  if (Status st = ReadExact(4, &crc); !st.ok()) return fail(st);
  hash_->Update(crc);
  if (Status st = ReadExact(len, &buf_); !st.ok()) return fail(st);
  hash_->Update(buf_);
  if (Crc32c(buf_) != GetU32At(crc)) return fail(Bad("chunk checksum mismatch"));
  std::string_view in(buf_);
  while (!in.empty()) {
    SnapshotRecord r;
    uint8_t table = 0;
    if (!wire::GetU8(&in, &table) || table > 1 || !wire::GetBytes(&in, &r.key) ||
        !wire::GetBytes(&in, &r.value)) {
      records->clear();
      return fail(Bad("malformed record"));
    }
    if (!ValidateKey(r.key).ok()) {
      records->clear();
      return fail(Bad("invalid key"));
    }
    r.table = static_cast<SnapshotTable>(table);
    records->push_back(r);
  }
  records_ += records->size();
  return true;
}

// ---- files ----

Result<SnapshotHeader> SaveVerifiedSnapshot(const SnapshotSource& source, const std::string& path) {
  SnapshotHeader header;
  Status st = WriteFileAtomically(path, [&](const SnapshotSink& sink) -> Status {
    Status copy_error;
    SnapshotReader reader([&](char* buf, size_t n) -> Result<size_t> {
      Result<size_t> got = source(buf, n);
      if (got && *got > 0) {
        copy_error = sink(std::string_view(buf, std::min(*got, n)));
        if (!copy_error.ok()) return Err(copy_error);
      }
      return got;
    });
    COFFER_ASSIGN_OR_RETURN(header, reader.ReadHeader());
    std::vector<SnapshotRecord> records;
    for (;;) {
      COFFER_ASSIGN_OR_RETURN(bool more, reader.NextChunk(&records));
      if (!more) return Status::Ok();
    }
  });
  if (!st.ok()) return Err(std::move(st));
  return header;
}

Status WriteSnapshotFile(const std::string& path,
                         const std::function<Status(const SnapshotSink&)>& write) {
  return WriteFileAtomically(path, write);
}

Result<SnapshotSource> OpenSnapshotFile(const std::string& path) {
  int raw = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (raw < 0) return Err(Errno("open", path));
  auto fd = std::shared_ptr<int>(new int(raw), [](int* p) {
    ::close(*p);
    delete p;
  });
  return SnapshotSource([fd, path](char* buf, size_t n) -> Result<size_t> {
    for (;;) {
      ssize_t got = ::read(*fd, buf, n);
      if (got < 0 && errno == EINTR) continue;
      if (got < 0) return Err(Errno("read", path));
      return static_cast<size_t>(got);
    }
  });
}

Result<SnapshotHeader> VerifySnapshotFile(const std::string& path) {
  COFFER_ASSIGN_OR_RETURN(SnapshotSource source, OpenSnapshotFile(path));
  SnapshotReader reader(std::move(source));
  COFFER_ASSIGN_OR_RETURN(SnapshotHeader header, reader.ReadHeader());
  std::vector<SnapshotRecord> records;
  for (;;) {
    COFFER_ASSIGN_OR_RETURN(bool more, reader.NextChunk(&records));
    if (!more) return header;
  }
}

}  // namespace coffer::storage::raft
