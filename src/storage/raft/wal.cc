#include "storage/raft/wal.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <utility>

namespace coffer::storage::raft {
namespace {

constexpr char kMagic[4] = {'C', 'W', 'A', 'L'};
constexpr uint8_t kVersion = 1;
constexpr size_t kSegmentHeaderSize = 8;  // magic, version, 3 reserved zero bytes
constexpr size_t kRecordHeaderSize = 9;   // u32 length, u32 crc32c, u8 type
constexpr uint8_t kRecordEntry = 1;
constexpr uint8_t kRecordHardState = 2;
constexpr size_t kEntryFixedSize = 17;  // u64 term, u64 index, u8 entry type
constexpr size_t kHardStateSize = 24;   // u64 term, u64 vote, u64 commit

constexpr std::array<uint32_t, 256> MakeCrcTable() {
  std::array<uint32_t, 256> table{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
    table[i] = c;
  }
  return table;
}
constexpr std::array<uint32_t, 256> kCrcTable = MakeCrcTable();

void PutU32(std::string* out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out->push_back(static_cast<char>(v >> (8 * i)));
}
void PutU64(std::string* out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out->push_back(static_cast<char>(v >> (8 * i)));
}
uint32_t GetU32(const char* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= uint32_t{static_cast<uint8_t>(p[i])} << (8 * i);
  return v;
}
uint64_t GetU64(const char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= uint64_t{static_cast<uint8_t>(p[i])} << (8 * i);
  return v;
}

// [u32 length][u32 crc32c(type, payload)][u8 type][payload]
std::string EncodeRecord(uint8_t type, std::string_view payload) {
  std::string body(1, static_cast<char>(type));
  body.append(payload);
  std::string out;
  out.reserve(kRecordHeaderSize + payload.size());
  PutU32(&out, static_cast<uint32_t>(payload.size()));
  PutU32(&out, Crc32c(body));
  out.append(body);
  return out;
}

std::string EncodeEntry(const Entry& e) {
  std::string p;
  p.reserve(kEntryFixedSize + e.data.size());
  PutU64(&p, e.term);
  PutU64(&p, e.index);
  p.push_back(e.type == EntryType::kConfigChange ? 1 : 0);
  p.append(e.data);
  return EncodeRecord(kRecordEntry, p);
}

std::string EncodeHardState(const HardState& hs) {
  std::string p;
  PutU64(&p, hs.term);
  PutU64(&p, hs.vote);
  PutU64(&p, hs.commit);
  return EncodeRecord(kRecordHardState, p);
}

Status Errno(const std::string& what, const std::string& path) {
  return IoError("wal: " + what + " " + path + ": " + std::strerror(errno));
}

std::string SegmentName(uint64_t seq) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "wal-%016" PRIx64 ".log", seq);
  return buf;
}

// Parses "wal-<16 lowercase hex>.log".
bool ParseSegmentName(const std::string& name, uint64_t* seq) {
  if (name.size() != 24 || name.compare(0, 4, "wal-") != 0 || name.compare(20, 4, ".log") != 0)
    return false;
  uint64_t v = 0;
  for (size_t i = 4; i < 20; ++i) {
    char c = name[i];
    int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    if (d < 0) return false;
    v = (v << 4) | static_cast<uint64_t>(d);
  }
  *seq = v;
  return true;
}

Status WriteAll(int fd, std::string_view data, const std::string& path) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Errno("write", path);
    data.remove_prefix(static_cast<size_t>(n));
  }
  return Status::Ok();
}

Result<std::string> ReadFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Err(Errno("open", path));
  std::string out;
  char buf[1 << 16];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof(buf));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      Status st = Errno("read", path);
      ::close(fd);
      return Err(std::move(st));
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

Status SyncDir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Errno("open", dir);
  int rc = ::fsync(fd);
  Status st = rc == 0 ? Status::Ok() : Errno("fsync", dir);
  ::close(fd);
  return st;
}

}  // namespace

uint32_t Crc32c(std::string_view data) {
  uint32_t c = 0xFFFFFFFFu;
  for (char ch : data) c = kCrcTable[(c ^ static_cast<uint8_t>(ch)) & 0xFF] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

Wal::Wal(std::string dir, WalOptions options) : dir_(std::move(dir)), options_(options) {}

Wal::~Wal() {
  if (fd_ >= 0) ::close(fd_);
}

Result<std::unique_ptr<Wal>> Wal::Open(const std::string& dir, WalOptions options) {
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) return Err(Errno("mkdir", dir));
  std::unique_ptr<Wal> wal(new Wal(dir, options));
  COFFER_RETURN_IF_ERROR(wal->Replay());
  return wal;
}

