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
constexpr uint8_t kVersion = 2;  // written; version 1 (no starting records) is read
constexpr uint8_t kMinVersion = 1;
constexpr size_t kSegmentHeaderSize = 8;  // magic, version, 3 reserved zero bytes
constexpr size_t kRecordHeaderSize = 9;   // u32 length, u32 crc32c, u8 type
constexpr uint8_t kRecordEntry = 1;
constexpr uint8_t kRecordHardState = 2;
constexpr uint8_t kRecordSnapshot = 3;
// Snapshot record kinds.
constexpr uint8_t kSnapBase = 0;     // a segment's starting record: the snapshot in force
constexpr uint8_t kSnapCompact = 1;  // log compaction: entries <= index dropped
constexpr uint8_t kSnapInstall = 2;  // an installed snapshot: every entry dropped
constexpr size_t kSnapshotFixedSize = 1 + 8 + 8 + 4 + 4;  // kind, index, term, two counts
constexpr size_t kEntryFixedSize = 17;                    // u64 term, u64 index, u8 entry type
constexpr size_t kHardStateSize = 24;                     // u64 term, u64 vote, u64 commit

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

void PutIds(std::string* out, const std::vector<uint64_t>& ids) {
  PutU32(out, static_cast<uint32_t>(ids.size()));
  for (uint64_t id : ids) PutU64(out, id);
}

std::string EncodeSnapshotRecord(uint8_t kind, const SnapshotMeta& meta) {
  std::string p;
  p.push_back(static_cast<char>(kind));
  PutU64(&p, meta.index);
  PutU64(&p, meta.term);
  PutIds(&p, meta.conf.voters);
  PutIds(&p, meta.conf.learners);
  return EncodeRecord(kRecordSnapshot, p);
}

// Parses the ids list at *off in `p`; false if it runs past the end.
bool GetIds(std::string_view p, size_t* off, std::vector<uint64_t>* ids) {
  if (p.size() - *off < 4) return false;
  uint64_t n = GetU32(p.data() + *off);
  *off += 4;
  if (n > (p.size() - *off) / 8) return false;
  for (uint64_t i = 0; i < n; ++i, *off += 8) ids->push_back(GetU64(p.data() + *off));
  return true;
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

std::string Wal::SegmentPath(uint64_t seq) const { return dir_ + "/" + SegmentName(seq); }

Result<std::unique_ptr<Wal>> Wal::Open(const std::string& dir, WalOptions options) {
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) return Err(Errno("mkdir", dir));
  std::unique_ptr<Wal> wal(new Wal(dir, options));
  COFFER_RETURN_IF_ERROR(wal->Replay());
  // What replay read may still be only in the page cache (a process crash): make it
  // durable before deleting the segments it made obsolete.
  COFFER_RETURN_IF_ERROR(wal->Sync());
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

  // Replay starts after the last gap in the sequence numbers: segments before a gap are
  // left over from a deletion the crash interrupted. Whether that is legitimate is
  // decided below: the replayed segments must hold every entry after the snapshot.
  size_t start = 0;
  for (size_t i = 1; i < seqs.size(); ++i) {
    if (seqs[i] != seqs[i - 1] + 1) start = i;
  }
  hole_allowed_ = true;
  for (size_t i = start; i < seqs.size(); ++i) {
    bool last = i + 1 == seqs.size();
    segments_.push_back(Segment{seqs[i], 0});
    COFFER_RETURN_IF_ERROR(ReplaySegment(SegmentPath(seqs[i]), i == start, last));
  }
  hole_allowed_ = false;
  if (!entries_.empty() && entries_.front().index != snapshot_.index + 1) {
    return Corruption("wal: entries " + std::to_string(snapshot_.index + 1) + ".." +
                      std::to_string(entries_.front().index - 1) +
                      " are missing (a lost segment before " + SegmentName(seqs[start]) + ")");
  }
  for (size_t i = 0; i < start; ++i) {  // obsolete: the replayed segments do without them
    if (::unlink(SegmentPath(seqs[i]).c_str()) != 0 && errno != ENOENT) {
      return Errno("unlink", SegmentPath(seqs[i]));
    }
  }
  next_seq_ = seqs.back() + 1;
  return Status::Ok();
}

