#pragma once
// The snapshot stream (docs/formats/raft-snapshot.md): a header (SnapshotMeta, the member
// list, the restore in progress), the key/value records in length-prefixed, CRC-32C'd
// chunks, and a trailer with the record count and a SHA-256 of the whole stream.
//
// Invariants:
//   - neither side ever holds more than one chunk: the writer flushes a chunk once it
//     reaches chunk_bytes (a single larger record gets a chunk of its own); the reader
//     refuses a chunk longer than kMaxSnapshotChunkBytes and grows its buffer only as
//     bytes arrive, so arbitrary input allocates a bounded amount (the chunk, plus 40
//     bytes of record view per 10 bytes of chunk at worst);
//   - the reader returns Corruption for any damage, truncation or trailing byte, but only
//     the end of the stream (Next() returning false) proves the whole stream intact: a
//     consumer stages what it reads and commits only then.
//
// Not thread-safe; one writer or reader per stream.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "storage/raft/membership.h"
#include "storage/raft/types.h"

namespace coffer::storage::raft {

// Writes a snapshot stream in chunks to a sink.
using SnapshotSink = std::function<Status(std::string_view chunk)>;
// Reads up to `n` bytes into `buf`; 0 at the end of the stream.
using SnapshotSource = std::function<Result<size_t>(char* buf, size_t n)>;

namespace internal {
class Sha256Stream;  // snapshot.cc
}  // namespace internal

inline constexpr size_t kSnapshotChunkBytes = 1u << 20;      // the writer's target
inline constexpr size_t kMaxSnapshotChunkBytes = 16u << 20;  // the reader's limit

// Which key space a record belongs to.
enum class SnapshotTable : uint8_t {
  kData = 0,     // the live data
  kRestore = 1,  // the staging data of the operator restore in progress (restore_id)
};

struct SnapshotHeader {
  SnapshotMeta meta;            // applied index/term and meta.conf
  std::vector<Member> members;  // the address book (may be empty: static peers)
  uint64_t restore_id = 0;      // an operator restore in progress, 0 if none

  bool operator==(const SnapshotHeader&) const = default;
};

struct SnapshotRecord {
  SnapshotTable table = SnapshotTable::kData;
  std::string_view key;
  std::string_view value;
};

class SnapshotWriter {
 public:
  explicit SnapshotWriter(SnapshotSink sink, size_t chunk_bytes = kSnapshotChunkBytes);
  ~SnapshotWriter();
  SnapshotWriter(const SnapshotWriter&) = delete;
  SnapshotWriter& operator=(const SnapshotWriter&) = delete;

  // Once, first.
  Status Begin(const SnapshotHeader& header);
  // A record; InvalidArgument for an empty key or one past kMaxSnapshotChunkBytes.
  Status Add(SnapshotTable table, std::string_view key, std::string_view value);
  // Flushes the last chunk and writes the trailer. The sink's errors are returned as is.
  Status Finish();
  uint64_t records() const { return records_; }
  uint64_t bytes() const { return bytes_; }

 private:
  Status Emit(std::string_view bytes);
  Status Flush();

  SnapshotSink sink_;
  const size_t chunk_bytes_;
  std::unique_ptr<internal::Sha256Stream> hash_;
  std::string chunk_;
  uint64_t records_ = 0;
  uint64_t bytes_ = 0;
  Status broken_;
};

class SnapshotReader {
 public:
  explicit SnapshotReader(SnapshotSource source);
  ~SnapshotReader();
  SnapshotReader(const SnapshotReader&) = delete;
  SnapshotReader& operator=(const SnapshotReader&) = delete;

  // Once, first.
  Result<SnapshotHeader> ReadHeader();
  // The records of the next chunk, as views into the reader's buffer valid until the next
  // call. Ok(false) at the end, once the trailer's count and SHA-256 verified and the
  // source is exhausted.
  Result<bool> NextChunk(std::vector<SnapshotRecord>* records);
  uint64_t records() const { return records_; }

 private:
  Status ReadExact(size_t n, std::string* out);

  SnapshotSource source_;
  std::unique_ptr<internal::Sha256Stream> hash_;
  std::string buf_;
  uint64_t records_ = 0;
  bool header_read_ = false;
  bool done_ = false;
  Status broken_;
};

// Reads and verifies a whole stream from `source`, saving a copy of its bytes in `path`
// (written to path + ".tmp", fsync'ed, renamed). Nothing is left at `path` on error.
Result<SnapshotHeader> SaveVerifiedSnapshot(const SnapshotSource& source, const std::string& path);
// Writes `path` from `write` (tmp, fsync, rename); nothing is left at `path` on error.
Status WriteSnapshotFile(const std::string& path,
                         const std::function<Status(const SnapshotSink&)>& write);
// A source reading the file at `path` (the file stays open until the source is destroyed).
Result<SnapshotSource> OpenSnapshotFile(const std::string& path);
// Reads and verifies the whole file, returning its header.
Result<SnapshotHeader> VerifySnapshotFile(const std::string& path);

}  // namespace coffer::storage::raft