Status Wal::Replay() {
  DIR* d = ::opendir(dir_.c_str());
  if (d == nullptr) return Errno("opendir", dir_);
  std::vector<uint64_t> seqs;
  std::vector<std::string> stale;
  while (dirent* ent = ::readdir(d)) {
    std::string name = ent->d_name;
    uint64_t seq = 0;
    if (ParseSegmentName(name, &seq)) {
      seqs.push_back(seq);
    } else if (name.size() > 4 && name.compare(name.size() - 4, 4, ".tmp") == 0) {
      stale.push_back(name);  // a segment whose creation did not finish
    }
  }
  ::closedir(d);
  for (const std::string& name : stale) ::unlink((dir_ + "/" + name).c_str());
  std::sort(seqs.begin(), seqs.end());
  if (seqs.empty()) return CreateSegment();

  for (size_t i = 0; i < seqs.size(); ++i) {
    if (i > 0 && seqs[i] != seqs[i - 1] + 1) {
      return Corruption("wal: missing segment " + SegmentName(seqs[i - 1] + 1));
    }
    bool last = i + 1 == seqs.size();
    COFFER_RETURN_IF_ERROR(ReplaySegment(dir_ + "/" + SegmentName(seqs[i]), last));
  }
  segment_count_ = seqs.size();
  next_seq_ = seqs.back() + 1;
  return Status::Ok();
}

Status Wal::ReplaySegment(const std::string& path, bool last) {
  COFFER_ASSIGN_OR_RETURN(std::string data, ReadFile(path));
  if (data.size() < kSegmentHeaderSize || std::memcmp(data.data(), kMagic, 4) != 0) {
    return Corruption("wal: bad segment header in " + path);
  }
  if (static_cast<uint8_t>(data[4]) != kVersion) {
    return Corruption("wal: unsupported segment version " +
                      std::to_string(static_cast<uint8_t>(data[4])) + " in " + path);
  }
  size_t off = kSegmentHeaderSize;
  const char* damage = nullptr;
  while (off < data.size()) {
    size_t left = data.size() - off;
    if (left < kRecordHeaderSize) {
      damage = "short record header";
      break;
    }
    uint32_t len = GetU32(data.data() + off);
    uint32_t crc = GetU32(data.data() + off + 4);
    if (len > left - kRecordHeaderSize) {
      damage = "short record";
      break;
    }
    std::string_view body(data.data() + off + 8, 1 + size_t{len});
    if (Crc32c(body) != crc) {
      damage = "checksum mismatch";
      break;
    }
    Status st = ApplyRecord(static_cast<uint8_t>(body[0]), body.substr(1));
    if (!st.ok()) {
      return Corruption(st.message() + " in " + path + " at offset " + std::to_string(off));
    }
    off += kRecordHeaderSize + len;
  }
  if (damage != nullptr && !last) {
    return Corruption(std::string("wal: ") + damage + " in " + path + " at offset " +
                      std::to_string(off));
  }
  if (!last) return Status::Ok();

  // The last segment: drop a torn or corrupt tail, then append after what remains.
  fd_ = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  if (fd_ < 0) return Errno("open", path);
  if (damage != nullptr) {
    if (::ftruncate(fd_, static_cast<off_t>(off)) != 0) return Errno("ftruncate", path);
    if (::fsync(fd_) != 0) return Errno("fsync", path);
  }
  segment_size_ = off;
  return Status::Ok();
}

Status Wal::ApplyRecord(uint8_t type, std::string_view payload) {
  if (type == kRecordHardState) {
    if (payload.size() != kHardStateSize) return Corruption("wal: bad hard state size");
    hard_state_.term = GetU64(payload.data());
    hard_state_.vote = GetU64(payload.data() + 8);
    hard_state_.commit = GetU64(payload.data() + 16);
    return Status::Ok();
  }
  if (type != kRecordEntry) return Corruption("wal: unknown record type " + std::to_string(type));
  if (payload.size() < kEntryFixedSize) return Corruption("wal: short entry record");
  Entry e;
  e.term = GetU64(payload.data());
  e.index = GetU64(payload.data() + 8);
  uint8_t entry_type = static_cast<uint8_t>(payload[16]);
  if (entry_type > 1) return Corruption("wal: unknown entry type");
  e.type = entry_type == 1 ? EntryType::kConfigChange : EntryType::kNormal;
  if (e.index < 1 || e.index > entries_.size() + 1) {
    return Corruption("wal: entry " + std::to_string(e.index) + " leaves a gap after " +
                      std::to_string(entries_.size()));
  }
  e.data.assign(payload.substr(kEntryFixedSize));
  entries_.resize(e.index - 1);
  entries_.push_back(std::move(e));
  return Status::Ok();
}