Status Wal::ReplaySegment(const std::string& path, bool first, bool last) {
  COFFER_ASSIGN_OR_RETURN(std::string data, ReadFile(path));
  if (data.size() < kSegmentHeaderSize || std::memcmp(data.data(), kMagic, 4) != 0) {
    return Corruption("wal: bad segment header in " + path);
  }
  uint8_t version = static_cast<uint8_t>(data[4]);
  if (version < kMinVersion || version > kVersion) {
    return Corruption("wal: unsupported segment version " + std::to_string(version) + " in " +
                      path);
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
    bool first_record = first && off == kSegmentHeaderSize;
    Status st = ApplyRecord(static_cast<uint8_t>(body[0]), body.substr(1), first_record);
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
  segment_base_ = kSegmentHeaderSize;
  return Status::Ok();
}

Status Wal::ApplyRecord(uint8_t type, std::string_view payload, bool first_record) {
  if (type == kRecordHardState) {
    if (payload.size() != kHardStateSize) return Corruption("wal: bad hard state size");
    hard_state_.term = GetU64(payload.data());
    hard_state_.vote = GetU64(payload.data() + 8);
    hard_state_.commit = GetU64(payload.data() + 16);
    return Status::Ok();
  }
  if (type == kRecordSnapshot) {
    if (payload.size() < kSnapshotFixedSize) return Corruption("wal: short snapshot record");
    uint8_t kind = static_cast<uint8_t>(payload[0]);
    SnapshotMeta meta;
    meta.index = GetU64(payload.data() + 1);
    meta.term = GetU64(payload.data() + 9);
    size_t off = 17;
    if (!GetIds(payload, &off, &meta.conf.voters) || !GetIds(payload, &off, &meta.conf.learners) ||
        off != payload.size()) {
      return Corruption("wal: malformed snapshot record");
    }
    return ApplySnapshotRecord(kind, std::move(meta), first_record);
  }
  if (type != kRecordEntry) return Corruption("wal: unknown record type " + std::to_string(type));
  if (payload.size() < kEntryFixedSize) return Corruption("wal: short entry record");
  Entry e;
  e.term = GetU64(payload.data());
  e.index = GetU64(payload.data() + 8);
  uint8_t entry_type = static_cast<uint8_t>(payload[16]);
  if (entry_type > 1) return Corruption("wal: unknown entry type");
  e.type = entry_type == 1 ? EntryType::kConfigChange : EntryType::kNormal;
  e.data.assign(payload.substr(kEntryFixedSize));
  return ApplyEntry(std::move(e));
}

Status Wal::ApplyEntry(Entry e) {
  const uint64_t i = e.index;
  if (i <= snapshot_.index) {
    return Corruption("wal: entry " + std::to_string(i) + " at or before the snapshot at " +
                      std::to_string(snapshot_.index));
  }
  // The first entry replayed may follow a prefix of deleted segments (checked at the end
  // of the replay against the compaction point).
  const bool hole = hole_allowed_ && entries_.empty();
  hole_allowed_ = false;
  if (i > LastIndex() + 1 && !hole) {
    return Corruption("wal: entry " + std::to_string(i) + " leaves a gap after " +
                      std::to_string(LastIndex()));
  }
  if (i <= LastIndex()) ForgetSupersededFrom(i);  // a truncation
  if (!entries_.empty() && i <= entries_.front().index) {
    entries_.clear();  // supersedes everything we hold (possibly inside a replay hole)
  } else if (!entries_.empty()) {
    entries_.resize(i - entries_.front().index);
  }
  entries_.push_back(std::move(e));
  segments_.back().max_index = std::max(segments_.back().max_index, i);
  return Status::Ok();
}

// Entries at or after `index` are being superseded: they no longer keep any segment
// alive (the segments' max_index only counts entries still in the log).
void Wal::ForgetSupersededFrom(uint64_t index) {
  for (Segment& s : segments_) s.max_index = std::min(s.max_index, index - 1);
}

Status Wal::ApplySnapshotRecord(uint8_t kind, SnapshotMeta meta, bool first_record) {
  switch (kind) {
    case kSnapBase:
      if (first_record) {
        snapshot_ = std::move(meta);
      } else if (meta != snapshot_) {
        return Corruption("wal: segment starts at snapshot " + std::to_string(meta.index) +
                          ", replay is at " + std::to_string(snapshot_.index));
      }
      return Status::Ok();
    case kSnapCompact:
      // Past the entries held only at the start of a replay whose earlier segments were
      // deleted: a compaction record that opened a new segment made the old one (every
      // entry up to it) obsolete, so nothing before the new point is needed.
      if (meta.index < snapshot_.index ||
          (meta.index > LastIndex() && !(hole_allowed_ && entries_.empty()))) {
        return Corruption("wal: compaction to " + std::to_string(meta.index) + " outside [" +
                          std::to_string(snapshot_.index) + ", " + std::to_string(LastIndex()) +
                          "]");
      }
      while (!entries_.empty() && entries_.front().index <= meta.index) entries_.pop_front();
      snapshot_ = std::move(meta);
      hole_allowed_ = false;
      return Status::Ok();
    case kSnapInstall:
      entries_.clear();
      for (Segment& s : segments_) s.max_index = 0;  // every entry so far is dropped
      snapshot_ = std::move(meta);
      install_seq_ = segments_.back().seq;
      hole_allowed_ = false;
      return Status::Ok();
    default:
      return Corruption("wal: unknown snapshot record kind " + std::to_string(kind));
  }
}

Status Wal::CreateSegment() {
  std::string path = SegmentPath(next_seq_);
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Errno("open", tmp);
  // The header and the state in force, so this segment replays without its predecessors.
  std::string header(kMagic, 4);
  header.push_back(static_cast<char>(kVersion));
  header.append(3, '\0');
  header += EncodeSnapshotRecord(kSnapBase, snapshot_);
  header += EncodeHardState(hard_state_);
  Status st = WriteAll(fd, header, tmp);
  if (st.ok() && ::fdatasync(fd) != 0) st = Errno("fdatasync", tmp);
  if (st.ok() && ::rename(tmp.c_str(), path.c_str()) != 0) st = Errno("rename", tmp);
  if (st.ok()) st = SyncDir(dir_);
  if (!st.ok()) {
    ::close(fd);
    return st;
  }
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;  // positioned after the starting records
  segment_size_ = header.size();
  segment_base_ = header.size();
  segments_.push_back(Segment{next_seq_, 0});
  ++next_seq_;
  return Status::Ok();
}

Status Wal::WriteRecords(const std::string& records) {
  if (!broken_.ok()) return broken_;
  if (records.empty()) return Status::Ok();
  Status st = WriteAll(fd_, records, SegmentPath(next_seq_ - 1));
  if (!st.ok()) {
    broken_ = st;
    return st;
  }
  segment_size_ += records.size();
  return Status::Ok();
}

Status Wal::AddRecord(std::string* pending, std::string record) {
  uint64_t size = segment_size_ + pending->size();
  if (size > segment_base_ && size + record.size() > options_.segment_bytes) {
    COFFER_RETURN_IF_ERROR(WriteRecords(*pending));
    pending->clear();
    // Earlier segments must be durable: only the last one may have a torn tail.
    if (::fdatasync(fd_) != 0) {
      broken_ = Errno("fdatasync", SegmentPath(next_seq_ - 1));
      return broken_;
    }
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
  if (first <= snapshot_.index || first > LastIndex() + 1) {
    return InvalidArgument("wal: append at " + std::to_string(first) + " outside [" +
                           std::to_string(snapshot_.index + 1) + ", " +
                           std::to_string(LastIndex() + 1) + "]");
  }
  for (size_t i = 1; i < entries.size(); ++i) {
    if (entries[i].index != first + i) return InvalidArgument("wal: entries not contiguous");
  }
  if (first <= LastIndex()) ForgetSupersededFrom(first);  // a truncation
  std::string pending;
  for (const Entry& e : entries) {
    COFFER_RETURN_IF_ERROR(AddRecord(&pending, EncodeEntry(e)));
    segments_.back().max_index = std::max(segments_.back().max_index, e.index);
  }
  COFFER_RETURN_IF_ERROR(WriteRecords(pending));
  entries_.resize(first - snapshot_.index - 1);
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

Status Wal::Compact(uint64_t index) {
  if (!broken_.ok()) return broken_;
  if (index <= snapshot_.index) return Status::Ok();
  if (index > LastIndex()) {
    return InvalidArgument("wal: compaction to " + std::to_string(index) + " past last index " +
                           std::to_string(LastIndex()));
  }
  SnapshotMeta meta{index, Term(index), {}};
  std::string pending;
  COFFER_RETURN_IF_ERROR(AddRecord(&pending, EncodeSnapshotRecord(kSnapCompact, meta)));
  COFFER_RETURN_IF_ERROR(WriteRecords(pending));
  while (!entries_.empty() && entries_.front().index <= index) entries_.pop_front();
  snapshot_ = std::move(meta);
  return Status::Ok();
}

Status Wal::ApplySnapshot(const SnapshotMeta& meta) {
  if (!broken_.ok()) return broken_;
  std::string pending;
  COFFER_RETURN_IF_ERROR(AddRecord(&pending, EncodeSnapshotRecord(kSnapInstall, meta)));
  COFFER_RETURN_IF_ERROR(WriteRecords(pending));
  entries_.clear();
  for (Segment& s : segments_) s.max_index = 0;  // every entry so far is dropped
  snapshot_ = meta;
  install_seq_ = segments_.back().seq;
  return Status::Ok();
}

Status Wal::Sync() {
  if (!broken_.ok()) return broken_;
  if (::fdatasync(fd_) != 0) {
    // After a failed fdatasync the page cache state is unknown: fail closed for good.
    broken_ = Errno("fdatasync", SegmentPath(next_seq_ - 1));
    return broken_;
  }
  return DropObsoleteSegments();
}

// Requires every record written so far to be durable: the compaction or snapshot record
// that makes a segment obsolete must survive its deletion.
Status Wal::DropObsoleteSegments() {
  bool dropped = false;
  while (segments_.size() > 1 &&
         (segments_.front().seq < install_seq_ || segments_.front().max_index <= snapshot_.index)) {
    std::string path = SegmentPath(segments_.front().seq);
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) return Errno("unlink", path);
    segments_.pop_front();
    dropped = true;
  }
  return dropped ? SyncDir(dir_) : Status::Ok();
}

uint64_t Wal::Term(uint64_t index) const {
  if (index == snapshot_.index) return snapshot_.term;
  if (index < snapshot_.index || index > LastIndex()) return 0;
  return entries_[index - snapshot_.index - 1].term;
}

std::vector<Entry> Wal::Entries(uint64_t lo, uint64_t hi) const {
  if (lo <= snapshot_.index || hi > LastIndex() + 1 || lo > hi) {
    std::fprintf(stderr, "wal: Entries(%" PRIu64 ", %" PRIu64 ") out of range\n", lo, hi);
    std::abort();
  }
  const uint64_t base = snapshot_.index + 1;
  return std::vector<Entry>(entries_.begin() + static_cast<ptrdiff_t>(lo - base),
                            entries_.begin() + static_cast<ptrdiff_t>(hi - base));
}

}  // namespace coffer::storage::raft
