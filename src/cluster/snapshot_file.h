#pragma once
// Internal: a received snapshot stream being written to the snapshot directory.
// Written to "<dir>/snap-<from>-<term>-<index>-<n>.part"; Finish fsyncs it, renames it to
// ".snap" and fsyncs the directory. Destroyed unfinished, it removes the partial file.
// Not thread-safe (one connection writes it; Finish may run on another thread after).

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "base/status.h"

namespace coffer::cluster {

class SnapshotFile {
 public:
  static Result<std::unique_ptr<SnapshotFile>> Create(const std::string& dir, uint64_t from,
                                                      uint64_t term, uint64_t index);
  ~SnapshotFile();
  SnapshotFile(const SnapshotFile&) = delete;
  SnapshotFile& operator=(const SnapshotFile&) = delete;

  Status Write(std::string_view data);
  // Durable and renamed: returns the final path. The file then belongs to the caller.
  Result<std::string> Finish();
  uint64_t size() const { return size_; }

 private:
  SnapshotFile(std::string dir, std::string part, std::string final_path, int fd)
      : dir_(std::move(dir)), part_(std::move(part)), final_(std::move(final_path)), fd_(fd) {}

  std::string dir_, part_, final_;
  int fd_;
  uint64_t size_ = 0;
  bool finished_ = false;
};

}  // namespace coffer::cluster