Status Wal::CreateSegment() {
  std::string path = dir_ + "/" + SegmentName(next_seq_);
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Errno("open", tmp);
  std::string header(kMagic, 4);
  header.push_back(static_cast<char>(kVersion));
  header.append(3, '\0');
  Status st = WriteAll(fd, header, tmp);
  if (st.ok() && ::fdatasync(fd) != 0) st = Errno("fdatasync", tmp);
  if (st.ok() && ::rename(tmp.c_str(), path.c_str()) != 0) st = Errno("rename", tmp);
  if (st.ok()) st = SyncDir(dir_);
  if (!st.ok()) {
    ::close(fd);
    return st;
  }
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;  // positioned after the header
  segment_size_ = kSegmentHeaderSize;
  ++segment_count_;
  ++next_seq_;
  return Status::Ok();
}

Status Wal::WriteRecords(const std::string& records) {
  if (!broken_.ok()) return broken_;
  if (records.empty()) return Status::Ok();
  Status st = WriteAll(fd_, records, dir_ + "/" + SegmentName(next_seq_ - 1));
  if (!st.ok()) {
    broken_ = st;
    return st;
  }
  segment_size_ += records.size();
  return Status::Ok();
}

Status Wal::AddRecord(std::string* pending, std::string record) {
  uint64_t size = segment_size_ + pending->size();
  if (size > kSegmentHeaderSize && size + record.size() > options_.segment_bytes) {
    COFFER_RETURN_IF_ERROR(WriteRecords(*pending));
    pending->clear();
    // Earlier segments must be durable: only the last one may have a torn tail.
    COFFER_RETURN_IF_ERROR(Sync());
    Status st = CreateSegment();
    if (!st.ok()) {
      broken_ = st;
      return st;
    }
  }
  pending->append(record);
  return Status::Ok();
}

Status Wal::Append(const std::vector<Entry>& entries) {
  if (!broken_.ok()) return broken_;
  if (entries.empty()) return Status::Ok();
  uint64_t first = entries.front().index;
  if (first < 1 || first > entries_.size() + 1) {
    return InvalidArgument("wal: append at " + std::to_string(first) + " leaves a gap after " +
                           std::to_string(entries_.size()));
  }
  for (size_t i = 1; i < entries.size(); ++i) {
    if (entries[i].index != first + i) return InvalidArgument("wal: entries not contiguous");
  }
  std::string pending;
  for (const Entry& e : entries) COFFER_RETURN_IF_ERROR(AddRecord(&pending, EncodeEntry(e)));
  COFFER_RETURN_IF_ERROR(WriteRecords(pending));
  entries_.resize(first - 1);
  entries_.insert(entries_.end(), entries.begin(), entries.end());
  return Status::Ok();
}

Status Wal::SetHardState(const HardState& hs) {
  if (!broken_.ok()) return broken_;
  std::string pending;
  COFFER_RETURN_IF_ERROR(AddRecord(&pending, EncodeHardState(hs)));
  COFFER_RETURN_IF_ERROR(WriteRecords(pending));
  hard_state_ = hs;
  return Status::Ok();
}

Status Wal::Sync() {
  if (!broken_.ok()) return broken_;
  if (::fdatasync(fd_) != 0) {
    // After a failed fdatasync the page cache state is unknown: fail closed for good.
    broken_ = Errno("fdatasync", dir_ + "/" + SegmentName(next_seq_ - 1));
    return broken_;
  }
  return Status::Ok();
}

uint64_t Wal::Term(uint64_t index) const {
  if (index == 0 || index > entries_.size()) return 0;
  return entries_[index - 1].term;
}

std::vector<Entry> Wal::Entries(uint64_t lo, uint64_t hi) const {
  if (lo < 1 || hi > entries_.size() + 1 || lo > hi) {
    std::fprintf(stderr, "wal: Entries(%" PRIu64 ", %" PRIu64 ") out of range\n", lo, hi);
    std::abort();
  }
  return std::vector<Entry>(entries_.begin() + static_cast<ptrdiff_t>(lo - 1),
                            entries_.begin() + static_cast<ptrdiff_t>(hi - 1));
}

}  // namespace coffer::storage::raft
